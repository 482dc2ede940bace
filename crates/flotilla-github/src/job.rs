use serde::{Deserialize, Serialize};

use crate::conclusion::Conclusion;
use crate::run_status::RunStatus;
use crate::workflow_run::null_as_empty;

/// A job of a workflow run (`GET /repos/{owner}/{repo}/actions/runs/{id}/jobs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: u64,
    pub run_id: u64,
    pub name: String,
    pub status: RunStatus,
    pub conclusion: Option<Conclusion>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub html_url: String,
}
