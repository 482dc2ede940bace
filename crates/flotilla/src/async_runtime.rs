//! The runtime the async commands run on.

use crate::failure::Failure;

pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::failed(format!("cannot start the async runtime: {err}")))
}
