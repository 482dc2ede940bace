use jiff::Timestamp;

use crate::{ApiToken, Id, NewApiToken, Session, StoreFuture};

/// The tokens and sessions part of [`Store`](crate::Store). Only hashes of token texts and
/// session ids reach it.
pub trait TokenStore: Send + Sync {
    /// Records a live token. Fails with
    /// [`StoreError::TokenNameTaken`](crate::StoreError::TokenNameTaken) when a live token has
    /// that name.
    fn create_token<'a>(&'a self, token: &'a NewApiToken) -> StoreFuture<'a, ApiToken>;

    /// Every token, live and revoked, by name then creation.
    fn tokens(&self) -> StoreFuture<'_, Vec<ApiToken>>;

    /// Revokes the live token named `name` and ends its sessions; fails with
    /// [`StoreError::NotFound`](crate::StoreError::NotFound) when there is none.
    fn revoke_token<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ApiToken>;

    /// The live token whose text hashes to `hash`, its last use set to now (to the minute);
    /// `None` for an unknown or revoked one.
    fn token_by_hash<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, Option<ApiToken>>;

    /// Records a session of the token `token_id`, known by the hash of its id, and forgets
    /// every session that has expired.
    fn create_session<'a>(
        &'a self,
        id_hash: &'a str,
        token_id: &'a Id,
        csrf: &'a str,
        expires_at: Timestamp,
    ) -> StoreFuture<'a, ()>;

    /// The session whose id hashes to `id_hash`, if it has not expired at `now` and its token
    /// is live.
    fn session<'a>(&'a self, id_hash: &'a str, now: Timestamp) -> StoreFuture<'a, Option<Session>>;

    /// Ends a session (sign out) and every session expired at `now`.
    fn delete_session<'a>(&'a self, id_hash: &'a str, now: Timestamp) -> StoreFuture<'a, ()>;
}
