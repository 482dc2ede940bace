use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use flotilla_core::RetryPolicy;
use jiff::Timestamp;
use sqlx::error::ErrorKind;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::{Id, Store, StoreError, schema};

/// Waiting this long for another connection's write lock covers any of our transactions (they
/// are all short), so light contention between processes never surfaces as "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opening a new database while another process switches it to WAL: about a second of short
/// waits.
const WAL_SWITCH: RetryPolicy =
    RetryPolicy::new(51, Duration::from_millis(20), Duration::from_millis(20));

/// Readers do not block each other in WAL mode; writers queue on `SQLite`'s lock.
const MAX_CONNECTIONS: u32 = 4;

/// [`Store`] in a `SQLite` database file, `<state dir>/state.db`.
///
/// Several handles (in one process or several) may open the same file. Every multi-statement
/// write runs in a `BEGIN IMMEDIATE` transaction: it takes the write lock up front (waiting
/// through `busy_timeout`), so it never fails half-way on an upgrade from reader to writer.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
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
                Err(source) if WAL_SWITCH.allows_another(attempt + 1) && is_locked(&source) => {
                    attempt += 1;
                    tokio::time::sleep(WAL_SWITCH.backoff(attempt)).await;
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

    pub(super) async fn write_tx(
        &self,
        operation: &'static str,
    ) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::query(operation))
    }
}

impl Store for SqliteStore {
    fn close(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(Self::close(self))
    }
}

pub(super) async fn commit(
    tx: Transaction<'_, Sqlite>,
    operation: &'static str,
) -> Result<(), StoreError> {
    tx.commit().await.map_err(StoreError::query(operation))
}

fn is_locked(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.message().contains("database is locked"))
}

pub(super) fn now_millis() -> i64 {
    Timestamp::now().as_millisecond()
}

pub(super) fn not_found(entity: &'static str, id: &Id) -> StoreError {
    StoreError::NotFound {
        entity,
        id: id.to_string(),
    }
}

/// Reports an insert whose referenced parent row is missing as that parent not being found.
pub(super) fn missing_parent(
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
