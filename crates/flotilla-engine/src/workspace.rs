//! Where a fleet lives on disk: the manifest's directory, the state directory beside it, the
//! git mirror cache, and the registries resolved to concrete targets.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use flotilla_core::fleet::{Fleet, Repo};
use flotilla_git::{Git, Identity, MirrorCache};
use flotilla_store::{SqliteStore, Store};

use crate::command_env::CommandEnv;
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
        Self::open_with_state(fleet, manifest_path, None).await
    }

    /// [`Self::open`] with the state in `state_dir` instead of beside the manifest: a runner
    /// (`flotilla runner run-steps`) keeps its scratch state apart from the orchestrator's.
    pub async fn open_with_state(
        fleet: Fleet,
        manifest_path: &Path,
        state_dir: Option<PathBuf>,
    ) -> Result<Self, EngineError> {
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
        let state_dir = state_dir.unwrap_or_else(|| root.join(SqliteStore::STATE_DIR));
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&state_dir).await?);
        let git = Self::git_for(&fleet);
        let secret_names = fleet.secret_env_names();
        let cache = Arc::new(MirrorCache::new(git.clone(), state_dir.join("mirrors")));
        let redactor = Arc::new(Redactor::from_env_names(secret_names));
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

    /// git as flotilla runs it for `fleet`: the manifest's identity and signing, no prompts, and
    /// none of the fleet's secrets in its environment.
    pub fn git_for(fleet: &Fleet) -> Git {
        // The manifest's identity, not a fallback: the host's own `user.name` must not sign
        // a fleet's releases. `GIT_AUTHOR_*`/`GIT_COMMITTER_*` set by the caller still win.
        let git = Git::new()
            .with_identity(Identity::new(
                fleet.settings.git_user_name.clone(),
                fleet.settings.git_user_email.clone(),
            ))
            .with_signing(fleet.settings.sign_commits, fleet.settings.sign_tags)
            // An unattended run must never wait for an ssh passphrase or host-key prompt.
            .with_env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        fleet
            .secret_env_names()
            .iter()
            .fold(git, |git, name| git.without_env(*name))
    }

    /// The remote as git should see it: relative paths are taken from the manifest's directory.
    pub fn remote_url(&self, repo: &Repo) -> String {
        crate::remote_url::resolve(&self.root, &repo.remote)
    }

    /// A path from the manifest, resolved against its directory.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The environment of the processes run for the fleet's repositories.
    pub fn command_env(&self) -> CommandEnv<'_> {
        CommandEnv::new(self.fleet.secret_env_names(), &self.redactor)
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }

    pub fn work_dir(&self) -> PathBuf {
        self.state_dir.join("work")
    }
}
