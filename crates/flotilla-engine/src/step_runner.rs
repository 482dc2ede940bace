//! The runner's side of a remote executor (`flotilla runner run-steps`): in a checkout of the
//! release tag, the repository's runner steps for a version, planned as the orchestrator plans
//! them ([`flotilla_core::plan::runner_steps`]), of which it keeps the named ones and executes
//! them with the local step code in the checkout. Nothing is pushed: the git steps were the
//! orchestrator's.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use flotilla_core::Version;
use flotilla_core::fleet::Event;
use flotilla_core::plan::{RepoRun, Step, runner_step_name, runner_steps};
use flotilla_git::Repo as GitRepo;

use crate::engine_error::EngineError;
use crate::steps::local_executor::LocalExecutor;
use crate::steps::run_context::RunContext;
use crate::steps::step_error::StepError;
use crate::steps::step_executor::StepExecutor;
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;
use crate::workspace::Workspace;

/// The named runner steps of one repository's release, ready to execute in a checkout.
pub struct StepRunner {
    ctx: RunContext,
    steps: Vec<Step>,
}

impl StepRunner {
    /// Plans `repo`'s runner steps for `version` and keeps those named in `names` (a command's
    /// name, or a publish step's kind). A name the plan does not have is refused: the
    /// orchestrator and the runner disagree about the manifest.
    pub fn prepare(
        workspace: Workspace,
        repo: &str,
        version: &str,
        names: &[String],
        checkout: &Path,
        cancel: Arc<AtomicBool>,
    ) -> Result<Self, EngineError> {
        let Some(repo) = workspace.fleet.repo(repo).cloned() else {
            let known: Vec<&str> = workspace
                .fleet
                .repos
                .iter()
                .map(|r| r.name.as_str())
                .collect();
            return Err(EngineError::repo(
                repo,
                format!(
                    "not a repository of the manifest (it has {})",
                    known.join(", ")
                ),
            ));
        };
        let version = Version::parse(version)
            .map_err(|err| EngineError::repo(&repo.name, err.to_string()))?;
        let planned = runner_steps(&repo, version);
        if let Some(unknown) = names
            .iter()
            .find(|name| !planned.iter().any(|s| runner_step_name(s) == name.as_str()))
        {
            let have: Vec<&str> = planned.iter().map(runner_step_name).collect();
            return Err(EngineError::repo(
                &repo.name,
                format!(
                    "step `{unknown}` is not a runner step of {version} (the manifest plans: {})",
                    if have.is_empty() {
                        "none".to_owned()
                    } else {
                        have.join(", ")
                    }
                ),
            ));
        }
        let steps: Vec<Step> = planned
            .into_iter()
            .filter(|s| names.iter().any(|n| n == runner_step_name(s)))
            .collect();
        let work = GitRepo::open(workspace.git.clone(), checkout)?;
        let url = workspace.remote_url(&repo);
        let run = RepoRun {
            repo: repo.name.clone(),
            category: repo.category.clone(),
            wave: 0,
            event: Event::Tag,
            version: version.to_string(),
            channel: version.channel(),
            depends_on: Vec::new(),
            already_tagged: true,
            source: "HEAD".to_owned(),
            steps: steps.clone(),
        };
        Ok(Self {
            ctx: RunContext {
                workspace,
                repo,
                run,
                url,
                work,
                plumbing: None,
                cancel,
                train_id: String::new(),
                run_id: String::new(),
            },
            steps,
        })
    }

    /// The steps it will execute, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub fn workspace(&self) -> &Workspace {
        &self.ctx.workspace
    }

    /// Executes `step` (one of [`Self::steps`]) in the checkout, logging to `log`.
    pub fn execute(&self, step: &Step, log: &StepLog) -> Result<StepOutput, StepError> {
        LocalExecutor.execute(&self.ctx, step, log)
    }
}
