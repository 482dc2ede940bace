use super::database::{SqliteStore, missing_parent, now_millis};
use crate::row_reader::RowReader;
use crate::{Artifact, ArtifactRecord, ArtifactStore, Id, NewArtifact, StoreError, StoreFuture};

impl ArtifactStore for SqliteStore {
    fn record_artifact<'a>(&'a self, artifact: &'a NewArtifact) -> StoreFuture<'a, ArtifactRecord> {
        Box::pin(async move {
            const OP: &str = "recording an artifact";
            let inserted = sqlx::query(concat!(
                "INSERT INTO artifacts (id, run_id, kind, name, version, digest, target, \
                 created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
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
        })
    }

    fn artifacts_of_run<'a>(&'a self, run_id: &'a Id) -> StoreFuture<'a, Vec<Artifact>> {
        Box::pin(async move {
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
        })
    }

    fn artifacts_of_train<'a>(&'a self, train_id: &'a Id) -> StoreFuture<'a, Vec<Artifact>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT a.id, a.run_id, a.kind, a.name, a.version, a.digest, a.target, \
                        a.created_ms \
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
        })
    }

    fn artifacts_with_digest<'a>(&'a self, digest: &'a str) -> StoreFuture<'a, Vec<Artifact>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                artifact_columns!(),
                " FROM artifacts WHERE digest = $1 ORDER BY created_ms, id"
            ))
            .bind(digest)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("listing the artifacts of a digest"))?;
            rows.iter()
                .map(|row| RowReader::new(row, "artifacts").artifact())
                .collect()
        })
    }

    fn trains_of_digests<'a>(
        &'a self,
        digests: &'a [String],
    ) -> StoreFuture<'a, Vec<(String, Id)>> {
        Box::pin(async move {
            const OP: &str = "finding the trains of digests";
            let list = serde_json::to_string(digests).map_err(|error| StoreError::Query {
                operation: OP,
                source: sqlx::Error::Encode(Box::new(error)),
            })?;
            let pairs: Vec<(String, String)> = sqlx::query_as(
                "SELECT DISTINCT a.digest, r.train_id FROM artifacts a \
                 JOIN runs r ON r.id = a.run_id \
                 WHERE r.train_id IS NOT NULL \
                 AND a.digest IN (SELECT value FROM json_each($1))",
            )
            .bind(list)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query(OP))?;
            Ok(pairs
                .into_iter()
                .map(|(digest, train)| (digest, Id::from_stored(train)))
                .collect())
        })
    }
}
