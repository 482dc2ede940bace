//! Trains: a plan executed wave by wave with durable state, so that `resume` finishes what a
//! failure or a crash left, doing nothing twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use flotilla_core::fleet::Repo;
use flotilla_core::plan::{self, Plan, RepoRun, Request, Step};
use flotilla_git::Git;
use flotilla_store::{
    LeaseHolder, NewArtifact, NewRun, NewStep, NewTrain, Run, RunStatus, StepOutcome, StepStatus,
    StoreError, Train, TrainKind, TrainStatus,
};
use serde::Serialize;
use serde_json::json;
use tokio::sync::Semaphore;

use crate::engine_error::EngineError;
use crate::notifier::{Message, Notifier, RunReport, TrainReport};
use crate::progress::{Progress, ProgressSink};
use crate::publisher;
use crate::run_context::{MirrorState, RunContext, StepFailure};
use crate::step_log::StepLog;
use crate::workspace::Workspace;

/// How long a run holds its repository: long enough for slow builds, short enough that a
/// crashed process does not lock a repository for a day.
const LEASE_TTL: Duration = Duration::from_hours(2);

/// Executes requests against a workspace.
#[derive(Clone)]
pub struct Engine {
    workspace: Workspace,
    progress: ProgressSink,
    cancel: Arc<AtomicBool>,
    pub(crate) notifier: Notifier,
    /// Told each deployment's latency from its creation (the registry event) to done.
    pub(crate) deploy_observer: Option<Arc<dyn Fn(Duration) + Send + Sync>>,
    /// Start continuous deployment for images pushed to servers too, not only to local
    /// directories (when no `flotilla serve` receives the registry's notifications).
    pub(crate) deploy_server_pushes: bool,
}

/// The outcome of a train, for the binary to print.
#[derive(Debug, Clone, Serialize)]
pub struct TrainSummary {
    pub train: String,
    pub kind: String,
    pub version: String,
    pub status: TrainStatus,
    pub runs: Vec<RunSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub run: String,
    pub repo: String,
    pub wave: u32,
    pub version: String,
    pub status: RunStatus,
    pub last_step: Option<String>,
    pub error: Option<String>,
}

/// What a train stores: the request and the exact plan it executes, so resume needs neither the
/// remotes' state nor today's manifest to know what was promised.
#[derive(Debug, Serialize, serde::Deserialize)]
struct StoredRequest {
    request: Request,
    plan: Plan,
    /// Commit dates of the train, so commits made again on resume are identical.
    commit_date: String,
}

