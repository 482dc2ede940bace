//! Steps of `executor: github-actions` repositories: the git steps (branch, strip, version
//! commit, tag and push, reflect) on this machine as always; the run's commands and publish
//! steps in ONE run of the repository's release workflow on a GitHub Actions runner, dispatched
//! at the first of them on the tag just pushed. The publish steps then report what the runner
//! published as found in the registries, so gates, records and deployments work as for local
//! runs. Repositories with `executor: local` are untouched.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flotilla_core::ArtifactKind;
use flotilla_core::executor::Executor;
use flotilla_core::fleet::{Event, RegistryKind};
use flotilla_core::github_settings::GithubSettings;
use flotilla_core::plan::{ArtifactRef, Step, artifact_of, runner_step_name, runs_on_runner};
use flotilla_git::Git;
use flotilla_store::Train;
use serde_json::json;

use crate::steps::artifact_lookup::{image_digest, is_published};
use crate::steps::artifact_report::ArtifactReport;
use crate::steps::local_executor::LocalExecutor;
use crate::steps::publish_target::Target;
use crate::steps::published::Published;
use crate::steps::run_context::RunContext;
use crate::steps::run_setup::RunSetup;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_executor::StepExecutor;
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;
use crate::steps::workflow_dispatch::{DispatchOutcome, WorkflowDispatch};
use crate::steps::workflow_runs::{GithubRepo, WorkflowRuns};
use crate::workspace::Workspace;

/// A [`LocalExecutor`] that sends the runner steps of GitHub Actions repositories to runners.
pub struct GithubActionsExecutor {
    local: LocalExecutor,
    runs: Arc<dyn WorkflowRuns>,
    dispatch_timeout: Duration,
    poll_interval: Duration,
    /// The succeeded workflow run of each train run this process followed, by run id: the
    /// run's later runner steps take their results from it.
    succeeded: Mutex<HashMap<String, Arc<DispatchOutcome>>>,
}

impl GithubActionsExecutor {
    /// Timing from the manifest's `github:` section.
    pub fn new(runs: Arc<dyn WorkflowRuns>, settings: &GithubSettings) -> Self {
        Self::with_timing(
            runs,
            Duration::from_secs(settings.dispatch_timeout_secs),
            Duration::from_secs(settings.poll_interval_secs),
        )
    }

    pub fn with_timing(
        runs: Arc<dyn WorkflowRuns>,
        dispatch_timeout: Duration,
        poll_interval: Duration,
    ) -> Self {
        Self {
            local: LocalExecutor,
            runs,
            dispatch_timeout,
            poll_interval,
            succeeded: Mutex::new(HashMap::new()),
        }
    }

    /// The API client, for its call count.
    pub fn runs(&self) -> &Arc<dyn WorkflowRuns> {
        &self.runs
    }

    /// The run's workflow: followed already in this process, or found or dispatched now.
    fn workflow(
        &self,
        ctx: &RunContext,
        (repository, workflow): (&str, &str),
        log: &StepLog,
    ) -> Result<Arc<DispatchOutcome>, StepError> {
        if let Some(done) = self.cached(&ctx.run_id) {
            log.line(format!(
                "# ran in the workflow run {} (attempt {})",
                done.run.html_url, done.attempt
            ));
            return Ok(done);
        }
        let Some(repo) = GithubRepo::parse(repository) else {
            return Err(StepErrorKind::Workflow {
                repo: ctx.repo.name.clone(),
                message: format!("{repository:?} is not `owner/name`"),
            }
            .into());
        };
        let mut names: Vec<&str> = Vec::new();
        for step in ctx.run.steps.iter().filter(|s| on_runner(ctx, s)) {
            let name = runner_step_name(step);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let git_ref = release_ref(ctx);
        let dispatch = WorkflowDispatch {
            runs: self.runs.as_ref(),
            repo_name: &ctx.repo.name,
            repo,
            workflow,
            git_ref: &git_ref,
            inputs: BTreeMap::from([
                ("version".to_owned(), ctx.run.version.clone()),
                ("train".to_owned(), ctx.train_id.clone()),
                ("run".to_owned(), ctx.run_id.clone()),
                ("steps".to_owned(), names.join(",")),
            ]),
            correlation_base: format!("{}-{}", ctx.train_id, ctx.run_id),
            dispatch_timeout: self.dispatch_timeout,
            poll_interval: self.poll_interval,
            cancel: &ctx.cancel,
        };
        let outcome = Arc::new(dispatch.run(&|line| log.line(line))?);
        if let Ok(mut succeeded) = self.succeeded.lock() {
            succeeded.insert(ctx.run_id.clone(), Arc::clone(&outcome));
        }
        Ok(outcome)
    }

    fn cached(&self, run_id: &str) -> Option<Arc<DispatchOutcome>> {
        self.succeeded.lock().ok()?.get(run_id).cloned()
    }
}

impl StepExecutor for GithubActionsExecutor {
    fn prepare(&self, setup: RunSetup) -> Result<RunContext, StepError> {
        self.local.prepare(setup)
    }

