//! Why a registry named by a publish step cannot be used.

use flotilla_core::fleet::RegistryKind;
use flotilla_publish::PublishError;

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("registry {name} is not in the manifest")]
    NotInManifest { name: String },
    #[error("registry {name} holds {holds:?}, not {wanted:?}")]
    WrongKind {
        name: String,
        holds: RegistryKind,
        wanted: RegistryKind,
    },
    /// The registry's client could not be set up (a bad URL, TLS).
    #[error("{0}")]
    Client(#[from] PublishError),
}
