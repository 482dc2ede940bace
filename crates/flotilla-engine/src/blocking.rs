//! Running git, file and registry work (all synchronous) off the async runtime's threads.

use crate::engine_error::EngineError;

/// Runs `f` on a blocking thread.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, EngineError> {
    tokio::task::spawn_blocking(f).await?
}
