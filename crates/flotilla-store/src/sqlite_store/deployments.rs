use jiff::Timestamp;

use super::database::{SqliteStore, commit, not_found, now_millis};
use super::id_prefix::{PREFIX_CANDIDATES, id_prefix_pattern, prefix_not_found, unique_match};
use super::transition::Transition;
use crate::row_reader::RowReader;
use crate::{
    Deployment, DeploymentChanges, DeploymentStatus, DeploymentStore, Id, NewDeployment,
    PairDeployments, StoreError, StoreFuture,
};

/// The order in which deployments of one service and environment succeeded, last first: the
/// one that finished last is what runs there (creation breaks ties within a millisecond).
macro_rules! succeeded_last_first {
    () => {
        "finished_ms DESC, created_ms DESC, id DESC"
    };
}

/// What runs in the service `$1` in the environment `$2`: its deployment that succeeded last.
macro_rules! current_of_pair {
    () => {
        concat!(
            "SELECT ",
            deployment_columns!(),
            " FROM deployments WHERE service = $1 AND environment = $2 \
             AND status = 'succeeded' ORDER BY ",
            succeeded_last_first!(),
            " LIMIT 1"
        )
    };
}

/// One deployment per (service, environment), by service then environment: the first in `order`
/// of those matching `condition`. A correlated subquery picks it (portable, unlike DISTINCT ON);
/// unqualified, the names in `order` resolve to the inner `c`.
macro_rules! one_per_pair {
    ($condition:literal, $($order:tt)+) => {
        concat!(
            "SELECT ",
            deployment_columns!(),
            " FROM deployments d WHERE d.id = ( \
             SELECT c.id FROM deployments c WHERE c.service = d.service \
             AND c.environment = d.environment",
            $condition,
            " ORDER BY ",
            $($order)+,
            " LIMIT 1) ORDER BY d.service, d.environment"
        )
    };
}

