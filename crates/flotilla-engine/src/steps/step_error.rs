//! Why a run or one of its steps failed: what happened, and what to do about it.

use std::fmt;
use std::path::PathBuf;
use std::process::ExitStatus;

use flotilla_core::TemplateError;
use flotilla_git::{GitError, RefNameError};
use flotilla_publish::PublishError;
use flotilla_store::StoreError;

use crate::steps::chart_repository_error::ChartRepositoryError;
use crate::steps::target_error::TargetError;

/// A failed step (or a run that could not start its steps). The message is for the user; the
/// runner redacts it before it is stored or shown.
#[derive(Debug)]
pub struct StepError {
    /// Boxed: steps return `Result<_, StepError>` everywhere, and the kinds are large.
    pub kind: Box<StepErrorKind>,
    /// What the user can do about it, rendered after the message as `help: …`.
    pub help: Option<String>,
    /// The exit status of the step's command, when it ran one.
    pub exit_code: Option<i32>,
}

impl StepError {
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn with_exit_code(mut self, exit_code: Option<i32>) -> Self {
        self.exit_code = exit_code;
        self
    }
}

/// The help stays in the text: the runner stores a failed step's text with its run, and
/// `release status` shows it from there.
impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&flotilla_core::help::render(
            &self.kind.to_string(),
            self.help.as_deref(),
        ))
    }
}

impl std::error::Error for StepError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(self.kind.as_ref())
    }
}

impl From<StepErrorKind> for StepError {
    fn from(kind: StepErrorKind) -> Self {
        Self {
            kind: Box::new(kind),
            help: None,
            exit_code: None,
        }
    }
}

/// The `?` conversions of the adapters' errors, through their [`StepErrorKind`] variant.
macro_rules! from_via_kind {
    ($($source:ty),* $(,)?) => {
        $(impl From<$source> for StepError {
            fn from(err: $source) -> Self {
                StepErrorKind::from(err).into()
            }
        })*
    };
}

from_via_kind!(
    GitError,
    RefNameError,
    PublishError,
    StoreError,
    std::io::Error,
    serde_json::Error,
    TemplateError,
    TargetError,
    ChartRepositoryError,
    tokio::task::JoinError,
);

