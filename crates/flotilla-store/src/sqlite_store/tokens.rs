use jiff::Timestamp;
use sqlx::error::ErrorKind;

use super::database::{SqliteStore, commit, now_millis};
use crate::row_reader::RowReader;
use crate::{ApiToken, Id, NewApiToken, Session, StoreError, StoreFuture, TokenStore};

/// How precisely a token's last use is kept.
const LAST_USED_RESOLUTION: jiff::SignedDuration = jiff::SignedDuration::from_mins(1);

impl TokenStore for SqliteStore {
    fn create_token<'a>(&'a self, token: &'a NewApiToken) -> StoreFuture<'a, ApiToken> {
        Box::pin(async move {
            let row = sqlx::query(concat!(
                "INSERT INTO api_tokens (id, name, role, hash, created_ms) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING ",
                token_columns!()
            ))
            .bind(Id::generate().as_str())
            .bind(&token.name)
            .bind(&token.role)
            .bind(&token.hash)
            .bind(now_millis())
            .fetch_one(&self.pool)
            .await
            .map_err(|source| {
                let unique = source
                    .as_database_error()
                    .is_some_and(|error| error.kind() == ErrorKind::UniqueViolation);
                if unique {
                    StoreError::TokenNameTaken {
                        name: token.name.clone(),
                    }
                } else {
                    StoreError::Query {
                        operation: "recording a token",
                        source,
                    }
                }
            })?;
            RowReader::new(&row, "api_tokens").api_token()
        })
    }

    fn tokens(&self) -> StoreFuture<'_, Vec<ApiToken>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                token_columns!(),
                " FROM api_tokens ORDER BY name, created_ms, id"
            ))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("listing tokens"))?;
            rows.iter()
                .map(|row| RowReader::new(row, "api_tokens").api_token())
                .collect()
        })
    }

    fn revoke_token<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ApiToken> {
        Box::pin(async move {
            const OP: &str = "revoking a token";
            let mut tx = self.write_tx(OP).await?;
            let row = sqlx::query(concat!(
                "UPDATE api_tokens SET revoked_ms = $1 WHERE name = $2 AND revoked_ms IS NULL \
                 RETURNING ",
                token_columns!()
            ))
            .bind(now_millis())
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?
            .ok_or_else(|| StoreError::NotFound {
                entity: "token",
                id: name.to_owned(),
            })?;
            let token = RowReader::new(&row, "api_tokens").api_token()?;
            sqlx::query("DELETE FROM sessions WHERE token_id = $1")
                .bind(token.id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            commit(tx, OP).await?;
            Ok(token)
        })
    }

    fn token_by_hash<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, Option<ApiToken>> {
        Box::pin(async move {
            let row = sqlx::query(concat!(
                "SELECT ",
                token_columns!(),
                " FROM api_tokens WHERE hash = $1 AND revoked_ms IS NULL"
            ))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::query("looking a token up"))?;
            let Some(row) = row else {
                return Ok(None);
            };
            let mut token = RowReader::new(&row, "api_tokens").api_token()?;
            // Reads stay reads: the last use is written at most once a minute per token.
            let now = Timestamp::now();
            if token
                .last_used_at
                .is_none_or(|last| now.duration_since(last) >= LAST_USED_RESOLUTION)
            {
                sqlx::query("UPDATE api_tokens SET last_used_ms = $1 WHERE id = $2")
                    .bind(now.as_millisecond())
                    .bind(token.id.as_str())
                    .execute(&self.pool)
                    .await
                    .map_err(StoreError::query("recording a token's use"))?;
                token.last_used_at = Some(now);
            }
            Ok(Some(token))
        })
    }

    fn create_session<'a>(
        &'a self,
        id_hash: &'a str,
        token_id: &'a Id,
        csrf: &'a str,
        expires_at: Timestamp,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            const OP: &str = "recording a session";
            let now = now_millis();
            let mut tx = self.write_tx(OP).await?;
            // Each sign-in sweeps the sessions that expired, so they do not pile up between
            // sign-outs.
            sqlx::query("DELETE FROM sessions WHERE expires_ms <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?;
            sqlx::query(
                "INSERT INTO sessions (id_hash, token_id, csrf, created_ms, expires_ms) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id_hash)
            .bind(token_id.as_str())
            .bind(csrf)
            .bind(now)
            .bind(expires_at.as_millisecond())
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query(OP))?;
            commit(tx, OP).await
        })
    }

    fn session<'a>(&'a self, id_hash: &'a str, now: Timestamp) -> StoreFuture<'a, Option<Session>> {
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT t.id, t.name, t.role, t.created_ms, t.revoked_ms, t.last_used_ms, \
                        s.csrf AS s_csrf, s.expires_ms AS s_expires_ms \
                 FROM sessions s JOIN api_tokens t ON t.id = s.token_id \
                 WHERE s.id_hash = $1 AND s.expires_ms > $2 AND t.revoked_ms IS NULL",
            )
            .bind(id_hash)
            .bind(now.as_millisecond())
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::query("looking a session up"))?;
            let Some(row) = row else {
                return Ok(None);
            };
            let token = RowReader::new(&row, "api_tokens").api_token()?;
            let reader = RowReader::new(&row, "sessions");
            Ok(Some(Session {
                token,
                csrf: reader.text("s_csrf")?,
                expires_at: reader.at("s_expires_ms")?,
            }))
        })
    }

    fn delete_session<'a>(&'a self, id_hash: &'a str, now: Timestamp) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1 OR expires_ms <= $2")
                .bind(id_hash)
                .bind(now.as_millisecond())
                .execute(&self.pool)
                .await
                .map_err(StoreError::query("ending a session"))?;
            Ok(())
        })
    }
}
