use std::fs::{self, File, OpenOptions};
use std::path::Path;

use crate::{PublishError, Result};

/// Name of the lock file a target keeps in the directory it guards.
pub(crate) const LOCK_FILE: &str = ".flotilla.lock";

/// An exclusive advisory lock on a target directory, held while an index is read, changed and
/// written back, so that two publishes (threads or processes) never lose each other's update.
/// Released on drop.
pub(crate) struct DirLock {
    _file: File,
}

impl DirLock {
    pub(crate) fn acquire(dir: &Path) -> Result<Self> {
        fs::create_dir_all(dir).map_err(|e| PublishError::io("create directory", dir, e))?;
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| PublishError::io("open lock file", &path, e))?;
        file.lock()
            .map_err(|e| PublishError::io("lock", &path, e))?;
        Ok(Self { _file: file })
    }
}
