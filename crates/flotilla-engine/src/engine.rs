//! The engine: plans requests from the remotes' facts and hands trains to the train runner;
//! continuous deployment (`cd.rs`) and the fleet's events (`event_processor.rs`) hang off it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use flotilla_core::fleet::Repo;
use flotilla_core::plan::{self, Plan, Request, Step};
use flotilla_store::{Id, StoreError, Train};

use crate::blocking::blocking;
use crate::engine_error::EngineError;
use crate::notifier::Notifier;
use crate::progress::ProgressSink;
use crate::steps::github_actions_executor::GithubActionsExecutor;
use crate::steps::github_workflow_runs::GithubWorkflowRuns;
use crate::steps::local_executor::LocalExecutor;
use crate::steps::published::Published;
use crate::steps::step_error::StepError;
use crate::steps::step_executor::StepExecutor;
use crate::steps::workflow_runs::WorkflowRuns;
use crate::train::driver_lease::DriverLease;
use crate::train::published_listener::PublishedListener;
use crate::train::stored_request::StoredRequest;
use crate::train::train_cancel::TrainCancel;
use crate::train::train_overview::TrainOverview;
use crate::train::train_runner::TrainRunner;
use crate::train::train_services::TrainServices;
use crate::train::train_summary::TrainSummary;
use crate::workspace::Workspace;

/// Steps on this machine, unless the manifest sends some repositories' builds to GitHub
/// Actions runners: then the GitHub client of its `github:` section, connected at first use.
fn default_executor(workspace: &Workspace) -> Arc<dyn StepExecutor> {
    let fleet = &workspace.fleet;
    match &fleet.github {
        Some(settings) if fleet.repos.iter().any(|r| r.executor.is_remote()) => {
            let runs = GithubWorkflowRuns::new(settings.clone(), workspace.root.clone());
            Arc::new(GithubActionsExecutor::new(Arc::new(runs), settings))
        }
        _ => Arc::new(LocalExecutor),
    }
}

/// Executes requests against a workspace.
#[derive(Clone)]
pub struct Engine {
    workspace: Workspace,
    progress: ProgressSink,
    cancel: Arc<AtomicBool>,
    /// Where steps execute: this machine unless told otherwise.
    executor: Arc<dyn StepExecutor>,
    pub(crate) notifier: Notifier,
    /// Told each deployment's latency from its creation (the registry event) to done.
    pub(crate) deploy_observer: Option<Arc<dyn Fn(Duration) + Send + Sync>>,
    /// Start continuous deployment for images pushed to servers too, not only to local
    /// directories (when no `flotilla serve` receives the registry's notifications).
    pub(crate) deploy_server_pushes: bool,
    /// Who acts through this engine: recorded as the starter of its trains.
    actor: Option<String>,
}

impl Engine {
    pub fn new(workspace: Workspace, progress: ProgressSink, cancel: Arc<AtomicBool>) -> Self {
        let notifier = Notifier::new(workspace.fleet.notifications.clone());
        let executor = default_executor(&workspace);
        Self {
            workspace,
            progress,
            cancel,
            executor,
            notifier,
            deploy_observer: None,
            deploy_server_pushes: false,
            actor: None,
        }
    }

