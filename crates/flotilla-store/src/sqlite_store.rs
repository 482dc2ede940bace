use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use sqlx::error::ErrorKind;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::row_reader::RowReader;
use crate::{
    Artifact, ArtifactRecord, Deployment, DeploymentStatus, Event, EventReceipt, EventStatus,
    HandledEvent, Id, Lease, NewArtifact, NewDeployment, NewEvent, NewRun, NewStep, NewTrain, Run,
    RunStatus, RunWithLastStep, Step, StepOutcome, StepStatus, Store, StoreError, Train,
    TrainStatus, schema,
};

// Column lists as macros so that `concat!` can build `&'static str` queries from them.
macro_rules! train_columns {
    () => {
        "id, kind, version, request, status, created_ms, updated_ms"
    };
}
macro_rules! run_columns {
    () => {
        "id, train_id, repo, event, version, wave, status, blocked_by, error, created_ms, \
         started_ms, ended_ms"
    };
}
macro_rules! step_columns {
    () => {
        "id, run_id, idx, kind, description, status, attempt, started_ms, ended_ms, exit_code, \
         log_path, detail"
    };
}
macro_rules! artifact_columns {
    () => {
        "id, run_id, kind, name, version, digest, target, created_ms"
    };
}
macro_rules! event_columns {
    () => {
        "id, source, delivery_id, kind, payload, received_ms, processed_ms, status, error"
    };
}
macro_rules! deployment_columns {
    () => {
        "id, service, environment, version, image, digest, trigger, status, requested_by, \
         decided_by, decided_ms, expires_ms, created_ms, started_ms, finished_ms, error, detail"
    };
}
/// The order in which deployments of one service and environment succeeded, last first: the
/// one that finished last is what runs there (creation breaks ties within a millisecond).
macro_rules! succeeded_last_first {
    () => {
        "finished_ms DESC, created_ms DESC, id DESC"
    };
}

mod event_batch;

/// Waiting this long for another connection's write lock covers any of our transactions (they
/// are all short), so light contention between processes never surfaces as "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Readers do not block each other in WAL mode; writers queue on `SQLite`'s lock.
const MAX_CONNECTIONS: u32 = 4;

/// How many candidates an ambiguous id prefix error lists.
const PREFIX_CANDIDATES: u32 = 5;

/// [`Store`] in a `SQLite` database file, `<state dir>/state.db`.
///
/// Several handles (in one process or several) may open the same file. Every multi-statement
/// write runs in a `BEGIN IMMEDIATE` transaction: it takes the write lock up front (waiting
/// through `busy_timeout`), so it never fails half-way on an upgrade from reader to writer.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// The conventional state directory, relative to the working directory.
    pub const STATE_DIR: &str = ".flotilla";

    /// The database file inside the state directory.
    pub const DB_FILE: &str = "state.db";

    /// Opens (creating the directory and the database if missing) `<state_dir>/state.db` and
    /// brings its schema up to date.
    ///
    /// Connections use WAL (readers never wait for a writer), `synchronous = FULL` (a committed
    /// `step_started` survives a power loss, which the crash-safety protocol relies on), foreign
    /// keys, and a busy timeout.
    pub async fn open(state_dir: &Path) -> Result<Self, StoreError> {
        tokio::fs::create_dir_all(state_dir)
            .await
            .map_err(|source| StoreError::CreateDir {
                path: state_dir.to_path_buf(),
                source,
            })?;
        let path = state_dir.join(Self::DB_FILE);
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        // Switching a new database to WAL takes an exclusive lock for which SQLite does not
        // call the busy handler, so two processes creating the state at once can see "database
        // is locked" here: retry briefly instead of failing.
        let mut attempt = 0;
        let pool = loop {
            match SqlitePoolOptions::new()
                .max_connections(MAX_CONNECTIONS)
                .connect_with(options.clone())
                .await
            {
                Ok(pool) => break pool,
                Err(source) if attempt < 50 && is_locked(&source) => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                Err(source) => {
                    return Err(StoreError::Open {
                        path: path.clone(),
                        source,
                    });
                }
            }
        };
        schema::migrate(&pool, &path).await?;
        Ok(Self { pool, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version this build of flotilla creates and reads.
    pub fn schema_version() -> i64 {
        schema::latest_version()
    }

    /// Waits for in-flight queries and closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn write_tx(
        &self,
        operation: &'static str,
    ) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::query(operation))
    }
}

async fn commit(tx: Transaction<'_, Sqlite>, operation: &'static str) -> Result<(), StoreError> {
    tx.commit().await.map_err(StoreError::query(operation))
}

fn is_locked(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.message().contains("database is locked"))
}

fn now_millis() -> i64 {
    Timestamp::now().as_millisecond()
}

fn not_found(entity: &'static str, id: &Id) -> StoreError {
    StoreError::NotFound {
        entity,
        id: id.to_string(),
    }
}

