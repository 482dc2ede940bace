//! What `flotilla import` reports as each repository is read.

use serde::Serialize;

/// One repository read (or not): sent as each finishes, in completion order.
#[derive(Debug, Clone, Serialize)]
pub struct RepoRead {
    /// How many repositories are done, this one included.
    pub done: usize,
    pub total: usize,
    pub name: String,
    pub branches: usize,
    pub tags: usize,
    pub files: usize,
    /// Why it could not be read, when it could not.
    pub error: Option<String>,
}
