use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{Cursor, Read};
use std::path::Path;

use reqwest::blocking::Body;

use crate::{PublishError, Result};

/// A `multipart/form-data` body of text fields and one file, streamed from disk: the file is
/// never read into memory, whatever its size.
pub(crate) struct MultipartForm {
    boundary: String,
    head: Vec<u8>,
}

impl MultipartForm {
    pub(crate) fn new(fields: &[(String, String)]) -> Self {
        let state = std::collections::hash_map::RandomState::new();
        let (mut a, mut b) = (state.build_hasher(), state.build_hasher());
        a.write_u8(1);
        b.write_u8(2);
        let boundary = format!("flotilla-{:016x}{:016x}", a.finish(), b.finish());
        let mut head = Vec::new();
        for (name, value) in fields {
            head.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                    .as_bytes(),
            );
            head.extend_from_slice(value.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        Self { boundary, head }
    }

    pub(crate) fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The body with `path` as the file field `name` (sent as `filename`), which must be
    /// `size` bytes long.
    pub(crate) fn body(&self, name: &str, filename: &str, path: &Path, size: u64) -> Result<Body> {
        let mut head = self.head.clone();
        head.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                self.boundary
            )
            .as_bytes(),
        );
        let tail = format!("\r\n--{}--\r\n", self.boundary).into_bytes();
        let file = File::open(path).map_err(|e| PublishError::io("read", path, e))?;
        let len = head.len() as u64 + size + tail.len() as u64;
        let reader = Cursor::new(head)
            .chain(file.take(size))
            .chain(Cursor::new(tail));
        Ok(Body::sized(reader, len))
    }
}
