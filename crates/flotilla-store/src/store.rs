use std::future::Future;
use std::time::Duration;

use crate::{
    Artifact, ArtifactRecord, Event, EventReceipt, EventStatus, Id, Lease, NewArtifact, NewEvent,
    NewRun, NewStep, NewTrain, Run, RunStatus, RunWithLastStep, Step, StepOutcome, StoreError,
    Train, TrainStatus,
};

/// flotilla's durable state. The engine is generic over it: [`SqliteStore`](crate::SqliteStore)
/// for one node, `PostgreSQL` for several.
///
/// Every method commits before it returns. Crash safety of effects (pushes, uploads) rests on
/// that: the engine calls [`step_started`](Store::step_started) before an effect and
/// [`step_finished`](Store::step_finished) after it, so a step found `running` after a crash
/// means "may have happened: check the world before redoing it".
pub trait Store: Send + Sync {
    /// Records a `pending` train. Fails with [`StoreError::TrainConflict`] when a train of the
    /// same kind and version is already active (pending or running).
    fn create_train(
        &self,
        train: &NewTrain,
    ) -> impl Future<Output = Result<Train, StoreError>> + Send;

    /// Moves a train to `status`. Becoming active again (resume) fails with
    /// [`StoreError::TrainConflict`] if another train took the slot meanwhile; a succeeded train
    /// is final ([`StoreError::InvalidTransition`]).
    fn set_train_status(
        &self,
        id: &Id,
        status: TrainStatus,
    ) -> impl Future<Output = Result<Train, StoreError>> + Send;

    /// The train with this id, or with the only id starting with this prefix (case-insensitive).
    fn train(&self, id_or_prefix: &str) -> impl Future<Output = Result<Train, StoreError>> + Send;

    /// The most recently created train.
    fn latest_train(&self) -> impl Future<Output = Result<Option<Train>, StoreError>> + Send;

    /// Up to `limit` trains, newest first.
    fn list_trains(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Train>, StoreError>> + Send;

    /// Records a `pending` run.
    fn create_run(&self, run: &NewRun) -> impl Future<Output = Result<Run, StoreError>> + Send;

    fn run(&self, id: &Id) -> impl Future<Output = Result<Run, StoreError>> + Send;

    /// Marks a run `running` (again, on resume): clears its end, error and blocker. A done run
    /// (succeeded, skipped) cannot start again.
    fn run_started(&self, id: &Id) -> impl Future<Output = Result<Run, StoreError>> + Send;

    /// Ends a run with `status` (succeeded, failed, skipped or cancelled) and an error message
    /// for failures. A done run cannot end again.
    fn run_finished(
        &self,
        id: &Id,
        status: RunStatus,
        error: Option<&str>,
    ) -> impl Future<Output = Result<Run, StoreError>> + Send;

    /// Ends a run as `blocked` by `blocked_by` (what failed upstream). A done run cannot be
    /// blocked.
    fn run_blocked(
        &self,
        id: &Id,
        blocked_by: &str,
    ) -> impl Future<Output = Result<Run, StoreError>> + Send;

    /// The runs of a train by wave then creation, each with its last started step.
    fn runs_of_train(
        &self,
        train_id: &Id,
    ) -> impl Future<Output = Result<Vec<RunWithLastStep>, StoreError>> + Send;

    /// The runs of a train that are not done (neither succeeded nor skipped), by wave then
    /// creation: what `resume` must finish.
    fn unfinished_runs(
        &self,
        train_id: &Id,
    ) -> impl Future<Output = Result<Vec<Run>, StoreError>> + Send;

    /// Records a run's planned steps as `pending`, in one transaction.
    fn add_steps(
        &self,
        run_id: &Id,
        steps: &[NewStep],
    ) -> impl Future<Output = Result<Vec<Step>, StoreError>> + Send;

    /// Marks a step `running` and commits, BEFORE its effect: `detail` says what it is about to
    /// do (so a resume can check whether it happened), `log_path` where its output goes.
    /// Allowed from pending, failed (retry) and running (re-attempt after a crash); increments
    /// the attempt count.
    fn step_started(
        &self,
        id: &Id,
        log_path: Option<&str>,
        detail: Option<&serde_json::Value>,
    ) -> impl Future<Output = Result<Step, StoreError>> + Send;

    /// Ends a step AFTER its effect. A running step may end succeeded, failed or skipped; a
    /// pending step may only be skipped.
    fn step_finished(
        &self,
        id: &Id,
        outcome: &StepOutcome,
    ) -> impl Future<Output = Result<Step, StoreError>> + Send;

    /// The steps of a run, in pipeline order.
    fn steps_of_run(
        &self,
        run_id: &Id,
    ) -> impl Future<Output = Result<Vec<Step>, StoreError>> + Send;

    /// Records a published artifact once per (kind, name, version, target, digest).
    fn record_artifact(
        &self,
        artifact: &NewArtifact,
    ) -> impl Future<Output = Result<ArtifactRecord, StoreError>> + Send;

    /// The artifacts recorded by a run, oldest first.
    fn artifacts_of_run(
        &self,
        run_id: &Id,
    ) -> impl Future<Output = Result<Vec<Artifact>, StoreError>> + Send;

    /// The artifacts recorded by the runs of a train, oldest first.
    fn artifacts_of_train(
        &self,
        train_id: &Id,
    ) -> impl Future<Output = Result<Vec<Artifact>, StoreError>> + Send;

    /// Records an incoming event as `received`, or reports a replay of a delivery already
    /// recorded from the same source (the stored event is returned, nothing is inserted).
    fn record_event(
        &self,
        event: &NewEvent,
    ) -> impl Future<Output = Result<EventReceipt, StoreError>> + Send;

    /// Marks a received event processed, ignored or failed (with `error`).
    fn event_handled(
        &self,
        id: &Id,
        status: EventStatus,
        error: Option<&str>,
    ) -> impl Future<Output = Result<Event, StoreError>> + Send;

    /// Events received but not handled yet (say, before a crash), oldest first.
    fn unhandled_events(&self) -> impl Future<Output = Result<Vec<Event>, StoreError>> + Send;

    /// Takes the lease on `repo` for `holder` until now + `ttl`. The same holder renews it; an
    /// expired lease of another holder is taken over; a live one fails with
    /// [`StoreError::LeaseBusy`].
    fn acquire_repo_lease(
        &self,
        repo: &str,
        holder: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<Lease, StoreError>> + Send;

    /// Gives the lease on `repo` back; `false` if `holder` did not hold it (it expired and was
    /// taken over, or was never taken).
    fn release_repo_lease(
        &self,
        repo: &str,
        holder: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
