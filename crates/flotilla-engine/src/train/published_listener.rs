//! What the train runner tells about each publish step that succeeded.

use std::future::Future;
use std::pin::Pin;

use flotilla_core::plan::Step;
use flotilla_store::Train;

use crate::steps::published::Published;

/// Told of the artifacts of every publish step that succeeded, before the run's next step: the
/// engine starts continuous deployment of images nobody else announces. It must not fail the
/// train: whatever goes wrong is its own to record.
pub trait PublishedListener: Send + Sync {
    fn published<'a>(
        &'a self,
        step: &'a Step,
        artifacts: &'a [Published],
        train: &'a Train,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
}
