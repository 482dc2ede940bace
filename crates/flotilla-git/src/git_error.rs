use std::io;
use std::path::PathBuf;

use crate::{CommandError, FailureKind, PushRejection};

/// Everything that can go wrong while driving git.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error(
        "could not start `{program}` in {dir}: {source}; check that git is installed (or configure its path) and that the directory exists",
        program = program.display(),
        dir = dir.display()
    )]
    Spawn {
        program: PathBuf,
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Command(Box<CommandError>),
    #[error(
        "`{command}` printed something unexpected ({detail}); this git version may not be supported"
    )]
    UnexpectedOutput { command: String, detail: String },
    #[error(
        "{path:?} is not a usable path inside the work tree {root}: {reason}; use a relative path that stays inside the repository",
        root = root.display()
    )]
    PathOutsideWorkTree {
        root: PathBuf,
        path: String,
        reason: &'static str,
    },
    #[error("{path} is a bare repository, so it has no files to change; clone it first", path = path.display())]
    BareRepository { path: PathBuf },
    #[error(
        "{name:?} cannot name a mirror: use letters, digits, `.`, `_` and `-`, not starting with `.` or `-`"
    )]
    InvalidMirrorName { name: String },
    #[error("could not {action} {path}: {source}", path = path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl GitError {
    pub fn command_error(&self) -> Option<&CommandError> {
        match self {
            Self::Command(error) => Some(error),
            _ => None,
        }
    }

    pub fn push_rejection(&self) -> Option<&PushRejection> {
        match self.command_error().map(|error| &error.kind) {
            Some(FailureKind::PushRejected(rejection)) => Some(rejection),
            _ => None,
        }
    }

    pub fn is_ref_not_found(&self) -> bool {
        self.is_kind(&FailureKind::RefNotFound)
    }

    pub fn is_remote_unreachable(&self) -> bool {
        self.is_kind(&FailureKind::RemoteUnreachable)
    }

    pub fn is_already_exists(&self) -> bool {
        self.is_kind(&FailureKind::AlreadyExists)
    }

    fn is_kind(&self, kind: &FailureKind) -> bool {
        self.command_error()
            .is_some_and(|error| error.kind == *kind)
    }
}
