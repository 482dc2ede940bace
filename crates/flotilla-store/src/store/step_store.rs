use crate::{Id, NewStep, Step, StepOutcome, StoreFuture};

/// The steps part of [`Store`](crate::Store).
pub trait StepStore: Send + Sync {
    /// Records a run's planned steps as `pending`, in one transaction.
    fn add_steps<'a>(&'a self, run_id: &'a Id, steps: &'a [NewStep]) -> StoreFuture<'a, Vec<Step>>;

    /// Marks a step `running` and commits, BEFORE its effect: `detail` says what it is about to
    /// do (so a resume can check whether it happened), `log_path` where its output goes.
    /// Allowed from pending, failed (retry) and running (re-attempt after a crash); increments
    /// the attempt count.
    fn step_started<'a>(
        &'a self,
        id: &'a Id,
        log_path: Option<&'a str>,
        detail: Option<&'a serde_json::Value>,
    ) -> StoreFuture<'a, Step>;

    /// Ends a step AFTER its effect. A running step may end succeeded, failed or skipped; a
    /// pending step may only be skipped.
    fn step_finished<'a>(&'a self, id: &'a Id, outcome: &'a StepOutcome) -> StoreFuture<'a, Step>;

    /// The steps of a run, in pipeline order.
    fn steps_of_run<'a>(&'a self, run_id: &'a Id) -> StoreFuture<'a, Vec<Step>>;
}
