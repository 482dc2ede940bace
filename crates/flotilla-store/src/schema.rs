//! Embedded migrations and their runner.
//!
//! sqlx's `Migrator` is not used: on `SQLite` its lock is a no-op, so two processes opening a
//! fresh state directory at once would both apply the first migration and one would fail. Here
//! all pending migrations run in one `BEGIN IMMEDIATE` transaction, which serializes openers
//! through `SQLite`'s write lock (and `busy_timeout`), and the `schema_version` table records what
//! was applied. This also avoids the `macros` feature (a proc-macro build) for one `include_str!`.

use std::path::Path;

use sqlx::SqlitePool;

use crate::StoreError;

struct Migration {
    version: i64,
    description: &'static str,
    sql: &'static str,
}

/// In version order; never edit an applied migration, add a new one.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "trains, runs, steps, artifacts, events, repo leases",
        sql: include_str!("../migrations/sqlite/0001_initial.sql"),
    },
    Migration {
        version: 2,
        description: "deployments and their approvals",
        sql: include_str!("../migrations/sqlite/0002_deployments.sql"),
    },
    Migration {
        version: 3,
        description: "lease holders as train, pid and host",
        sql: include_str!("../migrations/sqlite/0003_lease_holders.sql"),
    },
    Migration {
        version: 4,
        description: "train leases: the process driving each train",
        sql: include_str!("../migrations/sqlite/0004_train_leases.sql"),
    },
    Migration {
        version: 5,
        description: "replay keys: digests of verified delivery bodies",
        sql: include_str!("../migrations/sqlite/0005_replay_keys.sql"),
    },
    Migration {
        version: 6,
        description: "api tokens (hashed), sessions and the audit log",
        sql: include_str!("../migrations/sqlite/0006_people.sql"),
    },
    Migration {
        version: 7,
        description: "a journal of deployment changes, for readers that keep the fleet's view",
        sql: include_str!("../migrations/sqlite/0007_deployment_changes.sql"),
    },
    Migration {
        version: 8,
        description: "requests to cancel a train another process drives",
        sql: include_str!("../migrations/sqlite/0008_train_cancel_requests.sql"),
    },
];

/// The schema version this build writes.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |migration| migration.version)
}

/// Brings the database at `path` to the latest schema version; idempotent.
pub(crate) async fn migrate(pool: &SqlitePool, path: &Path) -> Result<(), StoreError> {
    let open_error = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(open_error)?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version     INTEGER PRIMARY KEY,
            description TEXT NOT NULL,
            applied_ms  INTEGER NOT NULL
        )",
    )
    .execute(&mut *tx)
    .await
    .map_err(open_error)?;
    let current: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        .fetch_one(&mut *tx)
        .await
        .map_err(open_error)?;
    let known = latest_version();
    if current > known {
        return Err(StoreError::SchemaTooNew {
            path: path.to_path_buf(),
            found: current,
            known,
        });
    }
    let migrate_error = |version| {
        move |source| StoreError::Migrate {
            path: path.to_path_buf(),
            version,
            source,
        }
    };
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        sqlx::raw_sql(migration.sql)
            .execute(&mut *tx)
            .await
            .map_err(migrate_error(migration.version))?;
        sqlx::query(
            "INSERT INTO schema_version (version, description, applied_ms) VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(migration.description)
        .bind(jiff::Timestamp::now().as_millisecond())
        .execute(&mut *tx)
        .await
        .map_err(migrate_error(migration.version))?;
    }
    tx.commit().await.map_err(migrate_error(known))
}
