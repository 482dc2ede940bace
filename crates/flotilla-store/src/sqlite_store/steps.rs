use sqlx::error::ErrorKind;
use sqlx::{Sqlite, Transaction};

use super::database::{SqliteStore, commit, missing_parent, now_millis};
use super::transition::Transition;
use crate::row_reader::RowReader;
use crate::{Id, NewStep, Step, StepOutcome, StepStatus, StepStore, StoreError, StoreFuture};

/// Records one `pending` step of `run_id` inside `tx`.
pub(super) async fn insert_step(
    tx: &mut Transaction<'_, Sqlite>,
    run_id: &Id,
    step: &NewStep,
    operation: &'static str,
) -> Result<Step, StoreError> {
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
    .fetch_one(&mut **tx)
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
            missing_parent(operation, "run", run_id)(source)
        }
    })?;
    RowReader::new(&row, "steps").step()
}

impl StepStore for SqliteStore {
    fn add_steps<'a>(&'a self, run_id: &'a Id, steps: &'a [NewStep]) -> StoreFuture<'a, Vec<Step>> {
        Box::pin(async move {
            const OP: &str = "recording the steps of a run";
            let mut tx = self.write_tx(OP).await?;
            let mut added = Vec::with_capacity(steps.len());
            for step in steps {
                added.push(insert_step(&mut tx, run_id, step, OP).await?);
            }
            commit(tx, OP).await?;
            Ok(added)
        })
    }

    fn step_started<'a>(
        &'a self,
        id: &'a Id,
        log_path: Option<&'a str>,
        detail: Option<&'a serde_json::Value>,
    ) -> StoreFuture<'a, Step> {
        Box::pin(async move {
            const OP: &str = "recording the start of a step";
            let change = Transition::begin(self, OP, id, StepStatus::Running).await?;
            let update = sqlx::query(concat!(
                "UPDATE steps SET status = 'running', attempt = attempt + 1, started_ms = $1, \
                 ended_ms = NULL, exit_code = NULL, log_path = COALESCE($2, log_path), \
                 detail = COALESCE($3, detail) WHERE id = $4 RETURNING ",
                step_columns!()
            ))
            .bind(now_millis())
            .bind(log_path)
            .bind(detail.map(serde_json::Value::to_string))
            .bind(id.as_str());
            change.apply(update).await
        })
    }

    fn step_finished<'a>(&'a self, id: &'a Id, outcome: &'a StepOutcome) -> StoreFuture<'a, Step> {
        Box::pin(async move {
            const OP: &str = "recording the end of a step";
            let change = Transition::ending(self, OP, id, outcome.status).await?;
            let update = sqlx::query(concat!(
                "UPDATE steps SET status = $1, ended_ms = $2, exit_code = $3, \
                 detail = COALESCE($4, detail) WHERE id = $5 RETURNING ",
                step_columns!()
            ))
            .bind(outcome.status.as_str())
            .bind(now_millis())
            .bind(outcome.exit_code)
            .bind(outcome.detail.as_ref().map(serde_json::Value::to_string))
            .bind(id.as_str());
            change.apply(update).await
        })
    }

    fn steps_of_run<'a>(&'a self, run_id: &'a Id) -> StoreFuture<'a, Vec<Step>> {
        Box::pin(async move {
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
        })
    }
}
