use jiff::Timestamp;
use serde::Serialize;

use crate::Id;

/// One state-changing action: who did what to what.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: Id,
    pub at: Timestamp,
    /// The token's name (or the local user, for the CLI).
    pub actor: String,
    /// What was done: `deployment.approve`, `train.retry`, `token.create`...
    pub action: String,
    /// What it was done to: a deployment or train id, a token name.
    pub target: String,
    pub detail: Option<serde_json::Value>,
}

/// What [`AuditStore::record_audit`](crate::AuditStore::record_audit) records, at now.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: Option<serde_json::Value>,
}
