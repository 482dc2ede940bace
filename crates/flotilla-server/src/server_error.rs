//! Errors of the server and of hook installation, each saying what failed and what to do.

use std::net::SocketAddr;
use std::path::PathBuf;

use flotilla_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "the secret {name} is not set or empty; set it to a long random string, for instance the output of `openssl rand -hex 32`"
    )]
    MissingSecret { name: String },

    #[error(
        "the secret {name} is shorter than {min} characters, which a captured signature lets anyone guess; use a long random string, for instance the output of `openssl rand -hex 32`"
    )]
    WeakSecret { name: String, min: usize },

    #[error("cannot listen on {addr}: {source}; choose another address or stop what uses it")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },

    #[error("cannot read the events left unhandled by the previous run: {0}")]
    Backlog(StoreError),

    #[error(
        "{path} is not a bare git repository (no HEAD and objects/); give the path of the repository the pushes go to"
    )]
    NotBareRepository { path: PathBuf },

    #[error(
        "repository name {name:?} cannot go in a hook: use the manifest's name, lowercase letters, digits, '.', '_' and '-', starting with a letter or digit"
    )]
    InvalidRepoName { name: String },

    #[error(
        "server URL {url:?} cannot go in a hook: give an http:// or https:// URL without quotes, spaces or control characters"
    )]
    InvalidUrl { url: String },

    #[error(
        "{path} exists and was not written by flotilla; merge it by hand (call this hook from yours) or move it away, then install again"
    )]
    ForeignHook { path: PathBuf },

    #[error(
        "{tool} is not installed, and the hook needs it to {purpose}; install it (Debian: apt-get install {tool})"
    )]
    MissingTool {
        tool: &'static str,
        purpose: &'static str,
    },

    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Each message says what to do; a store error read at start-up brings its own help.
impl flotilla_core::Help for ServerError {
    fn help(&self) -> Option<String> {
        match self {
            Self::Backlog(err) => err.help(),
            _ => None,
        }
    }
}
