use std::path::PathBuf;

use crate::{Published, Result};

/// Somewhere Python distributions are uploaded to: a PEP 503 simple-index directory here, a
/// package index's upload API elsewhere.
///
/// A file already published with the same content is success ([`crate::Outcome::Unchanged`]);
/// a different file under a published file name is an error, and nothing is uploaded.
pub trait PythonTarget {
    /// Uploads wheels and sdists, named as their formats say (the name and version are read
    /// from the file name). Returns one record per file, in order.
    fn upload(&self, files: &[PathBuf]) -> Result<Vec<Published>>;

    /// The versions of `project` (any spelling of its name), in PEP 440 order, pre-releases
    /// included; empty when it was never uploaded.
    fn versions(&self, project: &str) -> Result<Vec<String>>;
}
