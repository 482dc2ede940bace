use std::time::Duration;

use jiff::Timestamp;

use super::database::{SqliteStore, commit, now_millis};
use crate::row_reader::RowReader;
use crate::{Lease, LeaseHolder, LeaseStore, StoreError, StoreFuture};

impl LeaseStore for SqliteStore {
    fn acquire_repo_lease<'a>(
        &'a self,
        repo: &'a str,
        holder: &'a LeaseHolder,
        ttl: Duration,
    ) -> StoreFuture<'a, Lease> {
        Box::pin(async move {
            const OP: &str = "acquiring a repository lease";
            let now = now_millis();
            let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
            // Beyond the representable range the lease would be unreadable; cap it there (whole
            // milliseconds: `Timestamp::MAX` has a fraction that `from_millisecond` refuses).
            let latest = Timestamp::MAX.as_second().saturating_mul(1000);
            let expires = now.saturating_add(ttl).min(latest);
            let mut tx = self.write_tx(OP).await?;
            // One statement takes a free or expired lease, or renews our own (keeping its
            // start); SET expressions see the old row.
            let taken = sqlx::query(
                "INSERT INTO repo_leases (repo, train_id, pid, host, acquired_ms, expires_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (repo) DO UPDATE SET \
                     acquired_ms = CASE WHEN repo_leases.train_id = excluded.train_id \
                         AND repo_leases.pid = excluded.pid AND repo_leases.host = excluded.host \
                         THEN repo_leases.acquired_ms ELSE excluded.acquired_ms END, \
                     train_id = excluded.train_id, \
                     pid = excluded.pid, \
                     host = excluded.host, \
                     expires_ms = excluded.expires_ms \
                 WHERE (repo_leases.train_id = excluded.train_id \
                        AND repo_leases.pid = excluded.pid AND repo_leases.host = excluded.host) \
                    OR repo_leases.expires_ms <= excluded.acquired_ms \
                 RETURNING repo, train_id, pid, host, acquired_ms, expires_ms",
            )
            .bind(repo)
            .bind(holder.train.as_str())
            .bind(holder.pid)
            .bind(&holder.host)
            .bind(now)
            .bind(expires)
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?;
            if let Some(row) = taken {
                let lease = RowReader::new(&row, "repo_leases").lease()?;
                commit(tx, OP).await?;
                return Ok(lease);
            }
            // Same transaction: the live lease that refused us cannot have changed.
            let row = sqlx::query(
                "SELECT repo, train_id, pid, host, acquired_ms, expires_ms FROM repo_leases \
                 WHERE repo = $1",
            )
            .bind(repo)
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?;
            let lease = RowReader::new(&row, "repo_leases").lease()?;
            Err(StoreError::LeaseBusy {
                repo: lease.repo,
                holder: lease.holder,
                expires_at: lease.expires_at,
            })
        })
    }

    fn release_repo_lease<'a>(
        &'a self,
        repo: &'a str,
        holder: &'a LeaseHolder,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let result = sqlx::query(
                "DELETE FROM repo_leases WHERE repo = $1 AND train_id = $2 AND pid = $3 \
                 AND host = $4",
            )
            .bind(repo)
            .bind(holder.train.as_str())
            .bind(holder.pid)
            .bind(&holder.host)
            .execute(&self.pool)
            .await
            .map_err(StoreError::query("releasing a repository lease"))?;
            Ok(result.rows_affected() > 0)
        })
    }
}
