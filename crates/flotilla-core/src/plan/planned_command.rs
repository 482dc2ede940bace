use serde::{Deserialize, Serialize};

/// A repository command as a step runs it: its name (which finds its `env` in the manifest),
/// argv and timeout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedCommand {
    pub name: String,
    pub argv: Vec<String>,
    pub timeout_secs: u64,
}
