//! A file's digest as publishing reads it: a read failure is a `PublishError` naming the file.
//! Apart from `digest.rs` because `PublishError` holds digests.

use std::path::Path;

use crate::{Digest, PublishError, Result};

/// The digest and length of the file at `path`.
pub(crate) fn file_digest(path: &Path) -> Result<(Digest, u64)> {
    Digest::of_file(path).map_err(|e| PublishError::io("read", path, e))
}
