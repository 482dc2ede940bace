//! Why a directory or git chart repository cannot take the train's charts.

use std::path::PathBuf;

use flotilla_core::RetryPolicy;
use flotilla_git::{GitError, RefNameError};
use flotilla_publish::PublishError;

/// Pushes refused as out of date (someone else pushed to the branch), each redone at once on the
/// new tip, before giving up.
pub const PUSH_RACE: RetryPolicy = RetryPolicy::immediate(5);

#[derive(Debug, thiserror::Error)]
pub enum ChartRepositoryError {
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error("git: {0}")]
    Git(#[from] GitError),
    #[error("the branch of registry {registry}: {source}")]
    Branch {
        registry: String,
        source: RefNameError,
    },
    #[error("could not {action} `{path}`: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the branch kept moving: {} pushes were refused as out of date; the charts \
         stay pending, resume the train to list them",
        PUSH_RACE.attempts
    )]
    KeptMoving,
}
