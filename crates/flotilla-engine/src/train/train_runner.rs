//! Trains: a plan executed wave by wave with durable state, so that `resume` finishes what a
//! failure or a crash left, doing nothing twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use flotilla_core::plan::{Plan, RepoRun, Request};
use flotilla_store::{NewRun, NewStep, NewTrain, Run, RunStatus, Train, TrainKind, TrainStatus};
use tokio::sync::Semaphore;

use crate::engine_error::EngineError;
use crate::progress::Progress;
use crate::steps::mirror_state::MirrorState;
use crate::train::gate::wait_for_gate;
use crate::train::repo_runner::RepoRunner;
use crate::train::stored_request::StoredRequest;
use crate::train::train_notifications::notify_train;
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

    /// Records the train of `request` with its `plan`, then runs it.
    pub async fn start(&self, request: &Request, plan: Plan) -> Result<TrainSummary, EngineError> {
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
        };
        let train = store
            .create_train(&NewTrain {
                kind: train_kind(request),
                version,
                request: serde_json::to_value(&stored).map_err(EngineError::StoreRequest)?,
            })
            .await?;
        for run in &stored.plan.runs {
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
        self.run(train, stored, None, MirrorState::Fresh).await
    }

    /// Finishes an unfinished train: every run that did not succeed runs again from its first
    /// unfinished step.
    pub async fn resume(&self, train: &str) -> Result<TrainSummary, EngineError> {
        let train = self.services.workspace.store.train(train).await?;
        let stored = StoredRequest::of(&train)?;
        self.run(train, stored, None, MirrorState::Stale).await
    }

    /// Runs one repository of a train again.
    pub async fn retry(&self, train: &str, repo: &str) -> Result<TrainSummary, EngineError> {
        let train = self.services.workspace.store.train(train).await?;
        let stored = StoredRequest::of(&train)?;
        if !stored.plan.runs.iter().any(|r| r.repo == repo) {
            return Err(EngineError::repo(
                repo,
                format!("is not part of train {}", train.id),
            ));
        }
        self.run(train, stored, Some(repo.to_owned()), MirrorState::Stale)
            .await
    }

    async fn run(
        &self,
        train: Train,
        stored: StoredRequest,
        only: Option<String>,
        mirrors: MirrorState,
    ) -> Result<TrainSummary, EngineError> {
        let services = &self.services;
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
            if services.cancelled() {
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
        let final_status = if finished
            && status
                .values()
                .all(|s| matches!(s, RunStatus::Succeeded | RunStatus::Skipped))
        {
            TrainStatus::Succeeded
        } else if services.cancelled() {
            TrainStatus::Cancelled
        } else {
            TrainStatus::Failed
        };
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

fn train_kind(request: &Request) -> TrainKind {
    match request {
        Request::ReleaseStart { .. } => TrainKind::ReleaseStart,
        Request::ReleaseTag { .. } => TrainKind::Tag,
        Request::ReleaseFinal { .. } => TrainKind::Final,
        Request::ReleaseHotfix { .. } => TrainKind::Hotfix,
        Request::Push { .. } => TrainKind::Push,
    }
}
