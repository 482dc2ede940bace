use crate::{AuditEntry, NewAuditEntry, StoreFuture};

/// The audit log part of [`Store`](crate::Store): appended to, never changed.
pub trait AuditStore: Send + Sync {
    /// Appends an entry dated now.
    fn record_audit<'a>(&'a self, entry: &'a NewAuditEntry) -> StoreFuture<'a, AuditEntry>;

    /// Up to `limit` entries, newest first.
    fn audit_log(&self, limit: u32) -> StoreFuture<'_, Vec<AuditEntry>>;
}