/// Reports an insert whose referenced parent row is missing as that parent not being found.
fn missing_parent(
    operation: &'static str,
    entity: &'static str,
    id: &Id,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| {
        let is_foreign_key = source
            .as_database_error()
            .is_some_and(|error| error.kind() == ErrorKind::ForeignKeyViolation);
        if is_foreign_key {
            not_found(entity, id)
        } else {
            StoreError::Query { operation, source }
        }
    }
}

/// The `LIKE` pattern of the ids starting with `id_or_prefix` (any case), or `None` when it
/// cannot start an id.
fn id_prefix_pattern(id_or_prefix: &str) -> Option<String> {
    let prefix = id_or_prefix.trim().to_ascii_uppercase();
    // Ids are alphanumeric, so anything else matches nothing (and needs no LIKE escaping).
    (!prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| format!("{prefix}%"))
}

fn prefix_not_found(entity: &'static str, id_or_prefix: &str) -> StoreError {
    StoreError::NotFound {
        entity,
        id: id_or_prefix.to_owned(),
    }
}

/// The one record an id prefix matched; `matches` holds up to [`PREFIX_CANDIDATES`] of them.
fn unique_match<T>(
    entity: &'static str,
    id_or_prefix: &str,
    mut matches: Vec<T>,
    id_of: fn(T) -> Id,
) -> Result<T, StoreError> {
    match matches.len() {
        0 => Err(prefix_not_found(entity, id_or_prefix)),
        1 => Ok(matches.remove(0)),
        _ => Err(StoreError::AmbiguousPrefix {
            entity,
            prefix: id_or_prefix.to_owned(),
            candidates: matches.into_iter().map(id_of).collect(),
        }),
    }
}

fn invalid(entity: &'static str, id: &Id, from: &'static str, to: &'static str) -> StoreError {
    StoreError::InvalidTransition {
        entity,
        id: id.clone(),
        from,
        to,
    }
}

/// The active train holding (kind, version), other than `except`.
async fn active_train(
    tx: &mut Transaction<'_, Sqlite>,
    kind: &str,
    version: &str,
    except: Option<&Id>,
    operation: &'static str,
) -> Result<Option<Train>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        train_columns!(),
        " FROM trains WHERE kind = $1 AND version = $2 AND status IN ('pending', 'running') \
         AND ($3 IS NULL OR id <> $3)"
    ))
    .bind(kind)
    .bind(version)
    .bind(except.map(Id::as_str))
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

async fn run_status(
    tx: &mut Transaction<'_, Sqlite>,
    id: &Id,
    operation: &'static str,
) -> Result<RunStatus, StoreError> {
    let row = sqlx::query("SELECT status FROM runs WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(&mut **tx)
        .await
        .map_err(StoreError::query(operation))?
        .ok_or_else(|| not_found("run", id))?;
    let text: String = sqlx::Row::try_get(&row, 0).map_err(StoreError::query(operation))?;
    RunStatus::parse(&text).ok_or_else(|| StoreError::Corrupt {
        table: "runs",
        column: "status".to_owned(),
        reason: format!("unknown value {text:?}"),
    })
}

async fn step_status(
    tx: &mut Transaction<'_, Sqlite>,
    id: &Id,
    operation: &'static str,
) -> Result<StepStatus, StoreError> {
    let row = sqlx::query("SELECT status FROM steps WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(&mut **tx)
        .await
        .map_err(StoreError::query(operation))?
        .ok_or_else(|| not_found("step", id))?;
    let text: String = sqlx::Row::try_get(&row, 0).map_err(StoreError::query(operation))?;
    StepStatus::parse(&text).ok_or_else(|| StoreError::Corrupt {
        table: "steps",
        column: "status".to_owned(),
        reason: format!("unknown value {text:?}"),
    })
}

/// The deployment `id`, read inside a write transaction so that its status cannot change before
/// the transaction's update.
async fn locked_deployment(
    tx: &mut Transaction<'_, Sqlite>,
    id: &Id,
    operation: &'static str,
) -> Result<Deployment, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        deployment_columns!(),
        " FROM deployments WHERE id = $1"
    ))
    .bind(id.as_str())
    .fetch_optional(&mut **tx)
    .await
    .map_err(StoreError::query(operation))?
    .ok_or_else(|| not_found("deployment", id))?;
    RowReader::new(&row, "deployments").deployment()
}

