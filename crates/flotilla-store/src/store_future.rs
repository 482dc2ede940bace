use std::future::Future;
use std::pin::Pin;

use crate::StoreError;

/// What every store method returns: a boxed future, so that the store traits are
/// dyn-compatible and the engine can hold any backend as `Arc<dyn Store>`. One allocation per
/// call is nothing next to the database round trip it waits for.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;
