use std::future::Future;
use std::time::Duration;

use jiff::Timestamp;

use crate::{
    Artifact, ArtifactRecord, Deployment, DeploymentStatus, Event, EventReceipt, EventStatus,
    HandledEvent, Id, Lease, NewArtifact, NewDeployment, NewEvent, NewRun, NewStep, NewTrain, Run,
    RunStatus, RunWithLastStep, Step, StepOutcome, StoreError, Train, TrainStatus,
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

    /// Records several events in one transaction (one disk sync for the batch): receipts in
    /// input order, with the replay rule of [`Store::record_event`] — also for a delivery
    /// repeated inside the batch.
    fn record_events(
        &self,
        events: &[NewEvent],
    ) -> impl Future<Output = Result<Vec<EventReceipt>, StoreError>> + Send;

    /// Marks several events handled in one transaction. Fails, marking none, with
    /// [`StoreError::InvalidTransition`] if one would become `received` again and with
    /// [`StoreError::NotFound`] if one does not exist.
    fn events_handled(
        &self,
        handled: &[HandledEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// [`record_events`](Store::record_events) and [`events_handled`](Store::events_handled) in
    /// one transaction, so that one commit (one disk sync) serves both: what a server that
    /// processes events while it receives them uses to keep its marks off the deliveries' path.
    /// Fails as either would, and then does neither.
    fn record_and_mark_events(
        &self,
        events: &[NewEvent],
        handled: &[HandledEvent],
    ) -> impl Future<Output = Result<Vec<EventReceipt>, StoreError>> + Send;

    /// Marks a received event processed, ignored or failed (with `error`).
    fn event_handled(
        &self,
        id: &Id,
        status: EventStatus,
        error: Option<&str>,
    ) -> impl Future<Output = Result<Event, StoreError>> + Send;

    /// Events received but not handled yet (say, before a crash), oldest first.
    fn unhandled_events(&self) -> impl Future<Output = Result<Vec<Event>, StoreError>> + Send;

    /// Up to `limit` events with `status`, newest first.
    fn events_by_status(
        &self,
        status: EventStatus,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Event>, StoreError>> + Send;

    /// How many events are in each status: every status once, in declaration order, zeros
    /// included (a metrics series that disappears reads as a reset).
    fn count_events_by_status(
        &self,
    ) -> impl Future<Output = Result<Vec<(EventStatus, u64)>, StoreError>> + Send;

    /// How many runs are in each status, like
    /// [`count_events_by_status`](Store::count_events_by_status).
    fn count_runs_by_status(
        &self,
    ) -> impl Future<Output = Result<Vec<(RunStatus, u64)>, StoreError>> + Send;

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

    /// Records a deployment request: `pending` when it needs approval, `approved` otherwise.
    fn create_deployment(
        &self,
        deployment: &NewDeployment,
    ) -> impl Future<Output = Result<Deployment, StoreError>> + Send;

    /// The deployment with this id, or with the only id starting with this prefix
    /// (case-insensitive).
    fn deployment(
        &self,
        id_or_prefix: &str,
    ) -> impl Future<Output = Result<Deployment, StoreError>> + Send;

    /// Approves or rejects a pending deployment on behalf of `by`. One whose expiry has passed
    /// is marked `expired` (committed) and the call fails with
    /// [`StoreError::DeploymentExpired`]; any other status than `pending` fails with
    /// [`StoreError::InvalidTransition`], so of two concurrent deciders exactly one wins.
    fn decide_deployment(
        &self,
        id: &Id,
        approve: bool,
        by: &str,
    ) -> impl Future<Output = Result<Deployment, StoreError>> + Send;

    /// Marks an approved deployment `running` and commits, BEFORE the deployer's effect (see
    /// [`step_started`](Store::step_started)).
    fn deployment_started(
        &self,
        id: &Id,
    ) -> impl Future<Output = Result<Deployment, StoreError>> + Send;

    /// Ends a running deployment as succeeded, failed or skipped, AFTER the deployer's effect;
    /// `detail` says what it did.
    fn deployment_finished(
        &self,
        id: &Id,
        status: DeploymentStatus,
        error: Option<&str>,
        detail: Option<&serde_json::Value>,
    ) -> impl Future<Output = Result<Deployment, StoreError>> + Send;

    /// Marks `superseded` the deployments of `service` to `environment` created before `except`
    /// that have not started (pending or approved): a newer version arrived. Returns how many.
    fn supersede_pending(
        &self,
        service: &str,
        environment: &str,
        except: &Id,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// What runs in `environment`: the deployment of `service` there that succeeded last (by
    /// finish time, then creation).
    fn current_deployment(
        &self,
        service: &str,
        environment: &str,
    ) -> impl Future<Output = Result<Option<Deployment>, StoreError>> + Send;

    /// Up to `limit` deployments of `service` (to `environment`, or to any), in every status,
    /// newest first.
    fn deployment_history(
        &self,
        service: &str,
        environment: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Deployment>, StoreError>> + Send;

    /// What a rollback re-deploys: the latest successful deployment, before the
    /// [current](Store::current_deployment) one, of a version other than the current version.
    /// `None` without a current deployment or without another version.
    ///
    /// "Before" is in the order deployments succeeded, not in version order: after v1, v2, v3
    /// it is v2; after rolling back to v2 (a new deployment of v2 that succeeded) it is v3, so a
    /// second rollback undoes the first. Re-deployments of the current version are passed over.
    fn previous_successful(
        &self,
        service: &str,
        environment: &str,
    ) -> impl Future<Output = Result<Option<Deployment>, StoreError>> + Send;

    /// Deployments waiting for approval, oldest first, including those whose expiry has passed
    /// but that [`expire_pending`](Store::expire_pending) has not marked yet.
    fn pending_deployments(
        &self,
    ) -> impl Future<Output = Result<Vec<Deployment>, StoreError>> + Send;

    /// Marks `expired` the pending deployments whose expiry is at or before `now`, and returns
    /// them (oldest first); those already expired are not returned again.
    fn expire_pending(
        &self,
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<Deployment>, StoreError>> + Send;

    /// What runs where: the [current](Store::current_deployment) deployment of every
    /// (service, environment) that has one, by service then environment.
    fn deployment_matrix(&self)
    -> impl Future<Output = Result<Vec<Deployment>, StoreError>> + Send;
}
