//! The engine's view of a CI service that runs workflows (GitHub Actions): dispatch one, find
//! the run it started by a correlation id in its name, wait for it, read its jobs' logs,
//! cancel it. The `flotilla-github` client is adapted to it; tests use an in-memory double.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::AtomicBool;

/// A repository on the CI service, `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GithubRepo {
    pub owner: String,
    pub name: String,
}

impl GithubRepo {
    /// `owner/name` as the manifest writes it (the resolver checked the shape).
    pub fn parse(full: &str) -> Option<Self> {
        let (owner, name) = full.split_once('/')?;
        Some(Self {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }
}

impl fmt::Display for GithubRepo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Where a workflow run is, as GitHub's `status` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkflowRunStatus {
    Queued,
    InProgress,
    Completed,
    /// `requested`, `waiting`, `pending` and whatever GitHub adds: not completed.
    Other(String),
}

/// How a completed workflow run ended, as GitHub's `conclusion` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkflowConclusion {
    Success,
    Failure,
    Cancelled,
    TimedOut,
    /// `action_required`, `neutral`, `skipped`, `stale`, `startup_failure`, …: not a success.
    Other(String),
}

impl WorkflowConclusion {
    /// GitHub's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Cancelled => "cancelled",
            Self::TimedOut => "timed_out",
            Self::Other(other) => other,
        }
    }
}

/// One workflow run, as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRun {
    pub id: u64,
    /// Its `run-name`: `flotilla <correlation>` for the runs flotilla dispatches.
    pub name: String,
    pub status: WorkflowRunStatus,
    pub conclusion: Option<WorkflowConclusion>,
    /// The run's page, for people.
    pub html_url: String,
}

impl WorkflowRun {
    pub fn is_completed(&self) -> bool {
        self.status == WorkflowRunStatus::Completed
    }
}

/// A call to the CI service that failed (after the client's own retries). Never holds a
/// secret: the client redacts tokens before it builds one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WorkflowError {
    pub message: String,
    pub help: Option<String>,
}

impl WorkflowError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            help: None,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The operations the GitHub Actions executor needs. Blocking; called from the train runner's
/// blocking threads, several runs at once.
pub trait WorkflowRuns: Send + Sync {
    /// Dispatches `workflow` (a file of `.github/workflows`) on `git_ref` with `inputs`.
    fn dispatch(
        &self,
        repo: &GithubRepo,
        workflow: &str,
        git_ref: &str,
        inputs: &BTreeMap<String, String>,
    ) -> Result<(), WorkflowError>;

    /// The newest run of `workflow` whose name contains `correlation`.
    fn find(
        &self,
        repo: &GithubRepo,
        workflow: &str,
        correlation: &str,
    ) -> Result<Option<WorkflowRun>, WorkflowError>;

    /// Waits (conditional polling with backoff, rate limits honoured) until the run completes
    /// or `cancel` is set; returns the run as last seen.
    fn wait(
        &self,
        repo: &GithubRepo,
        run_id: u64,
        cancel: &AtomicBool,
    ) -> Result<WorkflowRun, WorkflowError>;

    /// Each job's name and its log text.
    fn logs(&self, repo: &GithubRepo, run_id: u64) -> Result<Vec<(String, String)>, WorkflowError>;

    /// Asks the service to cancel the run.
    fn cancel(&self, repo: &GithubRepo, run_id: u64) -> Result<(), WorkflowError>;

    /// API calls made so far (for the benchmark and the bounded-calls test).
    fn calls(&self) -> u64;
}
