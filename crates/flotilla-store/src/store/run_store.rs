use crate::{Id, NewRun, NewTrainRun, Run, RunStatus, RunWithLastStep, StoreFuture};

/// The runs part of [`Store`](crate::Store).
pub trait RunStore: Send + Sync {
    /// Records a `pending` run.
    fn create_run<'a>(&'a self, run: &'a NewRun) -> StoreFuture<'a, Run>;

    /// Records `pending` runs of `train_id` with their `pending` steps, in one transaction
    /// (what `resume` rebuilds of a train whose runs an older version did not record).
    fn add_train_runs<'a>(
        &'a self,
        train_id: &'a Id,
        runs: &'a [NewTrainRun],
    ) -> StoreFuture<'a, Vec<Run>>;

    fn run<'a>(&'a self, id: &'a Id) -> StoreFuture<'a, Run>;

    /// Marks a run `running` (again, on resume): clears its end, error and blocker. A done run
    /// (succeeded, skipped) cannot start again.
    fn run_started<'a>(&'a self, id: &'a Id) -> StoreFuture<'a, Run>;

    /// Ends a run with `status` (succeeded, failed, skipped or cancelled) and an error message
    /// for failures. A done run cannot end again.
    fn run_finished<'a>(
        &'a self,
        id: &'a Id,
        status: RunStatus,
        error: Option<&'a str>,
    ) -> StoreFuture<'a, Run>;

    /// Ends a run as `blocked` by `blocked_by` (what failed upstream). A done run cannot be
    /// blocked.
    fn run_blocked<'a>(&'a self, id: &'a Id, blocked_by: &'a str) -> StoreFuture<'a, Run>;

    /// The runs of a train by wave then creation, each with its last started step.
    fn runs_of_train<'a>(&'a self, train_id: &'a Id) -> StoreFuture<'a, Vec<RunWithLastStep>>;

    /// The runs of a train that are not done (neither succeeded nor skipped), by wave then
    /// creation: what `resume` must finish.
    fn unfinished_runs<'a>(&'a self, train_id: &'a Id) -> StoreFuture<'a, Vec<Run>>;

    /// How many runs are in each status, like
    /// [`count_events_by_status`](EventStore::count_events_by_status).
    fn count_runs_by_status(&self) -> StoreFuture<'_, Vec<(RunStatus, u64)>>;
}
