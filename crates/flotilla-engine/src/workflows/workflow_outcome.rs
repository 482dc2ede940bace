use flotilla_core::workflows::WorkflowDrift;
use flotilla_git::Oid;

use super::workflow_sync_error::WorkflowSyncError;

/// What `check` or `sync` found or did in one repository.
#[derive(Debug)]
pub struct WorkflowOutcome {
    pub repo: String,
    /// What differed from the rendering (for `sync`: before its commit); `None` on error.
    pub drift: Option<WorkflowDrift>,
    /// The sync commit pushed to the default branch.
    pub commit: Option<Oid>,
    pub error: Option<WorkflowSyncError>,
}

impl WorkflowOutcome {
    pub fn drifted(&self) -> bool {
        self.drift.as_ref().is_some_and(|d| !d.is_clean())
    }
}
