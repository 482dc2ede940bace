use jiff::Timestamp;

use crate::{
    Deployment, DeploymentChanges, DeploymentStatus, Id, NewDeployment, PairDeployments,
    StoreFuture,
};

/// The deployments part of [`Store`](crate::Store).
pub trait DeploymentStore: Send + Sync {
    /// Records a deployment request: `pending` when it needs approval, `approved` otherwise.
    fn create_deployment<'a>(
        &'a self,
        deployment: &'a NewDeployment,
    ) -> StoreFuture<'a, Deployment>;

    /// The deployment with this id, or with the only id starting with this prefix
    /// (case-insensitive).
    fn deployment<'a>(&'a self, id_or_prefix: &'a str) -> StoreFuture<'a, Deployment>;

    /// Approves or rejects a pending deployment on behalf of `by`. One whose expiry has passed
    /// is marked `expired` (committed) and the call fails with
    /// [`StoreError::DeploymentExpired`](crate::StoreError::DeploymentExpired); any other status than `pending` fails with
    /// [`StoreError::InvalidTransition`](crate::StoreError::InvalidTransition), so of two concurrent deciders exactly one wins.
    fn decide_deployment<'a>(
        &'a self,
        id: &'a Id,
        approve: bool,
        by: &'a str,
    ) -> StoreFuture<'a, Deployment>;

    /// Marks an approved deployment `running` and commits, BEFORE the deployer's effect (see
    /// [`step_started`](StepStore::step_started)).
    fn deployment_started<'a>(&'a self, id: &'a Id) -> StoreFuture<'a, Deployment>;

    /// Ends a running deployment as succeeded, failed or skipped, AFTER the deployer's effect;
    /// `detail` says what it did.
    fn deployment_finished<'a>(
        &'a self,
        id: &'a Id,
        status: DeploymentStatus,
        error: Option<&'a str>,
        detail: Option<&'a serde_json::Value>,
    ) -> StoreFuture<'a, Deployment>;

    /// Marks `superseded` the deployments of `service` to `environment` created before `except`
    /// that have not started (pending or approved): a newer version arrived. Returns how many.
    fn supersede_pending<'a>(
        &'a self,
        service: &'a str,
        environment: &'a str,
        except: &'a Id,
    ) -> StoreFuture<'a, u64>;

    /// What runs in `environment`: the deployment of `service` there that succeeded last (by
    /// finish time, then creation).
    fn current_deployment<'a>(
        &'a self,
        service: &'a str,
        environment: &'a str,
    ) -> StoreFuture<'a, Option<Deployment>>;

    /// Up to `limit` deployments of `service` (to `environment`, or to any), in every status,
    /// newest first.
    fn deployment_history<'a>(
        &'a self,
        service: &'a str,
        environment: Option<&'a str>,
        limit: u32,
    ) -> StoreFuture<'a, Vec<Deployment>>;

    /// What a rollback re-deploys: the latest successful deployment, before the
    /// [current](DeploymentStore::current_deployment) one, of a version other than the current version.
    /// `None` without a current deployment or without another version.
    ///
    /// "Before" is in the order deployments succeeded, not in version order: after v1, v2, v3
    /// it is v2; after rolling back to v2 (a new deployment of v2 that succeeded) it is v3, so a
    /// second rollback undoes the first. Re-deployments of the current version are passed over.
    fn previous_successful<'a>(
        &'a self,
        service: &'a str,
        environment: &'a str,
    ) -> StoreFuture<'a, Option<Deployment>>;

    /// Deployments waiting for approval, oldest first, including those whose expiry has passed
    /// but that [`expire_pending`](DeploymentStore::expire_pending) has not marked yet.
    fn pending_deployments(&self) -> StoreFuture<'_, Vec<Deployment>>;

    /// Marks `expired` the pending deployments whose expiry is at or before `now`, and returns
    /// them (oldest first); those already expired are not returned again.
    fn expire_pending(&self, now: Timestamp) -> StoreFuture<'_, Vec<Deployment>>;

    /// Deployments a process approved or started but never finished (`approved`, `running`),
    /// oldest first: after a crash, someone must find out whether they happened.
    fn unfinished_deployments(&self) -> StoreFuture<'_, Vec<Deployment>>;

    /// The latest deployment (by creation) of every (service, environment), in any status, by
    /// service then environment: what `deploy status` shows besides what runs.
    fn latest_deployments(&self) -> StoreFuture<'_, Vec<Deployment>>;

    /// What runs where: the [current](DeploymentStore::current_deployment) deployment of every
    /// (service, environment) that has one, by service then environment.
    fn deployment_matrix(&self) -> StoreFuture<'_, Vec<Deployment>>;

    /// Every deployment of the image `digest`, in any environment, oldest first: the path a
    /// build took to production, with the approvals on the way.
    fn deployments_with_digest<'a>(&'a self, digest: &'a str) -> StoreFuture<'a, Vec<Deployment>>;

    /// The head of the journal of deployment changes (every creation and status change, in
    /// order) and, with `after`, the pairs changed since that head: a reader keeping the
    /// fleet's view reads again only those ([`DeploymentStore::pair_deployments`]).
    fn deployment_changes(&self, after: Option<i64>) -> StoreFuture<'_, DeploymentChanges>;

    /// What a view of the fleet shows of one service in one environment.
    fn pair_deployments<'a>(
        &'a self,
        service: &'a str,
        environment: &'a str,
    ) -> StoreFuture<'a, PairDeployments>;
}
