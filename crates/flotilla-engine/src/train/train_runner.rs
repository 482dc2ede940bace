//! Trains: a plan executed wave by wave with durable state, so that `resume` finishes what a
//! failure or a crash left, doing nothing twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use flotilla_core::plan::{Plan, RepoRun, Request};
use flotilla_store::{
    Id, NewStep, NewTrain, NewTrainRun, Run, RunStatus, StoreError, Train, TrainKind, TrainStatus,
};
use tokio::sync::Semaphore;

use crate::engine_error::EngineError;
use crate::progress::Progress;
use crate::steps::mirror_state::MirrorState;
use crate::train::driver_lease::{DRIVER_TTL, DriverLease};
use crate::train::gate::wait_for_gate;
use crate::train::repo_runner::RepoRunner;
use crate::train::stored_request::StoredRequest;
use crate::train::train_notifications::notify_train;
use crate::train::train_overview::DriverState;
use crate::train::train_services::TrainServices;
use crate::train::train_summary::TrainSummary;

/// Records trains and runs them: the runs of a wave in parallel (up to its `max_parallel`),
/// after its gate, each under its repository's lease, steps through the executor.
pub struct TrainRunner {
    services: TrainServices,
}

impl TrainRunner {
    pub fn new(services: TrainServices) -> Self {
        Self { services }
    }

