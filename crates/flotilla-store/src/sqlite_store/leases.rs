use std::time::Duration;

use jiff::Timestamp;
use sqlx::{Sqlite, Transaction};

use super::database::{SqliteStore, commit, missing_parent, now_millis};
use crate::row_reader::RowReader;
use crate::{Id, Lease, LeaseHolder, LeaseStore, StoreError, StoreFuture, TrainDriver, TrainLease};

/// now + `ttl` in milliseconds, capped where a timestamp can still be read back (whole
/// milliseconds: `Timestamp::MAX` has a fraction that `from_millisecond` refuses).
fn expiry(now: i64, ttl: Duration) -> i64 {
    let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
    let latest = Timestamp::MAX.as_second().saturating_mul(1000);
    now.saturating_add(ttl).min(latest)
}

/// Takes (or renews) the lease on `train` for `driver` inside `tx`; a live lease of another
/// driver fails with [`StoreError::TrainDriven`].
pub(super) async fn take_train_lease(
    tx: &mut Transaction<'_, Sqlite>,
    train: &Id,
    driver: &TrainDriver,
    ttl: Duration,
    operation: &'static str,
) -> Result<TrainLease, StoreError> {
    let now = now_millis();
    // One statement takes a free or expired lease, or renews our own; SET expressions see the
    // old row.
    let taken = sqlx::query(
        "INSERT INTO train_leases (train_id, pid, host, started_ms, heartbeat_ms, expires_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (train_id) DO UPDATE SET \
             pid = excluded.pid, \
             host = excluded.host, \
             started_ms = excluded.started_ms, \
             heartbeat_ms = excluded.heartbeat_ms, \
             expires_ms = excluded.expires_ms \
         WHERE (train_leases.pid = excluded.pid AND train_leases.host = excluded.host \
                AND train_leases.started_ms = excluded.started_ms) \
            OR train_leases.expires_ms <= excluded.heartbeat_ms \
         RETURNING train_id, pid, host, started_ms, heartbeat_ms, expires_ms",
    )
    .bind(train.as_str())
    .bind(driver.pid)
    .bind(&driver.host)
    .bind(driver.started_at.as_millisecond())
    .bind(now)
    .bind(expiry(now, ttl))
    .fetch_optional(&mut **tx)
    .await
    .map_err(missing_parent(operation, "train", train))?;
    if let Some(row) = taken {
        return RowReader::new(&row, "train_leases").train_lease();
    }
    // Same transaction: the live lease that refused us cannot have changed.
    let row = sqlx::query(
        "SELECT train_id, pid, host, started_ms, heartbeat_ms, expires_ms FROM train_leases \
         WHERE train_id = $1",
    )
    .bind(train.as_str())
    .fetch_one(&mut **tx)
    .await
    .map_err(StoreError::query(operation))?;
    let lease = RowReader::new(&row, "train_leases").train_lease()?;
    Err(StoreError::TrainDriven {
        train: lease.train,
        driver: lease.driver,
        heartbeat_at: lease.heartbeat_at,
    })
}

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
            let expires = expiry(now, ttl);
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

    fn acquire_train_lease<'a>(
        &'a self,
        train: &'a Id,
        driver: &'a TrainDriver,
        ttl: Duration,
    ) -> StoreFuture<'a, TrainLease> {
        Box::pin(async move {
            const OP: &str = "acquiring a train lease";
            let mut tx = self.write_tx(OP).await?;
            let lease = take_train_lease(&mut tx, train, driver, ttl, OP).await?;
            commit(tx, OP).await?;
            Ok(lease)
        })
    }

    fn release_train_lease<'a>(
        &'a self,
        train: &'a Id,
        driver: &'a TrainDriver,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let result = sqlx::query(
                "DELETE FROM train_leases WHERE train_id = $1 AND pid = $2 AND host = $3 \
                 AND started_ms = $4",
            )
            .bind(train.as_str())
            .bind(driver.pid)
            .bind(&driver.host)
            .bind(driver.started_at.as_millisecond())
            .execute(&self.pool)
            .await
            .map_err(StoreError::query("releasing a train lease"))?;
            Ok(result.rows_affected() > 0)
        })
    }

    fn train_lease<'a>(&'a self, train: &'a Id) -> StoreFuture<'a, Option<TrainLease>> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT train_id, pid, host, started_ms, heartbeat_ms, expires_ms \
                 FROM train_leases WHERE train_id = $1",
            )
            .bind(train.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::query("reading a train lease"))?;
            row.map(|row| RowReader::new(&row, "train_leases").train_lease())
                .transpose()
        })
    }
}