fn deployments(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<Deployment>, StoreError> {
    rows.iter()
        .map(|row| RowReader::new(row, "deployments").deployment())
        .collect()
}

/// The deployment `id`, read inside a write transaction so that it cannot change before the
/// transaction's update.
async fn locked_deployment(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
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

impl SqliteStore {
    /// The deployments a whole-table query selects, in its order.
    fn list(&self, sql: &'static str, operation: &'static str) -> StoreFuture<'_, Vec<Deployment>> {
        Box::pin(async move {
            let rows = sqlx::query(sql)
                .fetch_all(&self.pool)
                .await
                .map_err(StoreError::query(operation))?;
            deployments(&rows)
        })
    }
}

impl DeploymentStore for SqliteStore {
    fn create_deployment<'a>(
        &'a self,
        deployment: &'a NewDeployment,
    ) -> StoreFuture<'a, Deployment> {
        Box::pin(async move {
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
        })
    }

    fn deployment<'a>(&'a self, id_or_prefix: &'a str) -> StoreFuture<'a, Deployment> {
        Box::pin(async move {
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
        })
    }

    fn decide_deployment<'a>(
        &'a self,
        id: &'a Id,
        approve: bool,
        by: &'a str,
    ) -> StoreFuture<'a, Deployment> {
        Box::pin(async move {
            const OP: &str = "deciding on a deployment";
            let to = if approve {
                DeploymentStatus::Approved
            } else {
                DeploymentStatus::Rejected
            };
            let mut change = Transition::begin(self, OP, id, to).await?;
            let expires_ms: Option<i64> =
                sqlx::query_scalar("SELECT expires_ms FROM deployments WHERE id = $1")
                    .bind(id.as_str())
                    .fetch_one(&mut *change.tx)
                    .await
                    .map_err(StoreError::query(OP))?;
            let now = now_millis();
            if let Some(expires_ms) = expires_ms.filter(|&expires_ms| expires_ms <= now) {
                // Recorded even though the call fails: the approval queue must not offer it again.
                sqlx::query(
                    "UPDATE deployments SET status = 'expired', finished_ms = $1 WHERE id = $2",
                )
                .bind(now)
                .bind(id.as_str())
                .execute(&mut *change.tx)
                .await
                .map_err(StoreError::query(OP))?;
                commit(change.tx, OP).await?;
                return Err(StoreError::DeploymentExpired {
                    id: id.clone(),
                    expires_at: Timestamp::from_millisecond(expires_ms).map_err(|error| {
                        StoreError::Corrupt {
                            table: "deployments",
                            column: "expires_ms".to_owned(),
                            reason: error.to_string(),
                        }
                    })?,
                });
            }
            let update = sqlx::query(concat!(
                "UPDATE deployments SET status = $1, decided_by = $2, decided_ms = $3, \
             finished_ms = $4 WHERE id = $5 RETURNING ",
                deployment_columns!()
            ))
            .bind(to.as_str())
            .bind(by)
            .bind(now)
            .bind((!approve).then_some(now))
            .bind(id.as_str());
            change.apply(update).await
        })
    }

    fn deployment_started<'a>(&'a self, id: &'a Id) -> StoreFuture<'a, Deployment> {
        Box::pin(async move {
            let change = Transition::begin(
                self,
                "recording the start of a deployment",
                id,
                DeploymentStatus::Running,
            )
            .await?;
            let update = sqlx::query(concat!(
            "UPDATE deployments SET status = 'running', started_ms = $1 WHERE id = $2 RETURNING ",
            deployment_columns!()
        ))
        .bind(now_millis())
        .bind(id.as_str());
            change.apply(update).await
        })
    }

    fn deployment_finished<'a>(
        &'a self,
        id: &'a Id,
        status: DeploymentStatus,
        error: Option<&'a str>,
        detail: Option<&'a serde_json::Value>,
    ) -> StoreFuture<'a, Deployment> {
        Box::pin(async move {
            let change =
                Transition::ending(self, "recording the end of a deployment", id, status).await?;
            let update = sqlx::query(concat!(
                "UPDATE deployments SET status = $1, error = $2, detail = COALESCE($3, detail), \
             finished_ms = $4 WHERE id = $5 RETURNING ",
                deployment_columns!()
            ))
            .bind(status.as_str())
            .bind(error)
            .bind(detail.map(serde_json::Value::to_string))
            .bind(now_millis())
            .bind(id.as_str());
            change.apply(update).await
        })
    }

    fn supersede_pending<'a>(
        &'a self,
        service: &'a str,
        environment: &'a str,
        except: &'a Id,
    ) -> StoreFuture<'a, u64> {
        Box::pin(async move {
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
        })
    }

    fn current_deployment<'a>(
        &'a self,
        service: &'a str,
        environment: &'a str,
    ) -> StoreFuture<'a, Option<Deployment>> {
        Box::pin(async move {
            let row = sqlx::query(current_of_pair!())
                .bind(service)
                .bind(environment)
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::query("looking up the current deployment"))?;
            row.map(|row| RowReader::new(&row, "deployments").deployment())
                .transpose()
        })
    }

    fn deployment_history<'a>(
        &'a self,
        service: &'a str,
        environment: Option<&'a str>,
        limit: u32,
    ) -> StoreFuture<'a, Vec<Deployment>> {
        Box::pin(async move {
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
        })
    }

    fn deployments_with_digest<'a>(&'a self, digest: &'a str) -> StoreFuture<'a, Vec<Deployment>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                deployment_columns!(),
                " FROM deployments WHERE digest = $1 ORDER BY created_ms, id"
            ))
            .bind(digest)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("finding the deployments of a digest"))?;
            deployments(&rows)
        })
    }

    fn previous_successful<'a>(
        &'a self,
        service: &'a str,
        environment: &'a str,
    ) -> StoreFuture<'a, Option<Deployment>> {
        Box::pin(async move {
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
        })
    }

    fn pending_deployments(&self) -> StoreFuture<'_, Vec<Deployment>> {
        self.list(
            concat!(
                "SELECT ",
                deployment_columns!(),
                " FROM deployments WHERE status = 'pending' ORDER BY created_ms, id"
            ),
            "listing pending deployments",
        )
    }

    fn expire_pending(&self, now: Timestamp) -> StoreFuture<'_, Vec<Deployment>> {
        Box::pin(async move {
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
        })
    }

    fn unfinished_deployments(&self) -> StoreFuture<'_, Vec<Deployment>> {
        self.list(
            concat!(
                "SELECT ",
                deployment_columns!(),
                " FROM deployments WHERE status IN ('approved', 'running') ORDER BY created_ms, id"
            ),
            "listing unfinished deployments",
        )
    }

    fn latest_deployments(&self) -> StoreFuture<'_, Vec<Deployment>> {
        self.list(
            one_per_pair!("", "created_ms DESC, id DESC"),
            "listing the latest deployments",
        )
    }

    fn deployment_changes(&self, after: Option<i64>) -> StoreFuture<'_, DeploymentChanges> {
        Box::pin(async move {
            const OP: &str = "reading the journal of deployment changes";
            // One read transaction: the head and the pairs up to it are one snapshot.
            let mut tx = self.pool.begin().await.map_err(StoreError::query(OP))?;
            let (head, oldest, artifacts): (i64, Option<i64>, i64) = sqlx::query_as(
                "SELECT coalesce(max(seq), 0), min(seq), (SELECT count(*) FROM artifacts) \
                 FROM deployment_changes",
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?;
            let reaches_back = |after: i64| after <= head && oldest.is_none_or(|o| o <= after + 1);
            let pairs = match after {
                Some(after) if reaches_back(after) => Some(
                    sqlx::query_as(
                        "SELECT DISTINCT service, environment FROM deployment_changes \
                         WHERE seq > $1 AND seq <= $2",
                    )
                    .bind(after)
                    .bind(head)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?,
                ),
                _ => None,
            };
            tx.commit().await.map_err(StoreError::query(OP))?;
            Ok(DeploymentChanges {
                head,
                artifacts,
                pairs,
            })
        })
    }

    fn pair_deployments<'a>(
        &'a self,
        service: &'a str,
        environment: &'a str,
    ) -> StoreFuture<'a, PairDeployments> {
        Box::pin(async move {
            const OP: &str = "reading the deployments of a service in an environment";
            let mut tx = self.pool.begin().await.map_err(StoreError::query(OP))?;
            let mut read = async |sql: &'static str| {
                let rows = sqlx::query(sql)
                    .bind(service)
                    .bind(environment)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(StoreError::query(OP))?;
                deployments(&rows)
            };
            let current = read(current_of_pair!()).await?;
            let latest = read(concat!(
                "SELECT ",
                deployment_columns!(),
                " FROM deployments WHERE service = $1 AND environment = $2 \
                 ORDER BY created_ms DESC, id DESC LIMIT 1"
            ))
            .await?;
            let pending = read(concat!(
                "SELECT ",
                deployment_columns!(),
                " FROM deployments WHERE service = $1 AND environment = $2 \
                 AND status = 'pending' ORDER BY created_ms, id"
            ))
            .await?;
            tx.commit().await.map_err(StoreError::query(OP))?;
            Ok(PairDeployments {
                current: current.into_iter().next(),
                latest: latest.into_iter().next(),
                pending,
            })
        })
    }

    fn deployment_matrix(&self) -> StoreFuture<'_, Vec<Deployment>> {
        self.list(
            one_per_pair!(" AND c.status = 'succeeded'", succeeded_last_first!()),
            "listing what runs where",
        )
    }
}
