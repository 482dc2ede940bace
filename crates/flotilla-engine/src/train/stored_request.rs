//! What a train stores to be resumed: its request and the exact plan it executes.

use flotilla_core::plan::{Plan, Request};
use flotilla_store::Train;
use serde::{Deserialize, Serialize};

use crate::engine_error::EngineError;

/// The request and the plan of a train, so resume needs neither the remotes' state nor today's
/// manifest to know what was promised.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoredRequest {
    pub request: Request,
    pub plan: Plan,
    /// Commit dates of the train, so commits made again on resume are identical.
    pub commit_date: String,
    /// The stored event that started the train (`flotilla serve`), so that the event processed
    /// again after a crash attaches to this train instead of starting another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Who started the train: the token's name (API, dashboard) or the local user (CLI);
    /// `None` for a train an event started. Four-eyes environments refuse them as approver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
}

impl StoredRequest {
    /// The stored request of `train`.
    pub fn of(train: &Train) -> Result<Self, EngineError> {
        serde_json::from_value(train.request.clone())
            .map_err(|e| EngineError::StoredPlan(e.to_string()))
    }
}
