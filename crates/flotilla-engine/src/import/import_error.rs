//! Why an import read nothing (and wrote nothing).

use flotilla_core::Help;
use flotilla_git::GitError;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("nothing to import: no remotes given")]
    NoRemotes,
    #[error("the remote {remote} does not exist (no such directory)")]
    MissingRemote { remote: String },
    #[error("the remote {remote} gives no repository name")]
    Nameless { remote: String },
    #[error("the remotes {first} and {second} would both be called {name}")]
    DuplicateName {
        name: String,
        first: String,
        second: String,
    },
    #[error("cannot read the remote {remote}: {source}")]
    Read { remote: String, source: GitError },
    #[error("cannot read {path}: {source}")]
    RemoteList {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl Help for ImportError {
    fn help(&self) -> Option<String> {
        Some(match self {
            Self::NoRemotes => {
                "give git URLs or paths (flotilla import ../identity.git git@host:org/api.git), \
                 or --from-file FILE with one per line"
                    .to_owned()
            }
            Self::MissingRemote { .. } => {
                "check the path (relative paths are taken from the current directory), or give \
                 a git URL"
                    .to_owned()
            }
            Self::Nameless { .. } => {
                "a repository is named after the last part of its remote, without .git".to_owned()
            }
            Self::DuplicateName { .. } => {
                "a repository is named after the last part of its remote: import each of them \
                 into its own fleet, or give one of them another name on its host"
                    .to_owned()
            }
            Self::Read { remote, .. } => {
                format!("check that `git clone {remote}` works from here (address, credentials)")
            }
            Self::RemoteList { .. } => {
                "--from-file takes a text file, one remote per line".to_owned()
            }
        })
    }
}

impl ImportError {
    /// Whether the user's input is at fault (exit 2) rather than a remote that failed.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Read { .. })
    }
}
