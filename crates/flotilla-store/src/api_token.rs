use jiff::Timestamp;
use serde::Serialize;

use crate::Id;

/// A token people and programs authenticate with: its name (who approvals and audit entries
/// record) and role. Its text is never stored, only its SHA-256, so it is not here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: Id,
    pub name: String,
    /// `viewer`, `releaser`, `approver` or `admin`.
    pub role: String,
    pub created_at: Timestamp,
    /// When it stopped being accepted; `None` while it is live.
    pub revoked_at: Option<Timestamp>,
    /// When a request last authenticated with it (or signed in with it).
    pub last_used_at: Option<Timestamp>,
}

/// What [`TokenStore::create_token`](crate::TokenStore::create_token) records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub name: String,
    pub role: String,
    /// The SHA-256 of the token's text, in lowercase hex.
    pub hash: String,
}
