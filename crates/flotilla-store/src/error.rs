use std::path::PathBuf;

use flotilla_core::Help;
use jiff::Timestamp;

use crate::{Id, LeaseHolder, TrainDriver, TrainKind, TrainStatus};

/// What went wrong while reading or writing flotilla's state.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot create the state directory {path}: {source}; check that its parent exists and is writable"
    )]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "cannot open the state database {path}: {source}; check that the file is a SQLite database and is writable"
    )]
    Open { path: PathBuf, source: sqlx::Error },

    #[error(
        "cannot bring the state database {path} to schema version {version}: {source}; the database was left at the previous version"
    )]
    Migrate {
        path: PathBuf,
        version: i64,
        source: sqlx::Error,
    },

    #[error(
        "the state database {path} has schema version {found}, but this flotilla knows only up to {known}; use a newer flotilla"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    #[error("a {kind} train for version {version} is already {status}: {active}")]
    TrainConflict {
        kind: TrainKind,
        version: String,
        active: Id,
        status: TrainStatus,
    },

    #[error(
        "repository {repo} is leased by {holder} until {expires_at}; another operation is working on it, retry when it finishes or the lease expires"
    )]
    LeaseBusy {
        repo: String,
        holder: LeaseHolder,
        expires_at: Timestamp,
    },

    #[error(
        "train {train} is being driven by {driver}, last heartbeat {heartbeat_at}; two processes must not drive one train"
    )]
    TrainDriven {
        train: Id,
        driver: TrainDriver,
        heartbeat_at: Timestamp,
    },

    #[error(
        "no {entity} {id} in the state database; check the id ({})",
        listing_hint(entity)
    )]
    NotFound { entity: &'static str, id: String },

    #[error(
        "{entity} id prefix {prefix} matches several {entity}s ({}); give more characters",
        candidates.iter().map(Id::as_str).collect::<Vec<_>>().join(", ")
    )]
    AmbiguousPrefix {
        entity: &'static str,
        prefix: String,
        candidates: Vec<Id>,
    },

    #[error(
        "run {run_id} already has a step at index {idx}; a resumed run reuses its recorded steps"
    )]
    DuplicateStep { run_id: Id, idx: u32 },

    #[error(
        "deployment {id} expired at {expires_at} while waiting for approval and can no longer be approved or rejected; request it again"
    )]
    DeploymentExpired { id: Id, expires_at: Timestamp },

    #[error("{entity} {id} is {from} and cannot become {to}")]
    InvalidTransition {
        entity: &'static str,
        id: Id,
        from: &'static str,
        to: &'static str,
    },

    #[error(
        "a live token is already named {name}; revoke it first (`flotilla token revoke {name}`) or choose another name"
    )]
    TokenNameTaken { name: String },

    #[error("{operation} failed in the state database: {source}")]
    Query {
        operation: &'static str,
        source: sqlx::Error,
    },

    #[error(
        "the state database holds an unreadable {column} in {table} ({reason}); it was changed outside flotilla or by an incompatible version"
    )]
    Corrupt {
        table: &'static str,
        column: String,
        reason: String,
    },
}

impl StoreError {
    /// Wraps a database error with the operation that failed, for use with `map_err`.
    pub(crate) fn query(operation: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self::Query { operation, source }
    }
}

impl Help for StoreError {
    fn help(&self) -> Option<String> {
        match self {
            Self::TrainConflict { active, .. } => Some(format!(
                "wait for it to finish; if its process was interrupted, finish it with \
                 `flotilla release resume {active}`"
            )),
            Self::TrainDriven { train, driver, .. } => Some(format!(
                "wait for pid {} on {} to finish (`flotilla release status {train}` shows its \
                 progress); once that process is gone, `flotilla release resume {train}` takes \
                 over: at once on its machine, from another when its heartbeats have stopped \
                 long enough for its lease to expire",
                driver.pid, driver.host
            )),
            _ => None,
        }
    }
}

/// Where a user finds the ids of `entity`.
fn listing_hint(entity: &str) -> &'static str {
    if entity == "deployment" {
        "`flotilla deploy history SERVICE` lists deployments"
    } else if entity == "token" {
        "`flotilla token list` lists tokens"
    } else {
        "`flotilla status` lists trains"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_train_conflict_says_how_to_finish_the_active_train_in_its_help() {
        let active = Id::generate();
        let err = StoreError::TrainConflict {
            kind: TrainKind::Tag,
            version: "1.2.0".to_owned(),
            active: active.clone(),
            status: TrainStatus::Running,
        };
        assert!(!err.to_string().contains("help:"));
        assert_eq!(
            err.help(),
            Some(format!(
                "wait for it to finish; if its process was interrupted, finish it with \
                 `flotilla release resume {active}`"
            ))
        );
    }
}
