use sqlx::{Sqlite, Transaction};

use super::database::{SqliteStore, commit, missing_parent, not_found, now_millis};
use super::status_counts::count_by_status;
use super::steps::insert_step;
use super::transition::Transition;
use crate::row_reader::RowReader;
use crate::{
    Id, NewRun, NewTrainRun, Run, RunStatus, RunStore, RunWithLastStep, StoreError, StoreFuture,
};

/// Records `runs` of train `train_id` and their steps, all `pending`, inside `tx`.
pub(super) async fn insert_train_runs(
    tx: &mut Transaction<'_, Sqlite>,
    train_id: &Id,
    runs: &[NewTrainRun],
    operation: &'static str,
) -> Result<Vec<Run>, StoreError> {
    let now = now_millis();
    let mut added = Vec::with_capacity(runs.len());
    for run in runs {
        let row = sqlx::query(concat!(
            "INSERT INTO runs (id, train_id, repo, event, version, wave, status, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) RETURNING ",
            run_columns!()
        ))
        .bind(Id::generate().as_str())
        .bind(train_id.as_str())
        .bind(&run.repo)
        .bind(&run.event)
        .bind(&run.version)
        .bind(run.wave)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(missing_parent(operation, "train", train_id))?;
        let stored = RowReader::new(&row, "runs").run()?;
        for step in &run.steps {
            insert_step(tx, &stored.id, step, operation).await?;
        }
        added.push(stored);
    }
    Ok(added)
}

impl RunStore for SqliteStore {
    fn create_run<'a>(&'a self, run: &'a NewRun) -> StoreFuture<'a, Run> {
        Box::pin(async move {
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
        })
    }

    fn add_train_runs<'a>(
        &'a self,
        train_id: &'a Id,
        runs: &'a [NewTrainRun],
    ) -> StoreFuture<'a, Vec<Run>> {
        Box::pin(async move {
            const OP: &str = "recording the runs of a train";
            let mut tx = self.write_tx(OP).await?;
            let added = insert_train_runs(&mut tx, train_id, runs, OP).await?;
            commit(tx, OP).await?;
            Ok(added)
        })
    }

    fn run<'a>(&'a self, id: &'a Id) -> StoreFuture<'a, Run> {
        Box::pin(async move {
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
        })
    }

    fn run_started<'a>(&'a self, id: &'a Id) -> StoreFuture<'a, Run> {
        Box::pin(async move {
            let change = Transition::begin(self, "starting a run", id, RunStatus::Running).await?;
            let update = sqlx::query(concat!(
                "UPDATE runs SET status = 'running', started_ms = $1, ended_ms = NULL, \
                 error = NULL, blocked_by = NULL WHERE id = $2 RETURNING ",
                run_columns!()
            ))
            .bind(now_millis())
            .bind(id.as_str());
            change.apply(update).await
        })
    }

    fn run_finished<'a>(
        &'a self,
        id: &'a Id,
        status: RunStatus,
        error: Option<&'a str>,
    ) -> StoreFuture<'a, Run> {
        Box::pin(async move {
            let change = Transition::ending(self, "finishing a run", id, status).await?;
            let update = sqlx::query(concat!(
                "UPDATE runs SET status = $1, error = $2, ended_ms = $3 WHERE id = $4 RETURNING ",
                run_columns!()
            ))
            .bind(status.as_str())
            .bind(error)
            .bind(now_millis())
            .bind(id.as_str());
            change.apply(update).await
        })
    }

    fn run_blocked<'a>(&'a self, id: &'a Id, blocked_by: &'a str) -> StoreFuture<'a, Run> {
        Box::pin(async move {
            let change = Transition::begin(self, "blocking a run", id, RunStatus::Blocked).await?;
            let update = sqlx::query(concat!(
                "UPDATE runs SET status = 'blocked', blocked_by = $1, ended_ms = $2 WHERE id = $3 \
                 RETURNING ",
                run_columns!()
            ))
            .bind(blocked_by)
            .bind(now_millis())
            .bind(id.as_str());
            change.apply(update).await
        })
    }

    fn runs_of_train<'a>(&'a self, train_id: &'a Id) -> StoreFuture<'a, Vec<RunWithLastStep>> {
        Box::pin(async move {
            // The last step is picked by a correlated subquery (portable, unlike DISTINCT ON).
            let rows = sqlx::query(
                "SELECT r.id, r.train_id, r.repo, r.event, r.version, r.wave, r.status, \
                        r.blocked_by, r.error, r.created_ms, r.started_ms, r.ended_ms, \
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
        })
    }

    fn unfinished_runs<'a>(&'a self, train_id: &'a Id) -> StoreFuture<'a, Vec<Run>> {
        Box::pin(async move {
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
        })
    }

    fn count_runs_by_status(&self) -> StoreFuture<'_, Vec<(RunStatus, u64)>> {
        Box::pin(count_by_status(
            &self.pool,
            "SELECT status, COUNT(*) FROM runs GROUP BY status",
            "runs",
            RunStatus::ALL,
            RunStatus::parse,
            "counting runs by status",
        ))
    }
}