impl Engine {
    pub fn new(workspace: Workspace, progress: ProgressSink, cancel: Arc<AtomicBool>) -> Self {
        let notifier = Notifier::new(workspace.fleet.notifications.clone());
        Self {
            workspace,
            progress,
            cancel,
            notifier,
            deploy_observer: None,
            deploy_server_pushes: false,
        }
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

    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    /// Gathers facts from the remotes and plans `request`. Nothing is changed.
    pub async fn plan(&self, request: &Request) -> Result<Plan, EngineError> {
        let workspace = self.workspace.clone();
        let request = request.clone();
        let timestamp = build_stamp(&workspace.fleet.settings.timezone)?;
        blocking(move || {
            let named = request.named_repos();
            let repos: Vec<&Repo> = workspace
                .fleet
                .repos
                .iter()
                .filter(|r| named.is_empty() || named.contains(&r.name))
                .collect();
            let facts =
                crate::facts::gather(&workspace, &repos, timestamp, release_line(&request))?;
            Ok(plan::plan(&workspace.fleet, &request, &facts)?)
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
            let named = request.named_repos();
            let repos: Vec<&Repo> = workspace
                .fleet
                .repos
                .iter()
                .filter(|r| named.is_empty() || named.contains(&r.name))
                .collect();
            let (facts, warnings) =
                crate::facts::gather_lenient(&workspace, &repos, timestamp, release_line(&request));
            Ok((plan::plan(&workspace.fleet, &request, &facts)?, warnings))
        })
        .await
    }

    /// Plans `request`, records the train and runs it.
    pub async fn start(&self, request: &Request) -> Result<TrainSummary, EngineError> {
        let plan = self.plan(request).await?;
        let store = &self.workspace.store;
        let kind = train_kind(request);
        let version = match request {
            Request::Push { repo } => format!(
                "{repo}@{}",
                plan.runs.first().map_or("", |r| r.version.as_str())
            ),
            _ => request.version().map(|v| v.to_string()).unwrap_or_default(),
        };
        let now = jiff::Timestamp::now();
        let stored = StoredRequest {
            request: request.clone(),
            plan: plan.clone(),
            commit_date: format!("{} +0000", now.as_second()),
        };
        let train = store
            .create_train(&NewTrain {
                kind,
                version,
                request: serde_json::to_value(&stored)
                    .map_err(|e| EngineError::Other(e.to_string()))?,
            })
            .await?;
        for run in &plan.runs {
            let stored_run = store
                .create_run(&NewRun {
                    train_id: Some(train.id.clone()),
                    repo: run.repo.clone(),
                    event: run.event.as_str().to_owned(),
                    version: run.version.clone(),
                    wave: u32::try_from(run.wave).unwrap_or(u32::MAX),
                })
                .await?;
            let steps: Vec<NewStep> = run
                .steps
                .iter()
                .enumerate()
                .map(|(idx, step)| NewStep {
                    idx: u32::try_from(idx).unwrap_or(u32::MAX),
                    kind: step.name().to_owned(),
                    description: step.summary(),
                })
                .collect();
            store.add_steps(&stored_run.id, &steps).await?;
        }
        self.execute(train, stored, None, MirrorState::Fresh).await
    }

    /// Finishes an unfinished train: every run that did not succeed runs again from its first
    /// unfinished step.
    pub async fn resume(&self, train: &str) -> Result<TrainSummary, EngineError> {
        let train = self.workspace.store.train(train).await?;
        let stored = stored_request(&train)?;
        self.execute(train, stored, None, MirrorState::Stale).await
    }

    /// Runs one repository of a train again.
    pub async fn retry(&self, train: &str, repo: &str) -> Result<TrainSummary, EngineError> {
        let train = self.workspace.store.train(train).await?;
        let stored = stored_request(&train)?;
        if !stored.plan.runs.iter().any(|r| r.repo == repo) {
            return Err(EngineError::repo(
                repo,
                format!("is not part of train {}", train.id),
            ));
        }
        self.execute(train, stored, Some(repo.to_owned()), MirrorState::Stale)
            .await
    }

    /// The state of a train, from the store.
    pub async fn summary(&self, train: &Train) -> Result<TrainSummary, EngineError> {
        let runs = self.workspace.store.runs_of_train(&train.id).await?;
        Ok(TrainSummary {
            train: train.id.to_string(),
            kind: train.kind.to_string(),
            version: train.version.clone(),
            status: train.status,
            runs: runs
                .into_iter()
                .map(|r| RunSummary {
                    run: r.run.id.to_string(),
                    repo: r.run.repo,
                    wave: r.run.wave,
                    version: r.run.version,
                    status: r.run.status,
                    last_step: r.last_step.map(|s| format!("{} ({})", s.kind, s.status)),
                    error: r.run.error,
                })
                .collect(),
        })
    }

    async fn execute(
        &self,
        train: Train,
        stored: StoredRequest,
        only: Option<String>,
        mirrors: MirrorState,
    ) -> Result<TrainSummary, EngineError> {
        let store = &self.workspace.store;
        let started = Instant::now();
        if train.status == TrainStatus::Succeeded {
            return self.summary(&train).await;
        }
        let train = store
            .set_train_status(&train.id, TrainStatus::Running)
            .await?;
        // Every run task holds the train; the stored request (the whole plan, as JSON) is
        // already parsed into `stored` and would otherwise be copied into each of them.
        let train = Arc::new(Train {
            request: serde_json::Value::Null,
            ..train
        });
        let runs: BTreeMap<String, Run> = store
            .runs_of_train(&train.id)
            .await?
            .into_iter()
            .map(|r| (r.run.repo.clone(), r.run))
            .collect();
        let mut status: BTreeMap<String, RunStatus> = runs
            .iter()
            .map(|(repo, run)| (repo.clone(), run.status))
            .collect();
        (self.progress)(Progress::TrainStarted {
            train: train.id.to_string(),
            runs: stored.plan.runs.len(),
            waves: stored.plan.waves.len(),
        });
        let git = self
            .workspace
            .git
            .clone()
            .with_env("GIT_AUTHOR_DATE", &stored.commit_date)
            .with_env("GIT_COMMITTER_DATE", &stored.commit_date);
        for wave in &stored.plan.waves {
            if self.cancel.load(Ordering::SeqCst) {
                break;
            }
            let todo: Vec<&RepoRun> = stored
                .plan
                .runs
                .iter()
                .filter(|r| r.wave == wave.index)
                .filter(|r| only.as_ref().is_none_or(|o| *o == r.repo))
                .filter(|r| {
                    status
                        .get(&r.repo)
                        .is_none_or(|s| !matches!(s, RunStatus::Succeeded | RunStatus::Skipped))
                })
                .collect();
            if todo.is_empty() {
                continue;
            }
            (self.progress)(Progress::WaveStarted {
                wave: wave.index,
                repos: todo.iter().map(|r| r.repo.clone()).collect(),
                max_parallel: wave.max_parallel,
            });
            // A dependency that failed blocks its dependents; its artifacts will not come, and
            // waiting for them must not fail the rest of the wave.
            let mut gated = wave.clone();
            gated
                .gate
                .retain(|a| status.get(&a.repo) == Some(&RunStatus::Succeeded));
            let gate_error = self.wait_for_gate(&gated).await;
            let semaphore = Arc::new(Semaphore::new(wave.max_parallel.max(1)));
            let mut tasks = tokio::task::JoinSet::new();
            for run_plan in todo {
                let Some(run) = runs.get(&run_plan.repo) else {
                    continue;
                };
                let failed_dep = run_plan
                    .depends_on
                    .iter()
                    .find(|d| status.get(*d).is_some_and(|s| *s != RunStatus::Succeeded));
                if let Some(dep) = failed_dep {
                    store.run_blocked(&run.id, dep).await?;
                    status.insert(run_plan.repo.clone(), RunStatus::Blocked);
                    (self.progress)(Progress::RunFinished {
                        repo: run_plan.repo.clone(),
                        status: "blocked".into(),
                        error: Some(format!("{dep} did not succeed")),
                    });
                    continue;
                }
                if let Some(gate_error) = &gate_error {
                    store.run_started(&run.id).await?;
                    store
                        .run_finished(&run.id, RunStatus::Failed, Some(gate_error))
                        .await?;
                    status.insert(run_plan.repo.clone(), RunStatus::Failed);
                    (self.progress)(Progress::RunFinished {
                        repo: run_plan.repo.clone(),
                        status: "failed".into(),
                        error: Some(gate_error.clone()),
                    });
                    continue;
                }
                let engine = self.clone();
                let run = run.clone();
                let run_plan = run_plan.clone();
                let semaphore = Arc::clone(&semaphore);
                let git = git.clone();
                let train = Arc::clone(&train);
                tasks.spawn(async move {
                    let _permit = semaphore.acquire_owned().await;
                    let repo = run_plan.repo.clone();
                    let result = engine
                        .execute_run(&train, &run, &run_plan, &git, mirrors)
                        .await;
                    (repo, result)
                });
            }
            while let Some(joined) = tasks.join_next().await {
                let (repo, result) = joined.map_err(|e| EngineError::Other(e.to_string()))?;
                status.insert(repo, result?);
            }
        }
        // Chart repositories (directories, git branches) list the train's charts once, here.
        let charts_listed = self.cancel.load(Ordering::SeqCst)
            || crate::chart_repository::finish_train(&self.workspace, &self.progress, &train, &git)
                .await;
        let final_status = if charts_listed
            && status
                .values()
                .all(|s| matches!(s, RunStatus::Succeeded | RunStatus::Skipped))
        {
            TrainStatus::Succeeded
        } else if self.cancel.load(Ordering::SeqCst) {
            TrainStatus::Cancelled
        } else {
            TrainStatus::Failed
        };
        let train = store.set_train_status(&train.id, final_status).await?;
        let summary = self.summary(&train).await?;
        (self.progress)(Progress::TrainFinished {
            train: summary.train.clone(),
            status: summary.status.to_string(),
        });
        let report = Message::Train(TrainReport {
            train: summary.train.clone(),
            kind: summary.kind.clone(),
            version: summary.version.clone(),
            status: summary.status.to_string(),
            took_secs: started.elapsed().as_secs_f64(),
            repos: summary
                .runs
                .iter()
                .map(|r| (r.repo.clone(), r.status.to_string()))
                .collect(),
        });
        let notifier = self.notifier.clone();
        drop(tokio::task::spawn_blocking(move || notifier.send(&report)).await);
        Ok(summary)
    }

    /// Waits until the artifacts the wave needs are visible in their registries.
    async fn wait_for_gate(&self, wave: &plan::Wave) -> Option<String> {
        if wave.gate.is_empty() {
            return None;
        }
        (self.progress)(Progress::GateWaiting {
            wave: wave.index,
            artifacts: wave
                .gate
                .iter()
                .map(|a| format!("{} {}=={}", a.kind, a.name, a.version))
                .collect(),
        });
        let deadline =
            Instant::now() + Duration::from_secs(self.workspace.fleet.settings.gate_timeout_secs);
        let mut delay = Duration::from_millis(100);
        loop {
            let workspace = self.workspace.clone();
            let gate = wave.gate.clone();
            let missing = blocking(move || Ok(publisher::missing(&workspace, &gate))).await;
            match missing {
                Ok(missing) if missing.is_empty() => return None,
                Ok(missing) if Instant::now() >= deadline => {
                    return Some(format!(
                        "gate: {} not visible after {} s\n  help: check the registry, then resume",
                        missing.join(", "),
                        self.workspace.fleet.settings.gate_timeout_secs
                    ));
                }
                Err(err) => return Some(format!("gate: {err}")),
                Ok(_) => {}
            }
            if self.cancel.load(Ordering::SeqCst) {
                return Some("cancelled".to_owned());
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    async fn execute_run(
        &self,
        train: &Train,
        run: &Run,
        run_plan: &RepoRun,
        git: &Git,
        mirrors: MirrorState,
    ) -> Result<RunStatus, EngineError> {
        let store = &self.workspace.store;
        let holder = LeaseHolder {
            train: train.id.clone(),
            pid: std::process::id(),
            host: hostname(),
        };
        if let Err(message) = self.acquire_lease(&run_plan.repo, &holder).await {
            store.run_started(&run.id).await?;
            store
                .run_finished(&run.id, RunStatus::Failed, Some(&message))
                .await?;
            self.run_finished(&run_plan.repo, RunStatus::Failed, Some(message));
            return Ok(RunStatus::Failed);
        }
        let result = self.execute_steps(train, run, run_plan, git, mirrors).await;
        store.release_repo_lease(&run_plan.repo, &holder).await?;
        let (status, error) = result?;
        store
            .run_finished(&run.id, status, error.as_deref())
            .await?;
        self.run_finished(&run_plan.repo, status, error);
        Ok(status)
    }

    /// Takes the repository's lease, so that two operations on one repository run one after
    /// the other: waits for a live holder (up to the gate timeout), and takes over a lease whose
    /// holder is gone (a crashed process, or this same train before a resume).
    async fn acquire_lease(&self, repo: &str, holder: &LeaseHolder) -> Result<(), String> {
        let store = &self.workspace.store;
        let deadline =
            Instant::now() + Duration::from_secs(self.workspace.fleet.settings.gate_timeout_secs);
        let mut announced = false;
        loop {
            match store.acquire_repo_lease(repo, holder, LEASE_TTL).await {
                Ok(_) => return Ok(()),
                Err(StoreError::LeaseBusy { holder: other, .. }) => {
                    if other.train == holder.train || holder_is_gone(&other) {
                        store
                            .release_repo_lease(repo, &other)
                            .await
                            .map_err(|e| e.to_string())?;
                        continue;
                    }
                    if Instant::now() >= deadline || self.cancel.load(Ordering::SeqCst) {
                        return Err(format!(
                            "{repo} is busy: {other} holds it\n  help: retry when it finishes \
                             (`flotilla release list` shows running trains)"
                        ));
                    }
                    if !announced {
                        tracing::warn!(%repo, %other, "waiting for the repository's other operation");
                        announced = true;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(other) => return Err(other.to_string()),
            }
        }
    }

    fn run_finished(&self, repo: &str, status: RunStatus, error: Option<String>) {
        (self.progress)(Progress::RunFinished {
            repo: repo.to_owned(),
            status: status.to_string(),
            error,
        });
    }

    async fn execute_steps(
        &self,
        train: &Train,
        run: &Run,
        run_plan: &RepoRun,
        git: &Git,
        mirrors: MirrorState,
    ) -> Result<(RunStatus, Option<String>), EngineError> {
        let store = &self.workspace.store;
        let started = Instant::now();
        store.run_started(&run.id).await?;
        let stored_steps = store.steps_of_run(&run.id).await?;
        (self.progress)(Progress::RunStarted {
            repo: run_plan.repo.clone(),
            steps: run_plan.steps.len(),
        });
        let Some(repo) = self.workspace.fleet.repo(&run_plan.repo).cloned() else {
            return Ok((
                RunStatus::Failed,
                Some(format!("{} is no longer in the manifest", run_plan.repo)),
            ));
        };
        let context = {
            let workspace = self.workspace.clone();
            let run_plan = run_plan.clone();
            let git = git.clone();
            let dest = self.workspace.work_dir().join(run.id.as_str());
            let cancel = Arc::clone(&self.cancel);
            tokio::task::spawn_blocking(move || {
                RunContext::prepare(&workspace, &repo, &run_plan, &git, &dest, mirrors, cancel)
            })
            .await
            .map_err(|e| EngineError::Other(e.to_string()))?
        };
        let context = match context {
            Ok(context) => Arc::new(context),
            Err(failure) => return Ok((RunStatus::Failed, Some(failure.message))),
        };
        let last_unfinished = stored_steps.iter().rposition(|s| !s.status.is_done());
        for (index, step) in run_plan.steps.iter().enumerate() {
            let Some(stored) = stored_steps.iter().find(|s| s.idx as usize == index) else {
                continue;
            };
            let log_path = self
                .workspace
                .logs_dir()
                .join(run.id.as_str())
                .join(format!("{index:02}-{}.log", step.name()));
            let log = StepLog::create(&log_path, Arc::clone(&self.workspace.redactor)).map_err(
                |source| EngineError::Io {
                    action: "create the step log",
                    path: log_path.clone(),
                    source,
                },
            )?;
            if stored.status.is_done() {
                // A finished local step is replayed (not recorded again) when later steps still
                // need its result in this fresh work tree; finished remote effects are skipped.
                if is_local(step) && last_unfinished.is_some_and(|last| last > index) {
                    log.line("# replayed on resume to rebuild the work tree");
                    let ctx = Arc::clone(&context);
                    let step = step.clone();
                    let log = log.clone();
                    if let Err(failure) = blocking_step(move || ctx.execute(&step, &log)).await {
                        return Ok((RunStatus::Failed, Some(failure.message)));
                    }
                }
                continue;
            }
            (self.progress)(Progress::StepStarted {
                repo: run_plan.repo.clone(),
                index,
                step: step.name().to_owned(),
                summary: step.summary(),
            });
            store
                .step_started(
                    &stored.id,
                    Some(&log_path.display().to_string()),
                    Some(&json!({ "intent": step })),
                )
                .await?;
            let outcome = if let Step::Notify { .. } = step {
                self.notify_run(train, run_plan, &context, started, "success")
                    .await;
                Ok(crate::run_context::StepOutput::default())
            } else {
                let ctx = Arc::clone(&context);
                let step_owned = step.clone();
                let log = log.clone();
                blocking_step(move || ctx.execute(&step_owned, &log)).await
            };
            match outcome {
                Ok(output) => {
                    for artifact in &output.artifacts {
                        store
                            .record_artifact(&NewArtifact {
                                run_id: run.id.clone(),
                                kind: artifact.kind,
                                name: artifact.name.clone(),
                                version: artifact.version.clone(),
                                digest: artifact.digest.to_string(),
                                target: artifact.target.clone(),
                            })
                            .await?;
                    }
                    store
                        .step_finished(
                            &stored.id,
                            &StepOutcome {
                                status: StepStatus::Succeeded,
                                exit_code: output.exit_code,
                                detail: Some(json!({ "intent": step, "result": output.detail })),
                            },
                        )
                        .await?;
                    self.deploy_published(step, &output.artifacts, train).await;
                }
                Err(failure) => {
                    let message = log.redact(&failure.message);
                    log.line(format!("error: {message}"));
                    store
                        .step_finished(
                            &stored.id,
                            &StepOutcome {
                                status: StepStatus::Failed,
                                exit_code: failure.exit_code,
                                detail: Some(json!({ "intent": step, "error": message })),
                            },
                        )
                        .await?;
                    let status = if self.cancel.load(Ordering::SeqCst) {
                        RunStatus::Cancelled
                    } else {
                        RunStatus::Failed
                    };
                    self.notify_run(train, run_plan, &context, started, "failure")
                        .await;
                    return Ok((status, Some(format!("{}: {message}", step.name()))));
                }
            }
        }
        Ok((RunStatus::Succeeded, None))
    }

    async fn notify_run(
        &self,
        train: &Train,
        run_plan: &RepoRun,
        context: &Arc<RunContext>,
        started: Instant,
        status: &str,
    ) {
        if self.notifier.is_silent() {
            return;
        }
        let ctx = Arc::clone(context);
        let info = tokio::task::spawn_blocking(move || ctx.work.commit_info("HEAD").ok())
            .await
            .ok()
            .flatten();
        let report = Message::Run(RunReport {
            repo: run_plan.repo.clone(),
            message: info.as_ref().map(|i| i.subject.clone()).unwrap_or_default(),
            commit: info.as_ref().map(|i| i.oid.to_string()).unwrap_or_default(),
            author: info
                .as_ref()
                .map(|i| i.author_name.clone())
                .unwrap_or_default(),
            action: train.kind.to_string(),
            event: run_plan.event.as_str().to_owned(),
            git_ref: run_plan.source.clone(),
            workflow: format!("train {}", train.id),
            job: run_plan.repo.clone(),
            took_secs: started.elapsed().as_secs_f64(),
            status: status.to_owned(),
            version: run_plan.version.clone(),
        });
        let notifier = self.notifier.clone();
        drop(tokio::task::spawn_blocking(move || notifier.send(&report)).await);
    }
}

/// Steps whose effect stays in the work tree; everything else changes the world.
fn is_local(step: &Step) -> bool {
    matches!(
        step,
        Step::CreateBranch { .. }
            | Step::StripPaths { .. }
            | Step::SetVersion { .. }
            | Step::Run { .. }
    )
}

/// This machine's name, to tell our own processes' leases from other machines'.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map_or_else(|_| "localhost".to_owned(), |h| h.trim().to_owned())
}

/// Whether a lease holder was a process of this machine that is no longer running. Holders on
/// other machines are never presumed dead.
fn holder_is_gone(holder: &LeaseHolder) -> bool {
    holder.host == hostname() && !std::path::Path::new(&format!("/proc/{}", holder.pid)).exists()
}

fn release_line(request: &Request) -> Option<flotilla_core::Version> {
    match request {
        Request::ReleaseStart { line, .. } => Some(*line),
        _ => None,
    }
}

fn stored_request(train: &Train) -> Result<StoredRequest, EngineError> {
    serde_json::from_value(train.request.clone())
        .map_err(|e| EngineError::StoredPlan(e.to_string()))
}

fn train_kind(request: &Request) -> TrainKind {
    match request {
        Request::ReleaseStart { .. } => TrainKind::ReleaseStart,
        Request::ReleaseTag { .. } => TrainKind::Tag,
        Request::ReleaseFinal { .. } => TrainKind::Final,
        Request::ReleaseHotfix { .. } => TrainKind::Hotfix,
        Request::Push { .. } => TrainKind::Push,
    }
}

/// `YYYYMMDD.HHMMSS` now, in the fleet's time zone.
pub fn build_stamp(timezone: &str) -> Result<String, EngineError> {
    let zoned = jiff::Timestamp::now().in_tz(timezone).map_err(|err| {
        EngineError::Other(format!(
            "unknown time zone {timezone:?} in settings.timezone: {err}"
        ))
    })?;
    Ok(zoned.strftime("%Y%m%d.%H%M%S").to_string())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, EngineError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| EngineError::Other(e.to_string()))?
}

async fn blocking_step<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StepFailure> + Send + 'static,
) -> Result<T, StepFailure> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(StepFailure {
            message: e.to_string(),
            exit_code: None,
        })
    })
}
