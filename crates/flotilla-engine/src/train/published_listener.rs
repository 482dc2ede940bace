//! What the train runner tells about each publish step that succeeded.

use std::future::Future;
use std::pin::Pin;

use flotilla_core::plan::Step;
use flotilla_store::Train;

use crate::steps::published::Published;
use crate::steps::step_error::StepError;

/// Told of the artifacts of every publish step that published, BEFORE the step is recorded
/// succeeded: the engine deploys images nobody else announces. The deployments are part of the
/// step's effect, so a process killed before they are done leaves the step unfinished and
/// `resume` runs it again (publishing again is a no-op; deployments already done are found).
/// An error fails the step, and with it the run.
pub trait PublishedListener: Send + Sync {
    fn published<'a>(
        &'a self,
        step: &'a Step,
        artifacts: &'a [Published],
        train: &'a Train,
    ) -> Pin<Box<dyn Future<Output = Result<(), StepError>> + Send + 'a>>;
}
