use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};
use tar::{EntryType, Header};

use crate::source_tree::{EntryKind, SourceEntry};
use crate::{PublishError, Result};

/// A tar stream whose bytes depend only on the paths and contents given: every entry gets the
/// same mtime, owner 0:0 with empty names, and mode 0755 or 0644 (0755 for directories and for
/// files with any executable bit).
pub(crate) struct ReproducibleTar<W: Write> {
    builder: tar::Builder<W>,
    mtime: u64,
    archive: PathBuf,
}

impl<W: Write> ReproducibleTar<W> {
    /// `archive` names the archive being written, for error messages.
    pub(crate) fn new(writer: W, mtime: u64, archive: &Path) -> Self {
        Self {
            builder: tar::Builder::new(writer),
            mtime,
            archive: archive.to_path_buf(),
        }
    }

    fn header(&self, entry_type: EntryType, mode: u32, size: u64) -> Header {
        let mut header = Header::new_ustar();
        header.set_entry_type(entry_type);
        header.set_mode(mode);
        header.set_size(size);
        header.set_mtime(self.mtime);
        header.set_uid(0);
        header.set_gid(0);
        header.set_device_major(0).ok();
        header.set_device_minor(0).ok();
        header
    }

    pub(crate) fn append_dir(&mut self, path: &str) -> Result<()> {
        let mut header = self.header(EntryType::Directory, 0o755, 0);
        self.builder
            .append_data(&mut header, path, io::empty())
            .map_err(|e| PublishError::io("write archive", &self.archive, e))
    }

    pub(crate) fn append_bytes(&mut self, path: &str, data: &[u8], executable: bool) -> Result<()> {
        let mut header = self.header(EntryType::Regular, mode(executable), data.len() as u64);
        self.builder
            .append_data(&mut header, path, data)
            .map_err(|e| PublishError::io("write archive", &self.archive, e))
    }

    /// Streams `src` into the archive; `size` is the length scanned earlier, and a file that
    /// changed length since is an error rather than a corrupt archive.
    pub(crate) fn append_file(
        &mut self,
        path: &str,
        src: &Path,
        executable: bool,
        size: u64,
    ) -> Result<()> {
        let file = File::open(src).map_err(|e| PublishError::io("read", src, e))?;
        let mut header = self.header(EntryType::Regular, mode(executable), size);
        let reader = ExactReader {
            inner: file.take(size),
            remaining: size,
        };
        self.builder
            .append_data(&mut header, path, reader)
            .map_err(|e| PublishError::io("archive", src, e))
    }

    pub(crate) fn append_symlink(&mut self, path: &str, target: &str) -> Result<()> {
        let mut header = self.header(EntryType::Symlink, 0o777, 0);
        self.builder
            .append_link(&mut header, path, target)
            .map_err(|e| PublishError::io("write archive", &self.archive, e))
    }

    /// Adds a scanned entry under `path`.
    pub(crate) fn append_entry(&mut self, path: &str, entry: &SourceEntry) -> Result<()> {
        match &entry.kind {
            EntryKind::Dir => self.append_dir(path),
            EntryKind::File { executable, size } => {
                self.append_file(path, &entry.path, *executable, *size)
            }
            EntryKind::Symlink { target } => self.append_symlink(path, target),
        }
    }

    /// Writes the end-of-archive marker and returns the writer.
    pub(crate) fn finish(self) -> Result<W> {
        self.builder
            .into_inner()
            .map_err(|e| PublishError::io("write archive", &self.archive, e))
    }
}

fn mode(executable: bool) -> u32 {
    if executable { 0o755 } else { 0o644 }
}

/// A gzip stream with a fixed header: no file name, mtime 0, OS "unknown".
pub(crate) fn gzip<W: Write>(writer: W) -> GzEncoder<W> {
    GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(writer, Compression::new(6))
}

/// Yields exactly `remaining` bytes or fails: a file that shrank while it was archived would
/// otherwise leave an entry shorter than its header says.
struct ExactReader<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file changed while it was being archived",
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_normalised() {
        let mut tar = ReproducibleTar::new(Vec::new(), 1234, Path::new("test.tar"));
        tar.append_dir("d").unwrap();
        tar.append_bytes("d/run", b"#!/bin/sh\n", true).unwrap();
        tar.append_bytes("d/data", b"x", false).unwrap();
        let bytes = tar.finish().unwrap();
        let mut archive = tar::Archive::new(&bytes[..]);
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let header = entry.header();
            assert_eq!(header.mtime().unwrap(), 1234);
            assert_eq!(header.uid().unwrap(), 0);
            assert_eq!(header.gid().unwrap(), 0);
            assert_eq!(header.username().unwrap(), Some(""));
            seen.push((
                entry.path().unwrap().to_string_lossy().into_owned(),
                header.mode().unwrap(),
            ));
        }
        assert_eq!(
            seen,
            [
                ("d".to_owned(), 0o755),
                ("d/run".to_owned(), 0o755),
                ("d/data".to_owned(), 0o644)
            ]
        );
    }

    #[test]
    fn a_file_shorter_than_scanned_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"abc").unwrap();
        let mut tar = ReproducibleTar::new(Vec::new(), 0, Path::new("test.tar"));
        assert!(tar.append_file("f", &file, false, 10).is_err());
    }
}
