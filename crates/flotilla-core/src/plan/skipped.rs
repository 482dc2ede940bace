use serde::{Deserialize, Serialize};

/// A repository the request leaves alone, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Skipped {
    pub repo: String,
    pub reason: String,
}
