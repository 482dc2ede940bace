//! Where a fleet lives on disk: the manifest's directory, the state directory beside it, the
//! git mirror cache, and the registries resolved to concrete targets.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use flotilla_core::fleet::{Fleet, Repo};
use flotilla_git::{Git, Identity, MirrorCache};
use flotilla_store::{SqliteStore, Store};

use crate::engine_error::EngineError;
use crate::redactor::Redactor;

/// A loaded fleet with its state.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub fleet: Arc<Fleet>,
    /// The directory of the manifest; relative paths in the manifest are relative to it.
    pub root: PathBuf,
    /// `.flotilla/` beside the manifest.
    pub state_dir: PathBuf,
    pub git: Git,
    pub cache: Arc<MirrorCache>,
    pub store: Arc<dyn Store>,
    pub redactor: Arc<Redactor>,
}

impl Workspace {
    /// Opens (creating if needed) the state of the fleet described by `manifest_path`.
    pub async fn open(fleet: Fleet, manifest_path: &Path) -> Result<Self, EngineError> {
        let root = manifest_path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let root = std::path::absolute(&root).map_err(|source| EngineError::Io {
            action: "resolve",
            path: root.clone(),
            source,
        })?;
        let state_dir = root.join(SqliteStore::STATE_DIR);
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&state_dir).await?);
        let git = Git::new()
            .with_fallback_identity(Identity::new(
                fleet.settings.git_user_name.clone(),
                fleet.settings.git_user_email.clone(),
            ))
            // An unattended run must never wait for an ssh passphrase or host-key prompt.
            .with_env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        let cache = Arc::new(MirrorCache::new(git.clone(), state_dir.join("mirrors")));
        let redactor = Arc::new(Redactor::from_env_names(secret_env_names(&fleet)));
        Ok(Self {
            fleet: Arc::new(fleet),
            root,
            state_dir,
            git,
            cache,
            store,
            redactor,
        })
    }

    /// The remote as git should see it: relative paths are taken from the manifest's directory.
    pub fn remote_url(&self, repo: &Repo) -> String {
        let remote = repo.remote.as_str();
        if remote.contains("://") || is_scp_like(remote) || Path::new(remote).is_absolute() {
            remote.to_owned()
        } else {
            self.root.join(remote).display().to_string()
        }
    }

    /// A path from the manifest, resolved against its directory.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }

    pub fn work_dir(&self) -> PathBuf {
        self.state_dir.join("work")
    }
}

/// `user@host:path`, git's scp-like ssh syntax.
fn is_scp_like(remote: &str) -> bool {
    match (remote.find(':'), remote.find('/')) {
        (Some(colon), Some(slash)) => colon < slash && remote[..colon].contains('@'),
        (Some(colon), None) => remote[..colon].contains('@'),
        _ => false,
    }
}

/// Every environment variable the manifest names as holding a secret.
fn secret_env_names(fleet: &Fleet) -> Vec<&str> {
    let mut names = Vec::new();
    for registry in fleet.registries.values() {
        names.extend(
            [
                &registry.username_env,
                &registry.password_env,
                &registry.token_env,
            ]
            .into_iter()
            .flatten()
            .map(String::as_str),
        );
    }
    names.extend(fleet.notifications.iter().map(|n| n.url_env.as_str()));
    names
}
