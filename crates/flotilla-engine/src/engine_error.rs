//! Errors of the engine, each saying what failed, where, and what to do.

use flotilla_core::Help;
use flotilla_core::plan::PlanError;
use flotilla_git::GitError;
use flotilla_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Git(#[from] GitError),
    #[error("{repo}: {message}")]
    Repo { repo: String, message: String },
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the train's stored plan cannot be read ({0}); it was written by another flotilla version"
    )]
    StoredPlan(String),
    /// A blocking task (git, files, registries) panicked or was cancelled.
    #[error("{0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("unknown time zone {timezone:?} in settings.timezone: {source}")]
    TimeZone {
        timezone: String,
        source: jiff::Error,
    },
    /// The train's request could not be serialized to be stored.
    #[error("{0}")]
    StoreRequest(#[source] serde_json::Error),
    #[error("{service} has no earlier successful deployment in {environment} to roll back to")]
    NothingToRollBackTo {
        service: String,
        environment: String,
    },
    /// Four-eyes: the approver started the train that made the deployment.
    #[error(
        "{approver} started train {train}, which made this deployment, and environment {environment} requires four eyes: someone else must approve it"
    )]
    FourEyes {
        approver: String,
        train: String,
        environment: String,
    },
    /// This process stalled past its lease and another took the train over.
    #[error(
        "train {train} was taken over by another process while this one went without a heartbeat; this one stopped"
    )]
    TrainTakenOver { train: String },
    #[error("{0}")]
    ImageReference(#[from] crate::cd::image_reference_error::ImageReferenceError),
    #[error("{service} has nothing deployed in {environment}")]
    NothingDeployed {
        service: String,
        environment: String,
    },
    #[error("no environment is named {environment:?}")]
    UnknownEnvironment {
        environment: String,
        known: Vec<String>,
    },
    #[error("{0}")]
    Other(String),
}

impl Help for EngineError {
    fn help(&self) -> Option<String> {
        match self {
            Self::Plan(err) => err.help(),
            Self::Store(err) => err.help(),
            Self::ImageReference(err) => err.help(),
            Self::NothingToRollBackTo {
                service,
                environment,
            } => Some(format!(
                "see `flotilla deploy history {service} --env {environment}`"
            )),
            Self::NothingDeployed {
                service,
                environment,
            } => Some(format!(
                "`flotilla deploy history {service} --env {environment}` shows what was tried there; `flotilla deploy status` what runs where"
            )),
            Self::UnknownEnvironment { known, .. } => Some(format!(
                "the manifest's environments are: {}",
                known.join(", ")
            )),
            Self::TrainTakenOver { train } => Some(format!(
                "the other process finishes it; `flotilla release status {train}` shows it"
            )),
            _ => None,
        }
    }
}

impl EngineError {
    /// Whether the user can fix this by changing the request (a refused plan, a train that is
    /// already running) rather than the world.
    pub fn is_user_error(&self) -> bool {
        match self {
            Self::ImageReference(err) => err.is_user_error(),
            _ => matches!(
                self,
                Self::Plan(_)
                    | Self::FourEyes { .. }
                    | Self::Store(StoreError::TrainConflict { .. } | StoreError::NotFound { .. })
                    | Self::NothingDeployed { .. }
                    | Self::UnknownEnvironment { .. }
            ),
        }
    }

    pub fn repo(repo: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Repo {
            repo: repo.into(),
            message: message.into(),
        }
    }
}