    fn execute(
        &self,
        ctx: &RunContext,
        step: &Step,
        log: &StepLog,
    ) -> Result<StepOutput, StepError> {
        let Executor::GithubActions {
            repository,
            workflow,
        } = &ctx.repo.executor
        else {
            return self.local.execute(ctx, step, log);
        };
        if !on_runner(ctx, step) {
            return self.local.execute(ctx, step, log);
        }
        if ctx.cancel.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(StepErrorKind::Cancelled.into());
        }
        log.line(format!(
            "# {} {} (on a GitHub Actions runner of {repository})",
            step.name(),
            step.summary()
        ));
        let outcome = self.workflow(ctx, (repository, workflow), log)?;
        let detail = json!({
            "workflow_run": {
                "id": outcome.run.id,
                "url": outcome.run.html_url,
                "attempt": outcome.attempt,
                "dispatched": outcome.dispatched,
            }
        });
        if let Step::Run { .. } = step {
            return Ok(StepOutput::detail(detail));
        }
        let artifacts = found_artifacts(ctx, step, &outcome)?;
        for artifact in &artifacts {
            log.line(format!(
                "{} {} {} in {}",
                artifact.name, artifact.version, artifact.digest, artifact.target
            ));
        }
        Ok(StepOutput {
            detail,
            exit_code: None,
            artifacts,
        })
    }

    fn finish_train(
        &self,
        workspace: &Workspace,
        git: &Git,
        train: &Train,
    ) -> Vec<(String, Result<Option<String>, StepError>)> {
        self.local.finish_train(workspace, git, train)
    }
}

/// Whether `step` of a GitHub Actions repository's run goes to the runner: the commands and
/// publish steps of a tagged release, except a chart for a directory or git chart repository,
/// which the host packages from its own checkout of the tag (the train lists such charts in
/// the repository's index at its end, from what the host holds). A master-push build that
/// flotilla runs itself stays on the host: on GitHub, the repository's own `flotilla-dev.yml`
/// builds on push.
fn on_runner(ctx: &RunContext, step: &Step) -> bool {
    if ctx.run.event == Event::Push {
        return false;
    }
    if let Step::PublishChart { registry, .. } = step {
        let indexed = ctx
            .workspace
            .fleet
            .registries
            .get(registry.as_str())
            .is_some_and(|r| !r.url.starts_with("http://") && !r.url.starts_with("https://"));
        if indexed {
            return false;
        }
    }
    runs_on_runner(step)
}

/// What the runner checks out: the tag the run pushed (or found), else its source branch (a
/// development version publishes from the default branch).
fn release_ref(ctx: &RunContext) -> String {
    ctx.run
        .steps
        .iter()
        .find_map(|s| match s {
            Step::TagAndPush { tag, .. } => Some(tag.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| {
            ctx.run
                .source
                .strip_prefix("refs/tags/")
                .unwrap_or(&ctx.run.source)
                .to_owned()
        })
}

/// The artifacts of publish step `step` as its registry holds them: an image's digest from
/// the registry itself, a package's from the runner's report, each one looked up first.
fn found_artifacts(
    ctx: &RunContext,
    step: &Step,
    outcome: &DispatchOutcome,
) -> Result<Vec<Published>, StepError> {
    let Some(reference) = artifact_of(&ctx.repo.name, step) else {
        return Ok(Vec::new());
    };
    let registry_kind = match reference.kind {
        ArtifactKind::Image => RegistryKind::Image,
        ArtifactKind::Python => RegistryKind::Pypi,
        ArtifactKind::Npm => RegistryKind::Npm,
        ArtifactKind::Chart => RegistryKind::Chart,
    };
    let (_, target) = Target::resolve(&ctx.workspace, reference.registry.as_str(), registry_kind)?;
    let version = reference.version.as_str();
    let reports: Vec<ArtifactReport> = outcome
        .logs
        .iter()
        .flat_map(|(_, text)| ArtifactReport::parse_all(text))
        .filter(|r| {
            r.step == step.name()
                && r.kind == reference.kind
                && r.version == version
                // A chart is reported under its Chart.yaml name, the step knows its path.
                && (reference.kind == ArtifactKind::Chart || r.name == reference.name)
        })
        .collect();
    let name = match (reference.kind, reports.first()) {
        (ArtifactKind::Chart, Some(report)) => report.name.clone(),
        _ => reference.name.clone(),
    };
    let missing = || {
        StepError::from(StepErrorKind::RunnerArtifactMissing {
            name: name.clone(),
            version: version.to_owned(),
            target: target.clone(),
        })
        .with_help(
            "the job's log (`flotilla logs`) shows what the runner did; check that the workflow \
             runs `flotilla runner run-steps` with the same manifest, then `flotilla release resume`",
        )
    };
    let looked_up = ArtifactRef {
        name: name.clone(),
        ..reference.clone()
    };
    if !is_published(&ctx.workspace, &looked_up)? {
        return Err(missing());
    }
    if reference.kind == ArtifactKind::Image {
        let digest = image_digest(&ctx.workspace, reference.registry.as_str(), &name, version)?
            .ok_or_else(missing)?;
        return Ok(vec![Published {
            kind: ArtifactKind::Image,
            name,
            version: version.to_owned(),
            digest: digest.into(),
            target,
        }]);
    }
    if reports.is_empty() {
        return Err(StepError::from(StepErrorKind::RunnerArtifactUnreported {
            name,
            version: version.to_owned(),
            target,
        })
        .with_help(
            "the workflow must run `flotilla runner run-steps`, which prints a `flotilla-artifact:` line per artifact",
        ));
    }
    Ok(reports
        .iter()
        .map(|r| Published {
            target: target.clone(),
            ..r.published()
        })
        .collect())
}
