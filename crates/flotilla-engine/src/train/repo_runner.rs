//! One repository's run of a train: its lease, its work tree, and its steps in order, each
//! recorded before and after it executes so that a resume starts at the first unfinished one.

use std::sync::Arc;
use std::time::Instant;

use flotilla_core::plan::{RepoRun, Step};
use flotilla_git::Git;
use flotilla_store::{NewArtifact, Run, RunStatus, StepOutcome, StepStatus, Train};
use serde_json::json;

use crate::engine_error::EngineError;
use crate::progress::Progress;
use crate::run_outcome::RunOutcome;
use crate::steps::mirror_state::MirrorState;
use crate::steps::run_setup::RunSetup;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;
use crate::train::lease::RepoLease;
use crate::train::train_notifications::notify_run;
use crate::train::train_services::TrainServices;

/// Runs one repository's part of `train`.
pub struct RepoRunner<'a> {
    pub services: &'a TrainServices,
    pub train: &'a Train,
    /// Carries the train's fixed commit dates.
    pub git: &'a Git,
    pub mirrors: MirrorState,
}

impl RepoRunner<'_> {
    /// Runs `run` under the repository's lease and records how it ended.
    pub async fn run(&self, run: &Run, run_plan: &RepoRun) -> Result<RunStatus, EngineError> {
        let store = &self.services.workspace.store;
        let lease = match RepoLease::acquire(self.services, &run_plan.repo, &self.train.id).await {
            Ok(lease) => lease,
            Err(err) => {
                let message = self.services.failure_text(&err);
                store.run_started(&run.id).await?;
                store
                    .run_finished(&run.id, RunStatus::Failed, Some(&message))
                    .await?;
                self.run_finished(&run_plan.repo, RunStatus::Failed, Some(message));
                return Ok(RunStatus::Failed);
            }
        };
        let result = self.steps(run, run_plan).await;
        lease.release(self.services).await?;
        let (status, error) = result?;
        store
            .run_finished(&run.id, status, error.as_deref())
            .await?;
        self.run_finished(&run_plan.repo, status, error);
        Ok(status)
    }

    fn run_finished(&self, repo: &str, status: RunStatus, error: Option<String>) {
        (self.services.progress)(Progress::RunFinished {
            repo: repo.to_owned(),
            status,
            error,
        });
    }

    /// Executes the steps not yet done; the run's status and, when it failed, why.
    async fn steps(
        &self,
        run: &Run,
        run_plan: &RepoRun,
    ) -> Result<(RunStatus, Option<String>), EngineError> {
        let services = self.services;
        let workspace = &services.workspace;
        let store = &workspace.store;
        let started = Instant::now();
        store.run_started(&run.id).await?;
        let stored_steps = store.steps_of_run(&run.id).await?;
        (services.progress)(Progress::RunStarted {
            repo: run_plan.repo.clone(),
            steps: run_plan.steps.len(),
        });
        let Some(repo) = workspace.fleet.repo(&run_plan.repo).cloned() else {
            let missing = StepErrorKind::NotInManifest {
                repo: run_plan.repo.clone(),
            };
            return Ok((RunStatus::Failed, Some(services.failure_text(&missing))));
        };
        let setup = RunSetup {
            workspace: workspace.clone(),
            repo,
            run: run_plan.clone(),
            git: self.git.clone(),
            dest: workspace.work_dir().join(run.id.as_str()),
            mirrors: self.mirrors,
            cancel: Arc::clone(&services.cancel),
            train_id: self.train.id.to_string(),
            run_id: run.id.to_string(),
        };
        let executor = Arc::clone(&services.executor);
        let context = match blocking_step(move || executor.prepare(setup)).await {
            Ok(context) => Arc::new(context),
            Err(err) => return Ok((RunStatus::Failed, Some(services.failure_text(&err)))),
        };
        let last_unfinished = stored_steps.iter().rposition(|s| !s.status.is_done());
        let train = self.train;
        let notify = |outcome| notify_run(services, train, run_plan, &context, started, outcome);
        for (index, step) in run_plan.steps.iter().enumerate() {
            let Some(stored) = stored_steps.iter().find(|s| s.idx as usize == index) else {
                continue;
            };
            let log_path = workspace
                .logs_dir()
                .join(run.id.as_str())
                .join(format!("{index:02}-{}.log", step.name()));
            let log =
                StepLog::create(&log_path, Arc::clone(&workspace.redactor)).map_err(|source| {
                    EngineError::Io {
                        action: "create the step log",
                        path: log_path.clone(),
                        source,
                    }
                })?;
            let execute = {
                let executor = Arc::clone(&services.executor);
                let ctx = Arc::clone(&context);
                let step = step.clone();
                let log = log.clone();
                move || executor.execute(&ctx, &step, &log)
            };
            if stored.status.is_done() {
                // A finished local step is replayed (not recorded again) when later steps still
                // need its result in this fresh work tree; finished remote effects are skipped.
                if is_local(step) && last_unfinished.is_some_and(|last| last > index) {
                    log.line("# replayed on resume to rebuild the work tree");
                    if let Err(err) = blocking_step(execute).await {
                        return Ok((RunStatus::Failed, Some(services.failure_text(&err))));
                    }
                }
                continue;
            }
            (services.progress)(Progress::StepStarted {
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
                notify(RunOutcome::Success).await;
                Ok(StepOutput::default())
            } else {
                blocking_step(execute).await
            };
            // What was published is recorded before continuous deployment sees it: an
            // environment that requires provenance deploys only recorded digests.
            if let Ok(output) = &outcome {
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
            }
            let outcome = match outcome {
                Ok(output) => services
                    .on_published
                    .published(step, &output.artifacts, self.train)
                    .await
                    .map(|()| output),
                Err(err) => Err(err),
            };
            match outcome {
                Ok(output) => {
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
                }
                Err(err) => {
                    let message = log.redact(&err.to_string());
                    log.line(format!("error: {message}"));
                    store
                        .step_finished(
                            &stored.id,
                            &StepOutcome {
                                status: StepStatus::Failed,
                                exit_code: err.exit_code,
                                detail: Some(json!({ "intent": step, "error": message })),
                            },
                        )
                        .await?;
                    let status = if services.cancelled() {
                        RunStatus::Cancelled
                    } else {
                        RunStatus::Failed
                    };
                    notify(RunOutcome::Failure).await;
                    return Ok((status, Some(format!("{}: {message}", step.name()))));
                }
            }
        }
        Ok((RunStatus::Succeeded, None))
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

/// Runs a step's synchronous work on a blocking thread.
async fn blocking_step<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StepError> + Send + 'static,
) -> Result<T, StepError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(e.into()))
}