    /// Records `actor` (a token's name, the local user) as the starter of the trains this
    /// engine starts.
    #[must_use]
    pub fn acting_as(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    /// Who started `train`, if a person or token did (not an event).
    pub fn started_by(train: &Train) -> Option<String> {
        StoredRequest::of(train).ok().and_then(|s| s.started_by)
    }

    /// Cancels `train` in `by`'s name. A train no live process drives is marked `cancelled`
    /// and its runs stay as they are (`resume` may finish it later). A train a live process
    /// drives, on any machine, gets a cancel request in the store, which that process reads
    /// within about a second and acts on as on Ctrl-C, for this train only.
    pub async fn cancel(&self, train: &str, by: &str) -> Result<TrainCancel, EngineError> {
        let store = &self.workspace.store;
        let train = store.train(train).await?;
        match DriverLease::acquire(store, &train.id, &self.cancel).await {
            Ok(lease) => {
                let cancelled = store
                    .set_train_status(&train.id, flotilla_store::TrainStatus::Cancelled)
                    .await;
                lease.release().await?;
                Ok(TrainCancel::Cancelled { train: cancelled? })
            }
            Err(StoreError::TrainDriven {
                train: id,
                driver,
                heartbeat_at,
            }) => {
                if store.request_train_cancel(&train.id, by).await? {
                    Ok(TrainCancel::Requested { train, driver })
                } else {
                    // Driven but not running yet: its driver is still recording it.
                    Err(StoreError::TrainDriven {
                        train: id,
                        driver,
                        heartbeat_at,
                    }
                    .into())
                }
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Executes steps with `executor` instead of on this machine.
    #[must_use]
    pub fn with_executor(mut self, executor: Arc<dyn StepExecutor>) -> Self {
        self.executor = executor;
        self
    }

    /// Sends the commands and publish steps of `executor: github-actions` repositories to
    /// runners through `runs` (the GitHub client, or a test's fake); every other step, and
    /// every step of local repositories, stays on this machine. Without a `github:` section in
    /// the manifest nothing changes.
    #[must_use]
    pub fn with_workflow_runs(mut self, runs: Arc<dyn WorkflowRuns>) -> Self {
        if let Some(settings) = &self.workspace.fleet.github {
            self.executor = Arc::new(GithubActionsExecutor::new(runs, settings));
        }
        self
    }

    /// Deploys images published to registry servers directly, as if the registry had notified.
    #[must_use]
    pub fn deploy_server_pushes(mut self, yes: bool) -> Self {
        self.deploy_server_pushes = yes;
        self
    }

    /// Reports every deployment's latency to `observer` (the server's metrics).
    #[must_use]
    pub fn with_deploy_observer(mut self, observer: Arc<dyn Fn(Duration) + Send + Sync>) -> Self {
        self.deploy_observer = Some(observer);
        self
    }

    /// Registers secrets the manifest does not name (a server's tokens, read from variables it
    /// was told; tokens of integrations): from now on every step log, stored error and answer
    /// redacts them, and no command gets a variable holding one. Call it before any work starts:
    /// clones made earlier keep the redactor they had.
    #[must_use]
    pub fn with_secrets<'s>(mut self, secrets: impl IntoIterator<Item = &'s str>) -> Self {
        let mut redactor = (*self.workspace.redactor).clone();
        for secret in secrets {
            redactor.add(secret);
        }
        self.workspace.redactor = Arc::new(redactor);
        self
    }

    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    /// Gathers facts from the remotes and plans `request`. Nothing is changed.
    pub async fn plan(&self, request: &Request) -> Result<Plan, EngineError> {
        let workspace = self.workspace.clone();
        let request = request.clone();
        let timestamp = build_stamp(&workspace.fleet.settings.timezone)?;
        blocking(move || {
            let repos = named_repos(&workspace, &request);
            let mut facts =
                crate::facts::gather(&workspace, &repos, timestamp, release_line(&request))?;
            let plan = plan::plan(&workspace.fleet, &request, &facts)?;
            // A tag whose artifacts are not all in their registries is not done.
            if crate::facts::find_unpublished(&workspace, &mut facts, &plan) {
                return Ok(plan::plan(&workspace.fleet, &request, &facts)?);
            }
            Ok(plan)
        })
        .await
    }

    /// Plans `request` for a preview: remotes that cannot be read are planned as empty, with a
    /// warning each.
    pub async fn preview(
        &self,
        request: &Request,
    ) -> Result<(Plan, Vec<(String, String)>), EngineError> {
        let workspace = self.workspace.clone();
        let request = request.clone();
        let timestamp = build_stamp(&workspace.fleet.settings.timezone)?;
        blocking(move || {
            let repos = named_repos(&workspace, &request);
            let (mut facts, warnings) =
                crate::facts::gather_lenient(&workspace, &repos, timestamp, release_line(&request));
            let plan = plan::plan(&workspace.fleet, &request, &facts)?;
            if crate::facts::find_unpublished(&workspace, &mut facts, &plan) {
                return Ok((plan::plan(&workspace.fleet, &request, &facts)?, warnings));
            }
            Ok((plan, warnings))
        })
        .await
    }

    /// Plans `request`, records the train and runs it.
    pub async fn start(&self, request: &Request) -> Result<TrainSummary, EngineError> {
        let plan = self.plan(request).await?;
        self.trains().start(request, plan, None).await
    }

    /// For the stored event `event` asking for `request`: finishes (or waits for) the train
    /// this event started before, else plans and starts a new one. An event processed again
    /// after a crash thus attaches to its train.
    pub async fn start_for_event(
        &self,
        request: &Request,
        event: &Id,
    ) -> Result<TrainSummary, EngineError> {
        self.trains()
            .start_for_event(request, event, async || self.plan(request).await)
            .await
    }

    /// Finishes an unfinished train: every run that did not succeed runs again from its first
    /// unfinished step. Refused while another live process drives it; a dead driver is taken
    /// over.
    pub async fn resume(&self, train: &str) -> Result<TrainSummary, EngineError> {
        self.trains().resume(train).await
    }

    /// Runs one repository of a train again, under the same rule as [`resume`](Self::resume).
    pub async fn retry(&self, train: &str, repo: &str) -> Result<TrainSummary, EngineError> {
        self.trains().retry(train, repo).await
    }

    /// Resumes, one after the other, the trains left active whose driver died (`flotilla
    /// serve` at start). A train another process took meanwhile is left to it.
    pub async fn resume_interrupted(&self) -> Result<Vec<TrainSummary>, EngineError> {
        let runner = self.trains();
        let mut resumed = Vec::new();
        for train in runner.interrupted().await? {
            tracing::info!(train = %train.id, "resuming a train whose driver died");
            match runner.resume(train.id.as_str()).await {
                Err(EngineError::Store(StoreError::TrainDriven { .. })) => {}
                result => resumed.push(result?),
            }
        }
        Ok(resumed)
    }

    /// The state of a train, from the store.
    pub async fn summary(&self, train: &Train) -> Result<TrainSummary, EngineError> {
        TrainSummary::read(&self.workspace, train).await
    }

    /// Up to `limit` trains, newest first, with their status derived from their plans and
    /// whether a process drives the active ones.
    pub async fn train_overviews(&self, limit: u32) -> Result<Vec<TrainOverview>, EngineError> {
        let store = &self.workspace.store;
        let mut overviews = Vec::new();
        for train in store.list_trains(limit).await? {
            overviews.push(TrainOverview::read(&**store, train).await?);
        }
        Ok(overviews)
    }

    /// A runner for one train request. Made per request: it holds this engine (to deploy what
    /// its steps publish), which must not hold it back.
    fn trains(&self) -> TrainRunner {
        TrainRunner::new(TrainServices {
            workspace: self.workspace.clone(),
            progress: Arc::clone(&self.progress),
            cancel: Arc::clone(&self.cancel),
            notifier: self.notifier.clone(),
            executor: Arc::clone(&self.executor),
            on_published: Arc::new(self.clone()),
            actor: self.actor.clone(),
        })
    }
}

impl PublishedListener for Engine {
    fn published<'a>(
        &'a self,
        step: &'a Step,
        artifacts: &'a [Published],
        train: &'a Train,
    ) -> Pin<Box<dyn Future<Output = Result<(), StepError>> + Send + 'a>> {
        Box::pin(self.deploy_published(step, artifacts, train))
    }
}

/// The repositories `request` names, or all of them.
fn named_repos<'a>(workspace: &'a Workspace, request: &Request) -> Vec<&'a Repo> {
    let named = request.named_repos();
    workspace
        .fleet
        .repos
        .iter()
        .filter(|r| named.is_empty() || named.contains(&r.name))
        .collect()
}

fn release_line(request: &Request) -> Option<flotilla_core::Version> {
    match request {
        Request::ReleaseStart { line, .. } => Some(*line),
        _ => None,
    }
}

/// `YYYYMMDD.HHMMSS` now, in the fleet's time zone.
pub fn build_stamp(timezone: &str) -> Result<String, EngineError> {
    let zoned = jiff::Timestamp::now()
        .in_tz(timezone)
        .map_err(|source| EngineError::TimeZone {
            timezone: timezone.to_owned(),
            source,
        })?;
    Ok(zoned.strftime("%Y%m%d.%H%M%S").to_string())
}
