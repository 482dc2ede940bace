use super::database::{SqliteStore, now_millis};
use crate::row_reader::RowReader;
use crate::{AuditEntry, AuditStore, Id, NewAuditEntry, StoreError, StoreFuture};

impl AuditStore for SqliteStore {
    fn record_audit<'a>(&'a self, entry: &'a NewAuditEntry) -> StoreFuture<'a, AuditEntry> {
        Box::pin(async move {
            let row = sqlx::query(concat!(
                "INSERT INTO audit_log (id, at_ms, actor, action, target, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
                audit_columns!()
            ))
            .bind(Id::generate().as_str())
            .bind(now_millis())
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.target)
            .bind(entry.detail.as_ref().map(ToString::to_string))
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::query("recording an audit entry"))?;
            RowReader::new(&row, "audit_log").audit_entry()
        })
    }

    fn audit_log(&self, limit: u32) -> StoreFuture<'_, Vec<AuditEntry>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                audit_columns!(),
                " FROM audit_log ORDER BY at_ms DESC, id DESC LIMIT $1"
            ))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("reading the audit log"))?;
            rows.iter()
                .map(|row| RowReader::new(row, "audit_log").audit_entry())
                .collect()
        })
    }
}
