use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::git_command::GitCommand;
use crate::mirror_lock::MirrorLock;
use crate::{Git, GitError, RefName, Repo};

/// Refs a mirror keeps: branches and tags. Not `refs/*`, which on forges drags in every pull
/// request head.
const MIRROR_REFSPECS: [&str; 2] = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

/// Distinguishes temporary directories of concurrent creations within one process.
static TEMPORARY_COUNTER: AtomicU64 = AtomicU64::new(0);

/// One bare copy per remote under a directory, refreshed on demand, from which per-run work
/// trees are made cheaply.
///
/// Costs per repository: [`MirrorCache::refresh`] is one git process (one `fetch`, or one
/// `clone` the first time); [`MirrorCache::work_tree`] is one local `clone --shared`, which
/// copies no objects and configures the real remote as the push URL in the same process.
#[derive(Debug)]
pub struct MirrorCache {
    git: Git,
    root: PathBuf,
    // One lock per mirror, so that threads refresh different mirrors in parallel but never the
    // same one twice at once (git would fail to lock its refs).
    locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

impl MirrorCache {
    pub fn new(git: Git, root: impl Into<PathBuf>) -> Self {
        Self {
            git,
            root: root.into(),
            locks: Mutex::default(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the mirror called `name` lives: `<root>/<name>.git`.
    pub fn mirror_path(&self, name: &str) -> Result<PathBuf, GitError> {
        let valid = !name.is_empty()
            && !name.starts_with(['.', '-'])
            && name
                .chars()
                .all(|character| character.is_ascii_alphanumeric() || "._-".contains(character));
        if valid {
            Ok(self.root.join(format!("{name}.git")))
        } else {
            Err(GitError::InvalidMirrorName {
                name: name.chars().take(120).collect(),
            })
        }
    }

    /// Brings the mirror of `url` called `name` up to date, creating it if needed: branches and
    /// tags are copied, and those deleted upstream are deleted here.
    pub fn refresh(&self, name: &str, url: &str) -> Result<Repo, GitError> {
        let path = self.mirror_path(name)?;
        let lock = self.lock_for(name);
        let _guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
        if !path.exists() {
            return self.create(&path, url);
        }
        let _writer = MirrorLock::acquire(&path)?;
        let mirror = Repo::open(self.git.clone(), &path)?;
        GitCommand::new(&self.git)
            .in_repo(mirror.path(), true)
            .args([
                "fetch",
                "--quiet",
                "--prune",
                "--no-write-fetch-head",
                "--",
                url,
            ])
            .args(MIRROR_REFSPECS)
            .run()?;
        Ok(mirror)
    }

    /// Clones a work tree at `dest` from the mirror called `name`, checked out at `branch` (or
    /// the mirror's HEAD). `origin` fetches from the mirror and pushes to `url`. A missing
    /// mirror is created first; an existing one is used as it is (call
    /// [`MirrorCache::refresh`] to update it).
    ///
    /// The work tree borrows the mirror's objects (`--shared`), so it must not outlive the
    /// mirror; git never prunes objects younger than two weeks, which covers any run.
    pub fn work_tree(
        &self,
        name: &str,
        url: &str,
        dest: impl AsRef<Path>,
        branch: Option<&RefName>,
    ) -> Result<Repo, GitError> {
        let path = self.mirror_path(name)?;
        if !path.exists() {
            self.refresh(name, url)?;
        }
        let mut command = GitCommand::new(&self.git)
            .args(["clone", "--quiet", "--shared", "--config"])
            .arg(format!("remote.origin.pushurl={url}"))
            // A work tree lives for one run: housekeeping after each commit would be wasted.
            .args([
                "--config",
                "gc.auto=0",
                "--config",
                "maintenance.auto=false",
            ]);
        if let Some(branch) = branch {
            command = command.arg("--branch").arg(branch.as_str());
        }
        let dest = dest.as_ref();
        command.arg("--").arg(&path).arg(dest).run()?;
        Repo::open(self.git.clone(), dest)
    }

    /// Clones into a temporary directory and renames it into place, so that an interrupted
    /// clone never leaves a half-made mirror that later refreshes would trust.
    fn create(&self, path: &Path, url: &str) -> Result<Repo, GitError> {
        fs::create_dir_all(&self.root).map_err(|source| GitError::Io {
            action: "create the mirror directory",
            path: self.root.clone(),
            source,
        })?;
        let file_name = path.file_name().unwrap_or_default().to_string_lossy();
        let temporary = self.root.join(format!(
            ".{file_name}.tmp-{}-{}",
            std::process::id(),
            TEMPORARY_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        GitCommand::new(&self.git)
            .args(["clone", "--bare", "--quiet", "--", url])
            .arg(&temporary)
            .run()?;
        if let Err(source) = fs::rename(&temporary, path) {
            // Another process created the mirror meanwhile: use theirs.
            let _ = fs::remove_dir_all(&temporary);
            if !path.exists() {
                return Err(GitError::Io {
                    action: "move the new mirror into place at",
                    path: path.to_owned(),
                    source,
                });
            }
        }
        Repo::open(self.git.clone(), path)
    }

    fn lock_for(&self, name: &str) -> Arc<Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(locks.entry(name.to_owned()).or_default())
    }
}