fn deployments(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<Deployment>, StoreError> {
    rows.iter()
        .map(|row| RowReader::new(row, "deployments").deployment())
        .collect()
}

/// Counts the rows of `table` per status, as one entry for each of `all` (zeros included).
async fn count_by_status<T: Copy + PartialEq>(
    pool: &SqlitePool,
    sql: &'static str,
    table: &'static str,
    all: &[T],
    parse: fn(&str) -> Option<T>,
    operation: &'static str,
) -> Result<Vec<(T, u64)>, StoreError> {
    let counted: Vec<(String, i64)> = sqlx::query_as(sql)
        .fetch_all(pool)
        .await
        .map_err(StoreError::query(operation))?;
    let mut counts: Vec<(T, u64)> = all.iter().map(|&status| (status, 0)).collect();
    for (text, count) in counted {
        let corrupt = |reason: String| StoreError::Corrupt {
            table,
            column: "status".to_owned(),
            reason,
        };
        let status = parse(&text).ok_or_else(|| corrupt(format!("unknown value {text:?}")))?;
        let count = u64::try_from(count).map_err(|error| corrupt(error.to_string()))?;
        if let Some(entry) = counts.iter_mut().find(|(known, _)| *known == status) {
            entry.1 = count;
        }
    }
    Ok(counts)
}

impl Store for SqliteStore {
    async fn create_train(&self, train: &NewTrain) -> Result<Train, StoreError> {
        const OP: &str = "creating a train";
        let mut tx = self.write_tx(OP).await?;
        if let Some(active) =
            active_train(&mut tx, train.kind.as_str(), &train.version, None, OP).await?
        {
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
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query(OP))?;
        let created = RowReader::new(&row, "trains").train()?;
        commit(tx, OP).await?;
        Ok(created)
    }

    async fn set_train_status(&self, id: &Id, status: TrainStatus) -> Result<Train, StoreError> {
        const OP: &str = "changing a train's status";
        let mut tx = self.write_tx(OP).await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            train_columns!(),
            " FROM trains WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(StoreError::query(OP))?
        .ok_or_else(|| not_found("train", id))?;
        let current = RowReader::new(&row, "trains").train()?;
        if current.status == TrainStatus::Succeeded && status != TrainStatus::Succeeded {
            return Err(invalid(
                "train",
                id,
                current.status.as_str(),
                status.as_str(),
            ));
        }
        if status.is_active() {
            let holder = active_train(
                &mut tx,
                current.kind.as_str(),
                &current.version,
                Some(id),
                OP,
            )
            .await?;
            if let Some(active) = holder {
                return Err(conflict(active));
            }
        }
        let row = sqlx::query(concat!(
            "UPDATE trains SET status = $1, updated_ms = $2 WHERE id = $3 RETURNING ",
            train_columns!()
        ))
        .bind(status.as_str())
        .bind(now_millis())
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query(OP))?;
        let updated = RowReader::new(&row, "trains").train()?;
        commit(tx, OP).await?;
        Ok(updated)
    }

    async fn train(&self, id_or_prefix: &str) -> Result<Train, StoreError> {
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
    }

    async fn latest_train(&self) -> Result<Option<Train>, StoreError> {
        Ok(self.list_trains(1).await?.into_iter().next())
    }

    async fn list_trains(&self, limit: u32) -> Result<Vec<Train>, StoreError> {
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
    }

    async fn create_run(&self, run: &NewRun) -> Result<Run, StoreError> {
        const OP: &str = "creating a run";
        let train_id = run.train_id.as_ref();
        let row = sqlx::query(concat!(
            "INSERT INTO runs (id, train_id, repo, event, version, wave, status, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) RETURNING ",
            run_columns!()
        ))
        .bind(Id::generate().as_str())
        .bind(train_id.map(Id::as_str))
        .bind(&run.repo)
        .bind(&run.event)
        .bind(&run.version)
        .bind(run.wave)
        .bind(now_millis())
        .fetch_one(&self.pool)
        .await
        .map_err(|source| match train_id {
            Some(train_id) => missing_parent(OP, "train", train_id)(source),
            None => StoreError::Query {
                operation: OP,
                source,
            },
        })?;
        RowReader::new(&row, "runs").run()
    }

    async fn run(&self, id: &Id) -> Result<Run, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::query("looking up a run"))?
        .ok_or_else(|| not_found("run", id))?;
        RowReader::new(&row, "runs").run()
    }

    async fn run_started(&self, id: &Id) -> Result<Run, StoreError> {
        const OP: &str = "starting a run";
        let mut tx = self.write_tx(OP).await?;
        let from = run_status(&mut tx, id, OP).await?;
        if from.is_done() {
            return Err(invalid(
                "run",
                id,
                from.as_str(),
                RunStatus::Running.as_str(),
            ));
        }
        let row = sqlx::query(concat!(
            "UPDATE runs SET status = 'running', started_ms = $1, ended_ms = NULL, error = NULL, \
             blocked_by = NULL WHERE id = $2 RETURNING ",
            run_columns!()
        ))
        .bind(now_millis())
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query(OP))?;
        let run = RowReader::new(&row, "runs").run()?;
        commit(tx, OP).await?;
        Ok(run)
    }

    async fn run_finished(
        &self,
        id: &Id,
        status: RunStatus,
        error: Option<&str>,
    ) -> Result<Run, StoreError> {
        const OP: &str = "finishing a run";
        let mut tx = self.write_tx(OP).await?;
        let from = run_status(&mut tx, id, OP).await?;
        let ending = matches!(
            status,
            RunStatus::Succeeded | RunStatus::Failed | RunStatus::Skipped | RunStatus::Cancelled
        );
        if from.is_done() || !ending {
            return Err(invalid("run", id, from.as_str(), status.as_str()));
        }
        let row = sqlx::query(concat!(
            "UPDATE runs SET status = $1, error = $2, ended_ms = $3 WHERE id = $4 RETURNING ",
            run_columns!()
        ))
        .bind(status.as_str())
        .bind(error)
        .bind(now_millis())
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query(OP))?;
        let run = RowReader::new(&row, "runs").run()?;
        commit(tx, OP).await?;
        Ok(run)
    }

    async fn run_blocked(&self, id: &Id, blocked_by: &str) -> Result<Run, StoreError> {
        const OP: &str = "blocking a run";
        let mut tx = self.write_tx(OP).await?;
        let from = run_status(&mut tx, id, OP).await?;
        if from.is_done() {
            return Err(invalid(
                "run",
                id,
                from.as_str(),
                RunStatus::Blocked.as_str(),
            ));
        }
        let row = sqlx::query(concat!(
            "UPDATE runs SET status = 'blocked', blocked_by = $1, ended_ms = $2 WHERE id = $3 \
             RETURNING ",
            run_columns!()
        ))
        .bind(blocked_by)
        .bind(now_millis())
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query(OP))?;
        let run = RowReader::new(&row, "runs").run()?;
        commit(tx, OP).await?;
        Ok(run)
    }

    async fn runs_of_train(&self, train_id: &Id) -> Result<Vec<RunWithLastStep>, StoreError> {
        // The last step is picked by a correlated subquery (portable, unlike DISTINCT ON).
        let rows = sqlx::query(
            "SELECT r.id, r.train_id, r.repo, r.event, r.version, r.wave, r.status, r.blocked_by, \
                    r.error, r.created_ms, r.started_ms, r.ended_ms, \
                    s.id AS s_id, s.run_id AS s_run_id, s.idx AS s_idx, s.kind AS s_kind, \
                    s.description AS s_description, s.status AS s_status, \
                    s.attempt AS s_attempt, s.started_ms AS s_started_ms, \
                    s.ended_ms AS s_ended_ms, s.exit_code AS s_exit_code, \
                    s.log_path AS s_log_path, s.detail AS s_detail \
             FROM runs r \
             LEFT JOIN steps s ON s.id = ( \
                 SELECT last.id FROM steps last \
                 WHERE last.run_id = r.id AND last.status <> 'pending' \
                 ORDER BY last.idx DESC LIMIT 1) \
             WHERE r.train_id = $1 \
             ORDER BY r.wave, r.created_ms, r.id",
        )
        .bind(train_id.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("listing the runs of a train"))?;
        rows.iter()
            .map(|row| {
                let step = RowReader::prefixed(row, "steps", "s_");
                Ok(RunWithLastStep {
                    run: RowReader::new(row, "runs").run()?,
                    last_step: if step.is_null()? {
                        None
                    } else {
                        Some(step.step()?)
                    },
                })
            })
            .collect()
    }

    async fn unfinished_runs(&self, train_id: &Id) -> Result<Vec<Run>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            run_columns!(),
            " FROM runs WHERE train_id = $1 AND status NOT IN ('succeeded', 'skipped') \
             ORDER BY wave, created_ms, id"
        ))
        .bind(train_id.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("listing the unfinished runs of a train"))?;
        rows.iter()
            .map(|row| RowReader::new(row, "runs").run())
            .collect()
    }

    async fn add_steps(&self, run_id: &Id, steps: &[NewStep]) -> Result<Vec<Step>, StoreError> {
        const OP: &str = "recording the steps of a run";
        let mut tx = self.write_tx(OP).await?;
        let mut added = Vec::with_capacity(steps.len());
        for step in steps {
            let row = sqlx::query(concat!(
                "INSERT INTO steps (id, run_id, idx, kind, description, status) \
                 VALUES ($1, $2, $3, $4, $5, 'pending') RETURNING ",
                step_columns!()
            ))
            .bind(Id::generate().as_str())
            .bind(run_id.as_str())
            .bind(step.idx)
            .bind(&step.kind)
            .bind(&step.description)
            .fetch_one(&mut *tx)
            .await
            .map_err(|source| {
                let duplicate = source
                    .as_database_error()
                    .is_some_and(|error| error.kind() == ErrorKind::UniqueViolation);
                if duplicate {
                    StoreError::DuplicateStep {
                        run_id: run_id.clone(),
                        idx: step.idx,
                    }
                } else {
                    missing_parent(OP, "run", run_id)(source)
                }
            })?;
            added.push(RowReader::new(&row, "steps").step()?);
        }
        commit(tx, OP).await?;
        Ok(added)
    }

    async fn step_started(
        &self,
        id: &Id,
        log_path: Option<&str>,
        detail: Option<&serde_json::Value>,
    ) -> Result<Step, StoreError> {
        const OP: &str = "recording the start of a step";
        let mut tx = self.write_tx(OP).await?;
        let from = step_status(&mut tx, id, OP).await?;
        if from.is_done() {
            return Err(invalid(
                "step",
                id,
                from.as_str(),
                StepStatus::Running.as_str(),
            ));
        }
        let row = sqlx::query(concat!(
            "UPDATE steps SET status = 'running', attempt = attempt + 1, started_ms = $1, \
             ended_ms = NULL, exit_code = NULL, log_path = COALESCE($2, log_path), \
             detail = COALESCE($3, detail) WHERE id = $4 RETURNING ",
            step_columns!()
        ))
        .bind(now_millis())
        .bind(log_path)
        .bind(detail.map(serde_json::Value::to_string))
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query(OP))?;
        let step = RowReader::new(&row, "steps").step()?;
        commit(tx, OP).await?;
        Ok(step)
    }

    async fn step_finished(&self, id: &Id, outcome: &StepOutcome) -> Result<Step, StoreError> {
        const OP: &str = "recording the end of a step";
        let mut tx = self.write_tx(OP).await?;
        let from = step_status(&mut tx, id, OP).await?;
        let allowed = match (from, outcome.status) {
            (StepStatus::Running, to) => to.is_done() || to == StepStatus::Failed,
            (StepStatus::Pending, StepStatus::Skipped) => true,
            _ => false,
        };
        if !allowed {
            return Err(invalid("step", id, from.as_str(), outcome.status.as_str()));
        }
        let row = sqlx::query(concat!(
            "UPDATE steps SET status = $1, ended_ms = $2, exit_code = $3, \
             detail = COALESCE($4, detail) WHERE id = $5 RETURNING ",
            step_columns!()
        ))
        .bind(outcome.status.as_str())
        .bind(now_millis())
        .bind(outcome.exit_code)
        .bind(outcome.detail.as_ref().map(serde_json::Value::to_string))
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query(OP))?;
        let step = RowReader::new(&row, "steps").step()?;
        commit(tx, OP).await?;
        Ok(step)
    }

    async fn steps_of_run(&self, run_id: &Id) -> Result<Vec<Step>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            step_columns!(),
            " FROM steps WHERE run_id = $1 ORDER BY idx"
        ))
        .bind(run_id.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("listing the steps of a run"))?;
        rows.iter()
            .map(|row| RowReader::new(row, "steps").step())
            .collect()
    }

    async fn record_artifact(&self, artifact: &NewArtifact) -> Result<ArtifactRecord, StoreError> {
        const OP: &str = "recording an artifact";
        let inserted = sqlx::query(concat!(
            "INSERT INTO artifacts (id, run_id, kind, name, version, digest, target, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (kind, name, version, target, digest) DO NOTHING RETURNING ",
            artifact_columns!()
        ))
        .bind(Id::generate().as_str())
        .bind(artifact.run_id.as_str())
        .bind(artifact.kind.as_str())
        .bind(&artifact.name)
        .bind(&artifact.version)
        .bind(&artifact.digest)
        .bind(&artifact.target)
        .bind(now_millis())
        .fetch_optional(&self.pool)
        .await
        .map_err(missing_parent(OP, "run", &artifact.run_id))?;
        if let Some(row) = inserted {
            return Ok(ArtifactRecord::New(
                RowReader::new(&row, "artifacts").artifact()?,
            ));
        }
        // Artifacts are never deleted on their own, so the conflicting row is still there.
        let row = sqlx::query(concat!(
            "SELECT ",
            artifact_columns!(),
            " FROM artifacts WHERE kind = $1 AND name = $2 AND version = $3 AND target = $4 \
             AND digest = $5"
        ))
        .bind(artifact.kind.as_str())
        .bind(&artifact.name)
        .bind(&artifact.version)
        .bind(&artifact.target)
        .bind(&artifact.digest)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::query(OP))?;
        Ok(ArtifactRecord::Existing(
            RowReader::new(&row, "artifacts").artifact()?,
        ))
    }

    async fn artifacts_of_run(&self, run_id: &Id) -> Result<Vec<Artifact>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            artifact_columns!(),
            " FROM artifacts WHERE run_id = $1 ORDER BY created_ms, id"
        ))
        .bind(run_id.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("listing the artifacts of a run"))?;
        rows.iter()
            .map(|row| RowReader::new(row, "artifacts").artifact())
            .collect()
    }

    async fn artifacts_of_train(&self, train_id: &Id) -> Result<Vec<Artifact>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.run_id, a.kind, a.name, a.version, a.digest, a.target, a.created_ms \
             FROM artifacts a JOIN runs r ON r.id = a.run_id \
             WHERE r.train_id = $1 ORDER BY a.created_ms, a.id",
        )
        .bind(train_id.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("listing the artifacts of a train"))?;
        rows.iter()
            .map(|row| RowReader::new(row, "artifacts").artifact())
            .collect()
    }

    async fn record_event(&self, event: &NewEvent) -> Result<EventReceipt, StoreError> {
        self.record_events(std::slice::from_ref(event))
            .await?
            .pop()
            .ok_or(StoreError::Corrupt {
                table: "events",
                column: "id".into(),
                reason: "recording one event returned no receipt".into(),
            })
    }

    async fn record_events(&self, events: &[NewEvent]) -> Result<Vec<EventReceipt>, StoreError> {
        self.record_and_mark_events(events, &[]).await
    }

    async fn events_handled(&self, handled: &[HandledEvent]) -> Result<(), StoreError> {
        self.record_and_mark_events(&[], handled).await.map(drop)
    }

    async fn record_and_mark_events(
        &self,
        events: &[NewEvent],
        handled: &[HandledEvent],
    ) -> Result<Vec<EventReceipt>, StoreError> {
        const OP: &str = "recording events";
        if events.is_empty() && handled.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.write_tx(OP).await?;
        let receipts = event_batch::record(&mut tx, events).await?;
        event_batch::mark(&mut tx, handled).await?;
        commit(tx, OP).await?;
        Ok(receipts)
    }

    async fn event_handled(
        &self,
        id: &Id,
        status: EventStatus,
        error: Option<&str>,
    ) -> Result<Event, StoreError> {
        const OP: &str = "recording the handling of an event";
        if status == EventStatus::Received {
            let event = sqlx::query(concat!(
                "SELECT ",
                event_columns!(),
                " FROM events WHERE id = $1"
            ))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::query(OP))?
            .ok_or_else(|| not_found("event", id))?;
            let from = RowReader::new(&event, "events").event()?.status;
            return Err(invalid("event", id, from.as_str(), status.as_str()));
        }
        let row = sqlx::query(concat!(
            "UPDATE events SET status = $1, error = $2, processed_ms = $3 WHERE id = $4 \
             RETURNING ",
            event_columns!()
        ))
        .bind(status.as_str())
        .bind(error)
        .bind(now_millis())
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::query(OP))?
        .ok_or_else(|| not_found("event", id))?;
        RowReader::new(&row, "events").event()
    }

    async fn unhandled_events(&self) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            event_columns!(),
            " FROM events WHERE status = 'received' ORDER BY received_ms, id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("listing unhandled events"))?;
        rows.iter()
            .map(|row| RowReader::new(row, "events").event())
            .collect()
    }

    async fn events_by_status(
        &self,
        status: EventStatus,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            event_columns!(),
            " FROM events WHERE status = $1 ORDER BY received_ms DESC, id DESC LIMIT $2"
        ))
        .bind(status.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("listing events by status"))?;
        rows.iter()
            .map(|row| RowReader::new(row, "events").event())
            .collect()
    }

    async fn count_events_by_status(&self) -> Result<Vec<(EventStatus, u64)>, StoreError> {
        count_by_status(
            &self.pool,
            "SELECT status, COUNT(*) FROM events GROUP BY status",
            "events",
            EventStatus::ALL,
            EventStatus::parse,
            "counting events by status",
        )
        .await
    }

    async fn count_runs_by_status(&self) -> Result<Vec<(RunStatus, u64)>, StoreError> {
        count_by_status(
            &self.pool,
            "SELECT status, COUNT(*) FROM runs GROUP BY status",
            "runs",
            RunStatus::ALL,
            RunStatus::parse,
            "counting runs by status",
        )
        .await
    }

    async fn acquire_repo_lease(
        &self,
        repo: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Lease, StoreError> {
        const OP: &str = "acquiring a repository lease";
        let now = now_millis();
        let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        // Beyond the representable range the lease would be unreadable; cap it there.
        let expires = now.saturating_add(ttl).min(Timestamp::MAX.as_millisecond());
        let mut tx = self.write_tx(OP).await?;
        // One statement takes a free or expired lease, or renews our own (keeping its start);
        // SET expressions see the old row.
        let taken = sqlx::query(
            "INSERT INTO repo_leases (repo, holder, acquired_ms, expires_ms) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (repo) DO UPDATE SET \
                 acquired_ms = CASE WHEN repo_leases.holder = excluded.holder \
                     THEN repo_leases.acquired_ms ELSE excluded.acquired_ms END, \
                 holder = excluded.holder, \
                 expires_ms = excluded.expires_ms \
             WHERE repo_leases.holder = excluded.holder \
                OR repo_leases.expires_ms <= excluded.acquired_ms \
             RETURNING repo, holder, acquired_ms, expires_ms",
        )
        .bind(repo)
        .bind(holder)
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
            "SELECT repo, holder, acquired_ms, expires_ms FROM repo_leases WHERE repo = $1",
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
    }

    async fn release_repo_lease(&self, repo: &str, holder: &str) -> Result<bool, StoreError> {
        let result = sqlx::query("DELETE FROM repo_leases WHERE repo = $1 AND holder = $2")
            .bind(repo)
            .bind(holder)
            .execute(&self.pool)
            .await
            .map_err(StoreError::query("releasing a repository lease"))?;
        Ok(result.rows_affected() > 0)
    }

    async fn create_deployment(
        &self,
        deployment: &NewDeployment,
    ) -> Result<Deployment, StoreError> {
        let status = if deployment.needs_approval {
            DeploymentStatus::Pending
        } else {
            DeploymentStatus::Approved
        };
        let row = sqlx::query(concat!(
            "INSERT INTO deployments (id, service, environment, version, image, digest, trigger, \
             status, requested_by, expires_ms, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ",
            deployment_columns!()
        ))
        .bind(Id::generate().as_str())
        .bind(&deployment.service)
        .bind(&deployment.environment)
        .bind(&deployment.version)
        .bind(&deployment.image)
        .bind(&deployment.digest)
        .bind(&deployment.trigger)
        .bind(status.as_str())
        .bind(&deployment.requested_by)
        .bind(deployment.expires_at.map(Timestamp::as_millisecond))
        .bind(now_millis())
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::query("recording a deployment"))?;
        RowReader::new(&row, "deployments").deployment()
    }

    async fn deployment(&self, id_or_prefix: &str) -> Result<Deployment, StoreError> {
        let pattern = id_prefix_pattern(id_or_prefix)
            .ok_or_else(|| prefix_not_found("deployment", id_or_prefix))?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            deployment_columns!(),
            " FROM deployments WHERE id LIKE $1 ORDER BY id LIMIT $2"
        ))
        .bind(pattern)
        .bind(PREFIX_CANDIDATES)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("looking up a deployment"))?;
        unique_match(
            "deployment",
            id_or_prefix,
            deployments(&rows)?,
            |deployment| deployment.id,
        )
    }

    async fn decide_deployment(
        &self,
        id: &Id,
        approve: bool,
        by: &str,
    ) -> Result<Deployment, StoreError> {
        const OP: &str = "deciding on a deployment";
        let to = if approve {
            DeploymentStatus::Approved
        } else {
            DeploymentStatus::Rejected
        };
        let mut tx = self.write_tx(OP).await?;
        let current = locked_deployment(&mut tx, id, OP).await?;
        if current.status != DeploymentStatus::Pending {
            return Err(invalid(
                "deployment",
                id,
                current.status.as_str(),
                to.as_str(),
            ));
        }
        let now = now_millis();
        if let Some(expires_at) = current
            .expires_at
            .filter(|expires_at| expires_at.as_millisecond() <= now)
        {
            // Recorded even though the call fails: the approval queue must not offer it again.
            sqlx::query(
                "UPDATE deployments SET status = 'expired', finished_ms = $1 WHERE id = $2",
            )
            .bind(now)
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?;
            commit(tx, OP).await?;
            return Err(StoreError::DeploymentExpired {
                id: id.clone(),
                expires_at,
            });
        }
        let row = sqlx::query(concat!(
            "UPDATE deployments SET status = $1, decided_by = $2, decided_ms = $3, \
             finished_ms = $4 WHERE id = $5 RETURNING ",
            deployment_columns!()
        ))
        .bind(to.as_str())
        .bind(by)
        .bind(now)
        .bind((!approve).then_some(now))
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query(OP))?;
        let decided = RowReader::new(&row, "deployments").deployment()?;
        commit(tx, OP).await?;
        Ok(decided)
    }

    async fn deployment_started(&self, id: &Id) -> Result<Deployment, StoreError> {
        const OP: &str = "recording the start of a deployment";
        let mut tx = self.write_tx(OP).await?;
        let from = locked_deployment(&mut tx, id, OP).await?.status;
        if from != DeploymentStatus::Approved {
            return Err(invalid(
                "deployment",
                id,
                from.as_str(),
                DeploymentStatus::Running.as_str(),
            ));
        }
        let row = sqlx::query(concat!(
            "UPDATE deployments SET status = 'running', started_ms = $1 WHERE id = $2 RETURNING ",
            deployment_columns!()
        ))
        .bind(now_millis())
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query(OP))?;
        let started = RowReader::new(&row, "deployments").deployment()?;
        commit(tx, OP).await?;
        Ok(started)
    }

    async fn deployment_finished(
        &self,
        id: &Id,
        status: DeploymentStatus,
        error: Option<&str>,
        detail: Option<&serde_json::Value>,
    ) -> Result<Deployment, StoreError> {
        const OP: &str = "recording the end of a deployment";
        let mut tx = self.write_tx(OP).await?;
        let from = locked_deployment(&mut tx, id, OP).await?.status;
        let ending = matches!(
            status,
            DeploymentStatus::Succeeded | DeploymentStatus::Failed | DeploymentStatus::Skipped
        );
        if from != DeploymentStatus::Running || !ending {
            return Err(invalid("deployment", id, from.as_str(), status.as_str()));
        }
        let row = sqlx::query(concat!(
            "UPDATE deployments SET status = $1, error = $2, detail = COALESCE($3, detail), \
             finished_ms = $4 WHERE id = $5 RETURNING ",
            deployment_columns!()
        ))
        .bind(status.as_str())
        .bind(error)
        .bind(detail.map(serde_json::Value::to_string))
        .bind(now_millis())
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::query(OP))?;
        let finished = RowReader::new(&row, "deployments").deployment()?;
        commit(tx, OP).await?;
        Ok(finished)
    }

    async fn supersede_pending(
        &self,
        service: &str,
        environment: &str,
        except: &Id,
    ) -> Result<u64, StoreError> {
        const OP: &str = "superseding older deployments";
        let mut tx = self.write_tx(OP).await?;
        let newer = locked_deployment(&mut tx, except, OP).await?;
        // "Older" in the history's order (creation time, then id), so that what it supersedes
        // is what the history lists below `except`.
        let superseded = sqlx::query(
            "UPDATE deployments SET status = 'superseded', finished_ms = $1 \
             WHERE service = $2 AND environment = $3 AND status IN ('pending', 'approved') \
             AND (created_ms < $4 OR (created_ms = $4 AND id < $5))",
        )
        .bind(now_millis())
        .bind(service)
        .bind(environment)
        .bind(newer.created_at.as_millisecond())
        .bind(except.as_str())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::query(OP))?
        .rows_affected();
        commit(tx, OP).await?;
        Ok(superseded)
    }

    async fn current_deployment(
        &self,
        service: &str,
        environment: &str,
    ) -> Result<Option<Deployment>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            deployment_columns!(),
            " FROM deployments WHERE service = $1 AND environment = $2 \
             AND status = 'succeeded' ORDER BY ",
            succeeded_last_first!(),
            " LIMIT 1"
        ))
        .bind(service)
        .bind(environment)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::query("looking up the current deployment"))?;
        row.map(|row| RowReader::new(&row, "deployments").deployment())
            .transpose()
    }

    async fn deployment_history(
        &self,
        service: &str,
        environment: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Deployment>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            deployment_columns!(),
            " FROM deployments WHERE service = $1 AND ($2 IS NULL OR environment = $2) \
             ORDER BY created_ms DESC, id DESC LIMIT $3"
        ))
        .bind(service)
        .bind(environment)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("listing the deployment history"))?;
        deployments(&rows)
    }

    async fn previous_successful(
        &self,
        service: &str,
        environment: &str,
    ) -> Result<Option<Deployment>, StoreError> {
        // The current deployment is the first succeeded one, so every other succeeded one is
        // before it; without a current one the version comparison is NULL and matches nothing.
        let row = sqlx::query(concat!(
            "SELECT ",
            deployment_columns!(),
            " FROM deployments WHERE service = $1 AND environment = $2 \
             AND status = 'succeeded' AND version <> ( \
                 SELECT version FROM deployments WHERE service = $1 AND environment = $2 \
                 AND status = 'succeeded' ORDER BY ",
            succeeded_last_first!(),
            " LIMIT 1) ORDER BY ",
            succeeded_last_first!(),
            " LIMIT 1"
        ))
        .bind(service)
        .bind(environment)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::query(
            "looking up the previous successful deployment",
        ))?;
        row.map(|row| RowReader::new(&row, "deployments").deployment())
            .transpose()
    }

    async fn pending_deployments(&self) -> Result<Vec<Deployment>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            deployment_columns!(),
            " FROM deployments WHERE status = 'pending' ORDER BY created_ms, id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("listing pending deployments"))?;
        deployments(&rows)
    }

    async fn expire_pending(&self, now: Timestamp) -> Result<Vec<Deployment>, StoreError> {
        let rows = sqlx::query(concat!(
            "UPDATE deployments SET status = 'expired', finished_ms = $1 \
             WHERE status = 'pending' AND expires_ms <= $2 RETURNING ",
            deployment_columns!()
        ))
        .bind(now_millis())
        .bind(now.as_millisecond())
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("expiring pending deployments"))?;
        let mut expired = deployments(&rows)?;
        // RETURNING gives no order.
        expired.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(expired)
    }

    async fn deployment_matrix(&self) -> Result<Vec<Deployment>, StoreError> {
        // A correlated subquery picks each pair's current deployment (portable, unlike
        // DISTINCT ON).
        let rows = sqlx::query(concat!(
            "SELECT ",
            deployment_columns!(),
            " FROM deployments d WHERE d.id = ( \
                 SELECT c.id FROM deployments c WHERE c.service = d.service \
                 AND c.environment = d.environment AND c.status = 'succeeded' \
                 ORDER BY c.finished_ms DESC, c.created_ms DESC, c.id DESC LIMIT 1) \
             ORDER BY d.service, d.environment"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("listing what runs where"))?;
        deployments(&rows)
    }
}
