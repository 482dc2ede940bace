//! The [`WorkflowRuns`] of the engine on `flotilla-github`'s client: the manifest's `github:`
//! section made into a client on first use (so that a missing token fails only the steps that
//! need GitHub, with its own message), its types mapped onto the engine's.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use flotilla_core::Help;
use flotilla_core::github_settings::{GithubAuth, GithubKey, GithubSettings};
use flotilla_github::{
    AppKey, Conclusion, GithubClient, GithubConfig, GithubError, RetryPolicy, RunStatus,
};

use crate::steps::workflow_runs::{
    GithubRepo, WorkflowConclusion, WorkflowError, WorkflowRun, WorkflowRunStatus, WorkflowRuns,
};

/// GitHub's REST API through [`GithubClient`], connected on first use.
pub struct GithubWorkflowRuns {
    settings: GithubSettings,
    /// The manifest's directory: a relative `private_key_file` is read from there.
    root: PathBuf,
    client: OnceLock<Result<GithubClient, WorkflowError>>,
}

impl GithubWorkflowRuns {
    pub fn new(settings: GithubSettings, root: PathBuf) -> Self {
        Self {
            settings,
            root,
            client: OnceLock::new(),
        }
    }

    fn client(&self) -> Result<&GithubClient, WorkflowError> {
        self.client
            .get_or_init(|| self.connect().map_err(|err| error(&err)))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn connect(&self) -> Result<GithubClient, GithubError> {
        let auth = match &self.settings.auth {
            GithubAuth::Token { env } => flotilla_github::GithubAuth::token_from_env(env)?,
            GithubAuth::App {
                app_id,
                installation_id,
                private_key,
            } => {
                let key = match private_key {
                    GithubKey::Env(env) => AppKey::from_env(env)?,
                    GithubKey::File(file) => AppKey::from_file(&self.root.join(file))?,
                };
                flotilla_github::GithubAuth::app(*app_id, *installation_id, key)
            }
        };
        let poll = Duration::from_secs(self.settings.poll_interval_secs);
        let mut config = GithubConfig::new(auth).with_api_url(&self.settings.api_url);
        // Polls start at a second (or the interval, if shorter) and back off to the interval.
        config.poll = RetryPolicy::polling(poll.min(Duration::from_secs(1)), poll);
        GithubClient::new(config)
    }
}

fn error(err: &GithubError) -> WorkflowError {
    let error = WorkflowError::new(err.to_string());
    match err.help() {
        Some(help) => error.with_help(help),
        None => error,
    }
}

fn repo(repo: &GithubRepo) -> flotilla_github::GithubRepo {
    flotilla_github::GithubRepo::new(&repo.owner, &repo.name)
}

fn run(run: flotilla_github::WorkflowRun) -> WorkflowRun {
    WorkflowRun {
        id: run.id,
        name: run.name,
        status: match run.status {
            RunStatus::Queued => WorkflowRunStatus::Queued,
            RunStatus::InProgress => WorkflowRunStatus::InProgress,
            RunStatus::Completed => WorkflowRunStatus::Completed,
            other => WorkflowRunStatus::Other(other.as_str().to_owned()),
        },
        conclusion: run.conclusion.map(|c| match c {
            Conclusion::Success => WorkflowConclusion::Success,
            Conclusion::Failure => WorkflowConclusion::Failure,
            Conclusion::Cancelled => WorkflowConclusion::Cancelled,
            Conclusion::TimedOut => WorkflowConclusion::TimedOut,
            other => WorkflowConclusion::Other(other.as_str().to_owned()),
        }),
        html_url: run.html_url,
    }
}

impl WorkflowRuns for GithubWorkflowRuns {
    fn dispatch(
        &self,
        repo: &GithubRepo,
        workflow: &str,
        git_ref: &str,
        inputs: &BTreeMap<String, String>,
    ) -> Result<(), WorkflowError> {
        self.client()?
            .dispatch(&self::repo(repo), workflow, git_ref, inputs)
            .map_err(|err| error(&err))
    }

    fn find(
        &self,
        repo: &GithubRepo,
        workflow: &str,
        correlation: &str,
    ) -> Result<Option<WorkflowRun>, WorkflowError> {
        self.client()?
            .find(&self::repo(repo), workflow, correlation)
            .map(|found| found.map(run))
            .map_err(|err| error(&err))
    }

    fn wait(
        &self,
        repo: &GithubRepo,
        run_id: u64,
        cancel: &AtomicBool,
    ) -> Result<WorkflowRun, WorkflowError> {
        self.client()?
            .wait(&self::repo(repo), run_id, cancel)
            .map(run)
            .map_err(|err| error(&err))
    }

    fn logs(&self, repo: &GithubRepo, run_id: u64) -> Result<Vec<(String, String)>, WorkflowError> {
        self.client()?
            .logs(&self::repo(repo), run_id)
            .map_err(|err| error(&err))
    }

    fn cancel(&self, repo: &GithubRepo, run_id: u64) -> Result<(), WorkflowError> {
        self.client()?
            .cancel(&self::repo(repo), run_id)
            .map_err(|err| error(&err))
    }

    fn calls(&self) -> u64 {
        self.client
            .get()
            .and_then(|c| c.as_ref().ok())
            .map_or(0, GithubClient::calls)
    }
}
