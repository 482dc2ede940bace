use std::fs::{self, File};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::hashing_writer::HashingWriter;
use crate::{Digest, PublishError, Result};

/// Distinguishes temporary files of concurrent writers in one process; the pid distinguishes
/// processes.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// A file written under a temporary name and renamed into place, so that readers (and a crash)
/// only ever see the old content or the complete new content.
///
/// Dropped without [`AtomicFile::commit`], it removes its temporary file.
pub(crate) struct AtomicFile {
    file: File,
    temp: PathBuf,
    committed: bool,
}

impl AtomicFile {
    /// A temporary file in `dir`, which must be on the same file system as the final path for
    /// the rename to be atomic: callers pass the final path's directory.
    pub(crate) fn new_in(dir: &Path) -> Result<Self> {
        fs::create_dir_all(dir).map_err(|e| PublishError::io("create directory", dir, e))?;
        let temp = dir.join(format!(
            ".flotilla-{}-{}.tmp",
            std::process::id(),
            NEXT_TEMP.fetch_add(1, Ordering::Relaxed)
        ));
        let file = File::create(&temp).map_err(|e| PublishError::io("create", &temp, e))?;
        Ok(Self {
            file,
            temp,
            committed: false,
        })
    }

    pub(crate) fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Flushes the content to disk and renames it to `dest`, replacing what was there.
    pub(crate) fn commit(mut self, dest: &Path) -> Result<()> {
        self.file
            .sync_all()
            .map_err(|e| PublishError::io("write", &self.temp, e))?;
        fs::rename(&self.temp, dest).map_err(|e| PublishError::io("replace", dest, e))?;
        self.committed = true;
        // The rename is durable only once the directory entry is; not every platform lets a
        // directory be opened for that, and the content is complete either way.
        if let Some(parent) = dest.parent()
            && let Ok(dir) = File::open(parent)
        {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.file.seek(pos)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Replaces `dest` with `contents` atomically.
pub(crate) fn write_atomic(dest: &Path, contents: &[u8]) -> Result<()> {
    let dir = dest.parent().unwrap_or_else(|| Path::new("."));
    let mut file = AtomicFile::new_in(dir)?;
    file.write_all(contents)
        .map_err(|e| PublishError::io("write", file.temp_path().to_path_buf(), e))?;
    file.commit(dest)
}

/// Copies `src` to `dest` atomically, checking on the way that it still has the digest it was
/// hashed with earlier: a file changed in between is refused rather than published.
pub(crate) fn copy_verified(src: &Path, dest: &Path, expected: Digest) -> Result<()> {
    let dir = dest.parent().unwrap_or_else(|| Path::new("."));
    let mut input = File::open(src).map_err(|e| PublishError::io("read", src, e))?;
    let mut output = HashingWriter::new(AtomicFile::new_in(dir)?);
    io::copy(&mut input, &mut output).map_err(|e| PublishError::io("copy", src, e))?;
    let (file, actual, _) = output.finish();
    if actual != expected {
        return Err(PublishError::ChangedSinceBuild {
            path: src.to_path_buf(),
            expected,
            actual,
        });
    }
    file.commit(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("index.json");
        write_atomic(&dest, b"one").unwrap();
        write_atomic(&dest, b"two").unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_abandoned_write_leaves_the_old_content() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("index.json");
        write_atomic(&dest, b"old").unwrap();
        let mut file = AtomicFile::new_in(dir.path()).unwrap();
        file.write_all(b"half").unwrap();
        drop(file);
        assert_eq!(fs::read(&dest).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_copy_with_an_unexpected_digest_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::write(&src, b"changed").unwrap();
        let dest = dir.path().join("dest");
        let err = copy_verified(&src, &dest, Digest::of_bytes(b"original")).unwrap_err();
        assert!(matches!(err, PublishError::ChangedSinceBuild { .. }));
        assert!(!dest.exists());
        copy_verified(&src, &dest, Digest::of_bytes(b"changed")).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"changed");
    }
}