/// What went wrong, without the help.
#[derive(Debug, thiserror::Error)]
pub enum StepErrorKind {
    #[error("{0}")]
    Git(#[from] GitError),
    #[error("{0}")]
    RefName(#[from] RefNameError),
    #[error("{0}")]
    Publish(#[from] PublishError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Template(#[from] TemplateError),
    #[error("{0}")]
    VersionEdit(#[from] flotilla_core::version_file::VersionEditError),
    #[error("{0}")]
    Target(#[from] TargetError),
    #[error("{0}")]
    ChartRepository(#[from] ChartRepositoryError),
    /// A chart repository's index update at the end of a train.
    #[error("{label}: {source}")]
    ChartListing {
        label: String,
        source: ChartRepositoryError,
    },
    /// Continuous deployment of an image the step published did not succeed; `detail` names
    /// the image and tag, and is redacted already.
    #[error("continuous deployment: {detail}")]
    Deployment { detail: String },
    #[error("cancelled")]
    Cancelled,
    #[error("{repo} is no longer in the manifest")]
    NotInManifest { repo: String },
    /// The blocking task that ran the step panicked or was cancelled.
    #[error("{0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("cannot clear {}: {source}", path.display())]
    ClearWorkTree {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("gate: {0}")]
    GateCheck(#[source] tokio::task::JoinError),
    #[error("gate: {} not visible after {timeout_secs} s", missing.join(", "))]
    GateTimeout {
        missing: Vec<String>,
        timeout_secs: u64,
    },
    #[error("{repo} is busy: {holder} holds it")]
    RepoBusy { repo: String, holder: String },
    #[error("release branch {branch} already exists and has commits that {from} does not have")]
    BranchHasOtherCommits { branch: String, from: String },
    #[error("the work tree has no commit")]
    NoCommit,
    #[error(
        "tag {tag} already exists on the remote at {commit}, not at the release commit {head} \
         of {branch}"
    )]
    TagElsewhere {
        tag: String,
        commit: String,
        head: String,
        branch: String,
    },
    #[error("{branch} kept moving; gave up after {attempts} attempts")]
    BranchKeptMoving { branch: String, attempts: u32 },
    #[error("command {name} has an empty argv")]
    EmptyArgv { name: String },
    #[error("cannot start {program:?} for command {name}: {source}")]
    CannotStart {
        program: String,
        name: String,
        source: std::io::Error,
    },
    /// `argv` is redacted already.
    #[error("command {name} ({argv}) failed with {status}; its output is in {}", log.display())]
    CommandFailed {
        name: String,
        argv: String,
        status: ExitStatus,
        log: PathBuf,
    },
    #[error("command {name} was stopped: the train was cancelled")]
    CommandCancelled { name: String },
    #[error("command {name} timed out after {timeout_secs} s and was killed")]
    CommandTimedOut { name: String, timeout_secs: u64 },
    /// `output` is the end of npm's output, redacted, its lines joined with ` | `: tables and
    /// summaries show an error's first line.
    #[error("`{argv}` failed in {} with {status}; npm said: {output}", dir.display())]
    NpmPackFailed {
        argv: String,
        dir: PathBuf,
        status: String,
        output: String,
    },
    #[error(
        "cannot start the npm client {program:?} ({source}): install Node.js with npm where \
         flotilla runs, or set `npm.binary` of the repository to the client's path"
    )]
    NpmCannotStart {
        program: String,
        source: std::io::Error,
    },
    #[error("`{argv}` in {} left {count} tarballs in {}, not one", dir.display(), out.display())]
    NpmPackOutput {
        argv: String,
        dir: PathBuf,
        out: PathBuf,
        count: usize,
    },
    #[error(
        "{} names the package {found:?}, but the manifest publishes it as `{expected}`: set \
         `npm.name: {found}` for the repository, or rename the package",
        path.display()
    )]
    NpmNameMismatch {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("{step} is not a publish step")]
    NotAPublishStep { step: String },
    #[error("registry {registry} is neither an OCI registry nor a chart repository")]
    NotAChartRegistry { registry: String },
    #[error("no tag to publish {image} under")]
    NoImageTag { image: String },
    #[error(
        "{repo}: the image builder pushes {{image}} itself, which needs a registry server, but \
         the image's registry is a local directory"
    )]
    BuilderNeedsServer { repo: String },
    #[error(
        "{repo}: the image builder {program} finished but its output cannot be pushed: {source}"
    )]
    BuilderOutputUnusable {
        repo: String,
        program: String,
        source: PublishError,
    },
    #[error("{repo}: the image builder {program} succeeded but {image} is not in the registry")]
    BuilderPushedNothing {
        repo: String,
        program: String,
        image: String,
    },
    #[error("{image} vanished from the registry")]
    ImageVanished { image: String },
    /// The project's own Python build failed; `argv` and `tail` (its last lines of output)
    /// are redacted already.
    #[error(
        "{repo}: the Python build ({argv}) failed: {what}; its last lines (all of its output \
         is in {}):\n{tail}",
        log.display()
    )]
    PythonBuildFailed {
        repo: String,
        argv: String,
        what: String,
        tail: String,
        log: PathBuf,
    },
    /// `what` is how the builder's command ended, in the command runner's words.
    #[error("{repo}: the image builder {program} failed: {what}")]
    BuilderFailed {
        repo: String,
        program: String,
        what: String,
    },
    /// A call to the CI service failed (after the client's retries).
    #[error("{repo}: GitHub Actions: {message}")]
    Workflow { repo: String, message: String },
    /// The dispatched workflow run ended without success.
    #[error("{repo}: the workflow run of {workflow} ended {conclusion}: {url}")]
    WorkflowRunFailed {
        repo: String,
        workflow: String,
        conclusion: String,
        url: String,
    },
    /// Two dispatches started no run that flotilla could find.
    #[error(
        "{repo}: no run of {workflow} named `flotilla {correlation}` appeared within {waited_secs} s of each of two dispatches"
    )]
    DispatchLost {
        repo: String,
        workflow: String,
        correlation: String,
        waited_secs: u64,
    },
    /// The runner said it succeeded, but the registry lacks what it should have published.
    #[error("the runner's workflow succeeded but {name} {version} is not in {target}")]
    RunnerArtifactMissing {
        name: String,
        version: String,
        target: String,
    },
    /// The artifact is in its registry, but the runner's logs name no digest for it.
    #[error(
        "the runner's workflow succeeded and {name} {version} is in {target}, but its logs report no digest for it"
    )]
    RunnerArtifactUnreported {
        name: String,
        version: String,
        target: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_is_rendered_once_after_the_message() {
        let err = StepError::from(StepErrorKind::BranchKeptMoving {
            branch: "master".to_owned(),
            attempts: 3,
        })
        .with_help("resume the train");
        assert_eq!(
            err.to_string(),
            "master kept moving; gave up after 3 attempts\n  help: resume the train"
        );
        assert_eq!(
            err.kind.to_string(),
            "master kept moving; gave up after 3 attempts"
        );
        let plain = StepError::from(StepErrorKind::Cancelled);
        assert_eq!(plain.to_string(), "cancelled");
        assert_eq!(plain.help, None);
    }

    #[test]
    fn an_adapter_error_keeps_its_own_words_and_its_source() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let err = StepError::from(io);
        assert_eq!(err.to_string(), "no such file");
        assert!(matches!(*err.kind, StepErrorKind::Io(_)));
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("no such file"));
    }
}