    /// Records the train of `request` with its `plan`, its runs and steps, and this process as
    /// its driver, at once; then runs it. `event` is the stored event that asked for it.
    pub async fn start(
        &self,
        request: &Request,
        plan: Plan,
        event: Option<&Id>,
    ) -> Result<TrainSummary, EngineError> {
        let store = &self.services.workspace.store;
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
            plan,
            commit_date: format!("{} +0000", now.as_second()),
            event: event.map(ToString::to_string),
            started_by: self.services.actor.clone(),
        };
        let runs: Vec<NewTrainRun> = stored.plan.runs.iter().map(new_train_run).collect();
        let driver = DriverLease::this_process();
        let train = store
            .create_train_with_runs(
                &NewTrain {
                    kind: train_kind(request),
                    version,
                    request: serde_json::to_value(&stored).map_err(EngineError::StoreRequest)?,
                },
                &runs,
                &driver,
                DRIVER_TTL,
            )
            .await?;
        let lease = DriverLease::adopt(store, &train.id, driver, &self.services.cancel);
        self.drive(lease, train, stored, None, MirrorState::Fresh)
            .await
    }

    /// Finishes an unfinished train: every run that did not succeed runs again from its first
    /// unfinished step. Refused while another process drives the train.
    pub async fn resume(&self, train: &str) -> Result<TrainSummary, EngineError> {
        let train = self.services.workspace.store.train(train).await?;
        let lease = DriverLease::acquire(
            &self.services.workspace.store,
            &train.id,
            &self.services.cancel,
        )
        .await?;
        let stored = StoredRequest::of(&train)?;
        self.drive(lease, train, stored, None, MirrorState::Stale)
            .await
    }

    /// Runs one repository of a train again. Refused while another process drives the train.
    pub async fn retry(&self, train: &str, repo: &str) -> Result<TrainSummary, EngineError> {
        let train = self.services.workspace.store.train(train).await?;
        let stored = StoredRequest::of(&train)?;
        if !stored.plan.runs.iter().any(|r| r.repo == repo) {
            return Err(EngineError::repo(
                repo,
                format!("is not part of train {}", train.id),
            ));
        }
        let lease = DriverLease::acquire(
            &self.services.workspace.store,
            &train.id,
            &self.services.cancel,
        )
        .await?;
        self.drive(
            lease,
            train,
            stored,
            Some(repo.to_owned()),
            MirrorState::Stale,
        )
        .await
    }

    /// Processes the stored event `event` asking for `request`: the train this event started
    /// before (a server that died, an event processed again) is finished, or waited for while
    /// a live driver has it; otherwise a new train is planned and started.
    pub async fn start_for_event(
        &self,
        request: &Request,
        event: &Id,
        plan: impl AsyncFnOnce() -> Result<Plan, EngineError>,
    ) -> Result<TrainSummary, EngineError> {
        let Some(train) = self.train_of_event(event).await? else {
            return self.start(request, plan().await?, Some(event)).await;
        };
        loop {
            match self.resume(train.id.as_str()).await {
                Err(EngineError::Store(StoreError::TrainDriven { driver, .. })) => {
                    tracing::info!(%event, train = %train.id, %driver, "waiting for the train this event started");
                    tokio::time::sleep(DRIVER_POLL).await;
                }
                finished => return finished,
            }
        }
    }

    /// The newest train that stored event `event` started, if any.
    async fn train_of_event(&self, event: &Id) -> Result<Option<Train>, EngineError> {
        let store = &self.services.workspace.store;
        let found = store
            .list_trains(EVENT_TRAIN_WINDOW)
            .await?
            .into_iter()
            .find(|train| {
                StoredRequest::of(train).is_ok_and(|s| s.event.as_deref() == Some(event.as_str()))
            });
        Ok(found)
    }

    /// The trains left active without a live driver (a process that died driving them).
    pub async fn interrupted(&self) -> Result<Vec<Train>, EngineError> {
        let store = &self.services.workspace.store;
        let mut interrupted = Vec::new();
        for train in store.list_trains(EVENT_TRAIN_WINDOW).await? {
            let state = DriverState::of(&**store, &train).await?;
            if state.is_some_and(|s| !s.live) {
                interrupted.push(train);
            }
        }
        Ok(interrupted)
    }

    /// Runs the train under `lease`, then gives the train back whatever happened.
    async fn drive(
        &self,
        lease: DriverLease,
        train: Train,
        stored: StoredRequest,
        only: Option<String>,
        mirrors: MirrorState,
    ) -> Result<TrainSummary, EngineError> {
        let result = match self.rebuild_missing_runs(&train, &stored).await {
            Ok(()) => self.run(train, stored, only, mirrors, &lease).await,
            Err(err) => Err(err),
        };
        if let Err(err) = lease.release().await {
            tracing::warn!("giving the train back failed (its lease expires): {err}");
        }
        result
    }

    /// Records the runs and steps of the plan that the store lacks: a train recorded by a
    /// version of flotilla that wrote them one by one and was killed in between.
    async fn rebuild_missing_runs(
        &self,
        train: &Train,
        stored: &StoredRequest,
    ) -> Result<(), EngineError> {
        let store = &self.services.workspace.store;
        let recorded = store.runs_of_train(&train.id).await?;
        let missing: Vec<NewTrainRun> = stored
            .plan
            .runs
            .iter()
            .filter(|planned| !recorded.iter().any(|r| r.run.repo == planned.repo))
            .map(new_train_run)
            .collect();
        if !missing.is_empty() {
            tracing::warn!(train = %train.id, runs = missing.len(), "recording the runs a crash left out");
            store.add_train_runs(&train.id, &missing).await?;
        }
        // A run that never started may have lost its steps the same way.
        for r in recorded
            .iter()
            .filter(|r| r.run.status == RunStatus::Pending && r.last_step.is_none())
        {
            let Some(planned) = stored.plan.runs.iter().find(|p| p.repo == r.run.repo) else {
                continue;
            };
            if store.steps_of_run(&r.run.id).await?.is_empty() && !planned.steps.is_empty() {
                store
                    .add_steps(&r.run.id, &new_train_run(planned).steps)
                    .await?;
            }
        }
        Ok(())
    }

    async fn run(
        &self,
        train: Train,
        stored: StoredRequest,
        only: Option<String>,
        mirrors: MirrorState,
        lease: &DriverLease,
    ) -> Result<TrainSummary, EngineError> {
        // This train stops on its own flag: this process's interrupt or a cancel request for it
        // (others that this process drives go on).
        let services = &TrainServices {
            cancel: lease.cancel_flag(),
            ..self.services.clone()
        };
        let store = &services.workspace.store;
        let started = Instant::now();
        if train.status == TrainStatus::Succeeded {
            return TrainSummary::read(&services.workspace, &train).await;
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
        (services.progress)(Progress::TrainStarted {
            train: train.id.to_string(),
            runs: stored.plan.runs.len(),
            waves: stored.plan.waves.len(),
        });
        let git = services
            .workspace
            .git
            .clone()
            .with_env("GIT_AUTHOR_DATE", &stored.commit_date)
            .with_env("GIT_COMMITTER_DATE", &stored.commit_date);
        for wave in &stored.plan.waves {
            if services.cancelled() || lease.is_lost() {
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
            (services.progress)(Progress::WaveStarted {
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
            let gate_error = wait_for_gate(services, &gated)
                .await
                .map(|err| services.failure_text(&err));
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
                    (services.progress)(Progress::RunFinished {
                        repo: run_plan.repo.clone(),
                        status: RunStatus::Blocked,
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
                    (services.progress)(Progress::RunFinished {
                        repo: run_plan.repo.clone(),
                        status: RunStatus::Failed,
                        error: Some(gate_error.clone()),
                    });
                    continue;
                }
                let services = services.clone();
                let run = run.clone();
                let run_plan = run_plan.clone();
                let semaphore = Arc::clone(&semaphore);
                let git = git.clone();
                let train = Arc::clone(&train);
                tasks.spawn(async move {
                    let _permit = semaphore.acquire_owned().await;
                    let runner = RepoRunner {
                        services: &services,
                        train: &train,
                        git: &git,
                        mirrors,
                    };
                    let result = runner.run(&run, &run_plan).await;
                    (run_plan.repo, result)
                });
            }
            while let Some(joined) = tasks.join_next().await {
                let (repo, result) = joined?;
                status.insert(repo, result?);
            }
        }
        // What the steps left for the whole train (chart indexes) is done once, here.
        let finished = services.cancelled() || self.finish(&train, &git).await;
        // Judged on the plan, not on the runs found: a planned repository without a done run
        // is not done.
        let final_status = if finished
            && stored
                .plan
                .runs
                .iter()
                .all(|r| status.get(&r.repo).is_some_and(|s| s.is_done()))
        {
            TrainStatus::Succeeded
        } else if services.cancelled() {
            TrainStatus::Cancelled
        } else {
            TrainStatus::Failed
        };
        // The process that took the train over decides how it ends.
        if lease.is_lost() {
            return Err(EngineError::TrainTakenOver {
                train: train.id.to_string(),
            });
        }
        let train = store.set_train_status(&train.id, final_status).await?;
        let summary = TrainSummary::read(&services.workspace, &train).await?;
        (services.progress)(Progress::TrainFinished {
            train: summary.train.clone(),
            status: summary.status,
        });
        notify_train(services, &summary, started).await;
        Ok(summary)
    }

    /// The executor's end of the train. A place it could not update is reported as a failed
    /// "run" named after it; `false` then.
    async fn finish(&self, train: &Arc<Train>, git: &flotilla_git::Git) -> bool {
        let services = &self.services;
        let executor = Arc::clone(&services.executor);
        let workspace = services.workspace.clone();
        let git = git.clone();
        let train = Arc::clone(train);
        let results = tokio::task::spawn_blocking(move || {
            executor
                .finish_train(&workspace, &git, &train)
                .into_iter()
                .map(|(registry, result)| {
                    let result = result
                        .map_err(|err| workspace.redactor.redact(&err.to_string()).into_owned());
                    (registry, result)
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_else(|e| vec![("chart repositories".to_owned(), Err(e.to_string()))]);
        let mut ok = true;
        for (registry, result) in results {
            match result {
                Ok(Some(listed)) => tracing::info!("chart registry {registry}: {listed}"),
                Ok(None) => {}
                Err(error) => {
                    ok = false;
                    tracing::error!("chart registry {registry}: {error}");
                    (services.progress)(Progress::RunFinished {
                        repo: format!("chart registry {registry}"),
                        status: RunStatus::Failed,
                        error: Some(error),
                    });
                }
            }
        }
        ok
    }
}

/// How often an event waits for the live driver of the train it started.
const DRIVER_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// How many recent trains are searched for an event's train or an interrupted one.
const EVENT_TRAIN_WINDOW: u32 = 200;

/// A planned run and its steps, as the store records them.
fn new_train_run(run: &RepoRun) -> NewTrainRun {
    NewTrainRun {
        repo: run.repo.clone(),
        event: run.event.as_str().to_owned(),
        version: run.version.clone(),
        wave: u32::try_from(run.wave).unwrap_or(u32::MAX),
        steps: run
            .steps
            .iter()
            .enumerate()
            .map(|(idx, step)| NewStep {
                idx: u32::try_from(idx).unwrap_or(u32::MAX),
                kind: step.name().to_owned(),
                description: step.summary(),
            })
            .collect(),
    }
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
