//! `flotilla workflows check | sync`: the fleet's rendered GitHub Actions workflows against the
//! repositories' default branches.

mod repo_workflows;
mod workflow_fleet;
mod workflow_outcome;
mod workflow_sync_error;

pub use repo_workflows::{RepoWorkflows, SYNC_SUBJECT};
pub use workflow_fleet::WorkflowFleet;
pub use workflow_outcome::WorkflowOutcome;
pub use workflow_sync_error::WorkflowSyncError;
