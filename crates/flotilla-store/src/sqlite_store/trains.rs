use std::time::Duration;

use jiff::Timestamp;

use sqlx::{Sqlite, Transaction};

use super::database::{SqliteStore, commit, now_millis};
use super::id_prefix::{PREFIX_CANDIDATES, id_prefix_pattern, prefix_not_found, unique_match};
use super::leases::take_train_lease;
use super::runs::insert_train_runs;
use super::transition::Transition;
use crate::row_reader::RowReader;
use crate::{
    Id, NewTrain, NewTrainRun, StoreError, StoreFuture, Train, TrainDriver, TrainStatus, TrainStore,
};

/// Records a `pending` train inside `tx`, unless its (kind, version) slot is taken.
async fn insert_train(
    tx: &mut Transaction<'_, Sqlite>,
    train: &NewTrain,
    operation: &'static str,
) -> Result<Train, StoreError> {
    if let Some(active) = active_train(tx, train.kind.as_str(), &train.version, operation).await? {
        return Err(conflict(active));
    }
    let now = now_millis();
    let row = sqlx::query(concat!(
        "INSERT INTO trains (id, kind, version, request, status, created_ms, updated_ms) \
         VALUES ($1, $2, $3, $4, 'pending', $5, $5) RETURNING ",
        train_columns!()
    ))
    .bind(Id::generate().as_str())
    .bind(train.kind.as_str())
    .bind(&train.version)
    .bind(train.request.to_string())
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(StoreError::query(operation))?;
    RowReader::new(&row, "trains").train()
}

/// The active train holding (kind, version).
async fn active_train(
    tx: &mut Transaction<'_, Sqlite>,
    kind: &str,
    version: &str,
    operation: &'static str,
) -> Result<Option<Train>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        train_columns!(),
        " FROM trains WHERE kind = $1 AND version = $2 AND status IN ('pending', 'running')"
    ))
    .bind(kind)
    .bind(version)
    .fetch_optional(&mut **tx)
    .await
    .map_err(StoreError::query(operation))?;
    row.map(|row| RowReader::new(&row, "trains").train())
        .transpose()
}

/// The active train holding the (kind, version) of train `id`, other than it.
async fn other_active_train(
    tx: &mut Transaction<'_, Sqlite>,
    id: &Id,
    operation: &'static str,
) -> Result<Option<Train>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        train_columns!(),
        " FROM trains WHERE (kind, version) = (SELECT kind, version FROM trains WHERE id = $1) \
         AND status IN ('pending', 'running') AND id <> $1"
    ))
    .bind(id.as_str())
    .fetch_optional(&mut **tx)
    .await
    .map_err(StoreError::query(operation))?;
    row.map(|row| RowReader::new(&row, "trains").train())
        .transpose()
}

fn conflict(active: Train) -> StoreError {
    StoreError::TrainConflict {
        kind: active.kind,
        version: active.version,
        active: active.id,
        status: active.status,
    }
}

impl TrainStore for SqliteStore {
    fn create_train<'a>(&'a self, train: &'a NewTrain) -> StoreFuture<'a, Train> {
        Box::pin(async move {
            const OP: &str = "creating a train";
            let mut tx = self.write_tx(OP).await?;
            let created = insert_train(&mut tx, train, OP).await?;
            commit(tx, OP).await?;
            Ok(created)
        })
    }

    fn create_train_with_runs<'a>(
        &'a self,
        train: &'a NewTrain,
        runs: &'a [NewTrainRun],
        driver: &'a TrainDriver,
        ttl: Duration,
    ) -> StoreFuture<'a, Train> {
        Box::pin(async move {
            const OP: &str = "creating a train with its runs";
            let mut tx = self.write_tx(OP).await?;
            let created = insert_train(&mut tx, train, OP).await?;
            insert_train_runs(&mut tx, &created.id, runs, OP).await?;
            take_train_lease(&mut tx, &created.id, driver, ttl, OP).await?;
            commit(tx, OP).await?;
            Ok(created)
        })
    }

    fn set_train_status<'a>(&'a self, id: &'a Id, status: TrainStatus) -> StoreFuture<'a, Train> {
        Box::pin(async move {
            const OP: &str = "changing a train's status";
            let mut change = Transition::begin(self, OP, id, status).await?;
            if status.is_active()
                && let Some(active) = other_active_train(&mut change.tx, id, OP).await?
            {
                return Err(conflict(active));
            }
            let update = sqlx::query(concat!(
                "UPDATE trains SET status = $1, updated_ms = $2, \
                 cancel_requested_ms = CASE WHEN $1 = 'running' THEN NULL ELSE cancel_requested_ms END, \
                 cancel_requested_by = CASE WHEN $1 = 'running' THEN NULL ELSE cancel_requested_by END \
                 WHERE id = $3 RETURNING ",
                train_columns!()
            ))
            .bind(status.as_str())
            .bind(now_millis())
            .bind(id.as_str());
            change.apply(update).await
        })
    }

    fn request_train_cancel<'a>(&'a self, id: &'a Id, by: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let result = sqlx::query(
                "UPDATE trains SET cancel_requested_ms = $1, cancel_requested_by = $2 \
                 WHERE id = $3 AND status = 'running'",
            )
            .bind(now_millis())
            .bind(by)
            .bind(id.as_str())
            .execute(&self.pool)
            .await
            .map_err(StoreError::query("asking to cancel a train"))?;
            Ok(result.rows_affected() > 0)
        })
    }

    fn train_cancel_request<'a>(
        &'a self,
        id: &'a Id,
    ) -> StoreFuture<'a, Option<(String, Timestamp)>> {
        Box::pin(async move {
            const OP: &str = "reading a request to cancel a train";
            let row: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
                "SELECT cancel_requested_by, cancel_requested_ms FROM trains WHERE id = $1",
            )
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::query(OP))?;
            let Some((Some(by), Some(ms))) = row else {
                return Ok(None);
            };
            let at = Timestamp::from_millisecond(ms).map_err(|_| StoreError::Query {
                operation: OP,
                source: sqlx::Error::Decode(format!("not a time: {ms} ms").into()),
            })?;
            Ok(Some((by, at)))
        })
    }

    fn train<'a>(&'a self, id_or_prefix: &'a str) -> StoreFuture<'a, Train> {
        Box::pin(async move {
            let pattern = id_prefix_pattern(id_or_prefix)
                .ok_or_else(|| prefix_not_found("train", id_or_prefix))?;
            let rows = sqlx::query(concat!(
                "SELECT ",
                train_columns!(),
                " FROM trains WHERE id LIKE $1 ORDER BY id LIMIT $2"
            ))
            .bind(pattern)
            .bind(PREFIX_CANDIDATES)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("looking up a train"))?;
            let trains = rows
                .iter()
                .map(|row| RowReader::new(row, "trains").train())
                .collect::<Result<Vec<_>, _>>()?;
            unique_match("train", id_or_prefix, trains, |train| train.id)
        })
    }

    fn latest_train(&self) -> StoreFuture<'_, Option<Train>> {
        Box::pin(async move { Ok(self.list_trains(1).await?.into_iter().next()) })
    }

    fn list_trains(&self, limit: u32) -> StoreFuture<'_, Vec<Train>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                train_columns!(),
                " FROM trains ORDER BY created_ms DESC, id DESC LIMIT $1"
            ))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("listing trains"))?;
            rows.iter()
                .map(|row| RowReader::new(row, "trains").train())
                .collect()
        })
    }
}
