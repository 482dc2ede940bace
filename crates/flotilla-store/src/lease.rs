use jiff::Timestamp;
use serde::Serialize;

use crate::LeaseHolder;

/// Exclusive right of one holder (a process, a worker) to operate on a repository until
/// `expires_at`; a holder that dies loses it when it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lease {
    pub repo: String,
    pub holder: LeaseHolder,
    pub acquired_at: Timestamp,
    pub expires_at: Timestamp,
}
