use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::git_error::GitError;

/// An exclusive advisory lock on one mirror, held by whoever updates it, across processes.
///
/// git guards each ref with a `*.lock` file that it removes when it finishes; a git killed
/// mid-fetch (`kill -9` of flotilla's process group) leaves them behind, and every later fetch
/// into that mirror then fails with "cannot lock ref". Whoever holds this lock is the only
/// writer of the mirror, so the `*.lock` files it finds are such leftovers and it removes them.
/// Released on drop (the kernel releases it when a process dies).
pub(crate) struct MirrorLock {
    _file: File,
}

impl MirrorLock {
    /// Waits for the lock of the mirror at `mirror` (a `….git` directory), then clears what
    /// killed gits left in it.
    pub(crate) fn acquire(mirror: &Path) -> Result<Self, GitError> {
        let path = lock_path(mirror);
        let io = |action, source| GitError::Io {
            action,
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io("open the mirror's lock file", e))?;
        file.lock().map_err(|e| io("lock the mirror", e))?;
        remove_stale_git_locks(mirror).map_err(|(path, source)| GitError::Io {
            action: "remove a lock file a killed git left in the mirror",
            path,
            source,
        })?;
        Ok(Self { _file: file })
    }
}

/// `<name>.git.flotilla-lock` beside the mirror: outside it, so git never sees it.
fn lock_path(mirror: &Path) -> PathBuf {
    let mut name = mirror.file_name().unwrap_or_default().to_os_string();
    name.push(".flotilla-lock");
    mirror.with_file_name(name)
}

/// Removes the `*.lock` files at the top of the mirror (`HEAD.lock`, `packed-refs.lock`,
/// `config.lock`, `shallow.lock`) and under `refs/`.
fn remove_stale_git_locks(mirror: &Path) -> Result<(), (PathBuf, std::io::Error)> {
    remove_locks_in(mirror, false)?;
    remove_locks_in(&mirror.join("refs"), true)
}

fn remove_locks_in(dir: &Path, recurse: bool) -> Result<(), (PathBuf, std::io::Error)> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err((dir.to_owned(), e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| (dir.to_owned(), e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| (path.clone(), e))?;
        if kind.is_dir() {
            if recurse {
                remove_locks_in(&path, true)?;
            }
        } else if path.extension().is_some_and(|e| e == "lock") {
            match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err((path, e)),
                _ => {}
            }
        }
    }
    Ok(())
}
