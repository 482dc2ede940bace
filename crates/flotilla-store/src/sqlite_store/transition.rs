//! The one way a record's status changes in `SQLite`: read its status inside a write
//! transaction, check the move against the status's rules (`can_become`), update it and read it
//! back (`UPDATE … RETURNING`), commit.

use std::marker::PhantomData;

use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Sqlite, Transaction};

use super::database::{SqliteStore, commit, not_found};
use crate::row_reader::RowReader;
use crate::{
    Deployment, DeploymentStatus, Id, Run, RunStatus, Step, StepStatus, StoreError, Train,
    TrainStatus,
};

/// A status enum as the transition needs it: its table, its rules and its text.
pub(super) trait Status: Copy + Send + 'static {
    const TABLE: &'static str;
    const ENTITY: &'static str;
    const SELECT_STATUS: &'static str;
    fn text(self) -> &'static str;
    fn from_text(text: &str) -> Option<Self>;
    fn can_become(self, next: Self) -> bool;
    /// Whether a record may end in this status (what `…_finished` accepts).
    fn is_outcome(self) -> bool;
    /// The record whose status this is, as the update returns it.
    type Record;
    fn read(row: &RowReader<'_>) -> Result<Self::Record, StoreError>;
}

macro_rules! status {
    ($status:ty, $record:ty, $read:ident, $table:literal, $entity:literal, $is_outcome:expr) => {
        impl Status for $status {
            type Record = $record;
            fn read(row: &RowReader<'_>) -> Result<$record, StoreError> {
                row.$read()
            }
            const TABLE: &'static str = $table;
            const ENTITY: &'static str = $entity;
            const SELECT_STATUS: &'static str =
                concat!("SELECT status FROM ", $table, " WHERE id = $1");
            fn text(self) -> &'static str {
                self.as_str()
            }
            fn from_text(text: &str) -> Option<Self> {
                Self::parse(text)
            }
            fn can_become(self, next: Self) -> bool {
                Self::can_become(self, next)
            }
            fn is_outcome(self) -> bool {
                $is_outcome(self)
            }
        }
    };
}

status!(
    TrainStatus,
    Train,
    train,
    "trains",
    "train",
    |s: TrainStatus| !s.is_active()
);
status!(RunStatus, Run, run, "runs", "run", RunStatus::is_outcome);
status!(
    StepStatus,
    Step,
    step,
    "steps",
    "step",
    StepStatus::is_outcome
);
status!(
    DeploymentStatus,
    Deployment,
    deployment,
    "deployments",
    "deployment",
    DeploymentStatus::is_outcome
);

/// A status change under way: the write transaction that read the record's status, so that
/// nothing changes it before [`apply`](Transition::apply).
pub(super) struct Transition<S> {
    pub(super) tx: Transaction<'static, Sqlite>,
    operation: &'static str,
    status: PhantomData<S>,
}

impl<S: Status> Transition<S> {
    /// Starts moving record `id` to `to`; fails with [`StoreError::InvalidTransition`] when its
    /// status cannot become `to`.
    pub(super) async fn begin(
        store: &SqliteStore,
        operation: &'static str,
        id: &Id,
        to: S,
    ) -> Result<Self, StoreError> {
        Self::start(store, operation, id, to, false).await
    }

    /// Like [`begin`](Transition::begin), for a record that ends: `to` must also be an outcome.
    pub(super) async fn ending(
        store: &SqliteStore,
        operation: &'static str,
        id: &Id,
        to: S,
    ) -> Result<Self, StoreError> {
        Self::start(store, operation, id, to, true).await
    }

    async fn start(
        store: &SqliteStore,
        operation: &'static str,
        id: &Id,
        to: S,
        ending: bool,
    ) -> Result<Self, StoreError> {
        let mut tx = store.write_tx(operation).await?;
        let text: String = sqlx::query_scalar(S::SELECT_STATUS)
            .bind(id.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::query(operation))?
            .ok_or_else(|| not_found(S::ENTITY, id))?;
        let from = S::from_text(&text).ok_or_else(|| StoreError::Corrupt {
            table: S::TABLE,
            column: "status".to_owned(),
            reason: format!("unknown value {text:?}"),
        })?;
        if !from.can_become(to) || (ending && !to.is_outcome()) {
            return Err(StoreError::InvalidTransition {
                entity: S::ENTITY,
                id: id.clone(),
                from: from.text(),
                to: to.text(),
            });
        }
        Ok(Self {
            tx,
            operation,
            status: PhantomData,
        })
    }

    /// Runs `update` (an `UPDATE … RETURNING` of the record's columns), reads the record back
    /// and commits.
    pub(super) async fn apply(
        mut self,
        update: Query<'_, Sqlite, SqliteArguments>,
    ) -> Result<S::Record, StoreError> {
        let row = update
            .fetch_one(&mut *self.tx)
            .await
            .map_err(StoreError::query(self.operation))?;
        let record = S::read(&RowReader::new(&row, S::TABLE))?;
        commit(self.tx, self.operation).await?;
        Ok(record)
    }
}
