//! Turns `SQLite` rows into the store's records, reporting unreadable values as
//! [`StoreError::Corrupt`] instead of panicking.

use jiff::Timestamp;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Row, Sqlite, Type};

use crate::{
    ApiToken, Artifact, ArtifactKind, AuditEntry, Deployment, DeploymentStatus, Event, EventStatus,
    Id, Lease, LeaseHolder, Run, RunStatus, Step, StepStatus, StoreError, Train, TrainDriver,
    TrainKind, TrainLease, TrainStatus,
};

/// Reads the columns of one record from a row; `prefix` selects aliased columns (`s_id`) when a
/// join returns two records in one row.
pub(crate) struct RowReader<'r> {
    row: &'r SqliteRow,
    table: &'static str,
    prefix: &'static str,
}

impl<'r> RowReader<'r> {
    pub(crate) fn new(row: &'r SqliteRow, table: &'static str) -> Self {
        Self::prefixed(row, table, "")
    }

    pub(crate) fn prefixed(row: &'r SqliteRow, table: &'static str, prefix: &'static str) -> Self {
        Self { row, table, prefix }
    }

    fn corrupt(&self, column: &str, reason: &dyn std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            table: self.table,
            column: column.to_owned(),
            reason: reason.to_string(),
        }
    }

    fn get<T>(&self, column: &str) -> Result<T, StoreError>
    where
        T: Decode<'r, Sqlite> + Type<Sqlite>,
    {
        let name = format!("{}{column}", self.prefix);
        self.row
            .try_get(name.as_str())
            .map_err(|source| self.corrupt(column, &source))
    }

    fn id(&self, column: &str) -> Result<Id, StoreError> {
        self.get(column).map(Id::from_stored)
    }

    fn optional_id(&self, column: &str) -> Result<Option<Id>, StoreError> {
        Ok(self.get::<Option<String>>(column)?.map(Id::from_stored))
    }

    fn timestamp(&self, column: &str) -> Result<Timestamp, StoreError> {
        let millis: i64 = self.get(column)?;
        Timestamp::from_millisecond(millis).map_err(|error| self.corrupt(column, &error))
    }

    fn optional_timestamp(&self, column: &str) -> Result<Option<Timestamp>, StoreError> {
        self.get::<Option<i64>>(column)?
            .map(|millis| {
                Timestamp::from_millisecond(millis).map_err(|error| self.corrupt(column, &error))
            })
            .transpose()
    }

    fn json(&self, column: &str) -> Result<serde_json::Value, StoreError> {
        let text: String = self.get(column)?;
        serde_json::from_str(&text).map_err(|error| self.corrupt(column, &error))
    }

    fn optional_json(&self, column: &str) -> Result<Option<serde_json::Value>, StoreError> {
        self.get::<Option<String>>(column)?
            .map(|text| serde_json::from_str(&text).map_err(|error| self.corrupt(column, &error)))
            .transpose()
    }

    fn parsed<T>(&self, column: &str, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
        let text: String = self.get(column)?;
        parse(&text).ok_or_else(|| self.corrupt(column, &format!("unknown value {text:?}")))
    }

    /// Whether the record is absent (the nullable side of a LEFT JOIN).
    pub(crate) fn is_null(&self) -> Result<bool, StoreError> {
        Ok(self.get::<Option<String>>("id")?.is_none())
    }

    pub(crate) fn train(&self) -> Result<Train, StoreError> {
        Ok(Train {
            id: self.id("id")?,
            kind: self.parsed("kind", TrainKind::parse)?,
            version: self.get("version")?,
            request: self.json("request")?,
            status: self.parsed("status", TrainStatus::parse)?,
            created_at: self.timestamp("created_ms")?,
            updated_at: self.timestamp("updated_ms")?,
        })
    }

    pub(crate) fn run(&self) -> Result<Run, StoreError> {
        Ok(Run {
            id: self.id("id")?,
            train_id: self.optional_id("train_id")?,
            repo: self.get("repo")?,
            event: self.get("event")?,
            version: self.get("version")?,
            wave: self.get("wave")?,
            status: self.parsed("status", RunStatus::parse)?,
            blocked_by: self.get("blocked_by")?,
            error: self.get("error")?,
            created_at: self.timestamp("created_ms")?,
            started_at: self.optional_timestamp("started_ms")?,
            ended_at: self.optional_timestamp("ended_ms")?,
        })
    }

    pub(crate) fn step(&self) -> Result<Step, StoreError> {
        Ok(Step {
            id: self.id("id")?,
            run_id: self.id("run_id")?,
            idx: self.get("idx")?,
            kind: self.get("kind")?,
            description: self.get("description")?,
            status: self.parsed("status", StepStatus::parse)?,
            attempt: self.get("attempt")?,
            started_at: self.optional_timestamp("started_ms")?,
            ended_at: self.optional_timestamp("ended_ms")?,
            exit_code: self.get("exit_code")?,
            log_path: self.get("log_path")?,
            detail: self.optional_json("detail")?,
        })
    }

    pub(crate) fn artifact(&self) -> Result<Artifact, StoreError> {
        Ok(Artifact {
            id: self.id("id")?,
            run_id: self.id("run_id")?,
            kind: self.parsed("kind", ArtifactKind::parse)?,
            name: self.get("name")?,
            version: self.get("version")?,
            digest: self.get("digest")?,
            target: self.get("target")?,
            created_at: self.timestamp("created_ms")?,
        })
    }

    pub(crate) fn event(&self) -> Result<Event, StoreError> {
        Ok(Event {
            id: self.id("id")?,
            source: self.get("source")?,
            delivery_id: self.get("delivery_id")?,
            kind: self.get("kind")?,
            payload: self.json("payload")?,
            received_at: self.timestamp("received_ms")?,
            processed_at: self.optional_timestamp("processed_ms")?,
            status: self.parsed("status", EventStatus::parse)?,
            error: self.get("error")?,
        })
    }

    pub(crate) fn deployment(&self) -> Result<Deployment, StoreError> {
        Ok(Deployment {
            id: self.id("id")?,
            service: self.get("service")?,
            environment: self.get("environment")?,
            version: self.get("version")?,
            image: self.get("image")?,
            digest: self.get("digest")?,
            trigger: self.get("trigger")?,
            status: self.parsed("status", DeploymentStatus::parse)?,
            requested_by: self.get("requested_by")?,
            decided_by: self.get("decided_by")?,
            decided_at: self.optional_timestamp("decided_ms")?,
            expires_at: self.optional_timestamp("expires_ms")?,
            created_at: self.timestamp("created_ms")?,
            started_at: self.optional_timestamp("started_ms")?,
            finished_at: self.optional_timestamp("finished_ms")?,
            error: self.get("error")?,
            detail: self.optional_json("detail")?,
        })
    }

    pub(crate) fn lease(&self) -> Result<Lease, StoreError> {
        Ok(Lease {
            repo: self.get("repo")?,
            holder: LeaseHolder {
                train: self.id("train_id")?,
                pid: self.get("pid")?,
                host: self.get("host")?,
            },
            acquired_at: self.timestamp("acquired_ms")?,
            expires_at: self.timestamp("expires_ms")?,
        })
    }

    pub(crate) fn train_lease(&self) -> Result<TrainLease, StoreError> {
        Ok(TrainLease {
            train: self.id("train_id")?,
            driver: TrainDriver {
                pid: self.get("pid")?,
                host: self.get("host")?,
                started_at: self.timestamp("started_ms")?,
            },
            heartbeat_at: self.timestamp("heartbeat_ms")?,
            expires_at: self.timestamp("expires_ms")?,
        })
    }

    /// A text column, for records assembled from a join.
    pub(crate) fn text(&self, column: &str) -> Result<String, StoreError> {
        self.get(column)
    }

    /// A timestamp column, for records assembled from a join.
    pub(crate) fn at(&self, column: &str) -> Result<Timestamp, StoreError> {
        self.timestamp(column)
    }

    pub(crate) fn api_token(&self) -> Result<ApiToken, StoreError> {
        Ok(ApiToken {
            id: self.id("id")?,
            name: self.get("name")?,
            role: self.get("role")?,
            created_at: self.timestamp("created_ms")?,
            revoked_at: self.optional_timestamp("revoked_ms")?,
            last_used_at: self.optional_timestamp("last_used_ms")?,
        })
    }

    pub(crate) fn audit_entry(&self) -> Result<AuditEntry, StoreError> {
        Ok(AuditEntry {
            id: self.id("id")?,
            at: self.timestamp("at_ms")?,
            actor: self.get("actor")?,
            action: self.get("action")?,
            target: self.get("target")?,
            detail: self.optional_json("detail")?,
        })
    }
}
