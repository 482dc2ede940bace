use flotilla_store::{NewApiToken, NewAuditEntry, StoreError, TokenStore};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use crate::support::{StateDir, for_each_backend, raw_pool};

fn token(name: &str, hash: &str) -> NewApiToken {
    NewApiToken {
        name: name.to_owned(),
        role: "approver".to_owned(),
        hash: hash.to_owned(),
    }
}

#[tokio::test]
async fn a_sign_in_forgets_the_sessions_that_expired() {
    // SQLite's table read directly: an expired session is invisible through the store.
    let state = StateDir::new();
    let store = state.open().await;
    let bob = store.create_token(&token("bob", "h1")).await.unwrap();
    let now = Timestamp::now();
    let hour = SignedDuration::from_hours(1);
    store
        .create_session("old", &bob.id, "c1", now - hour)
        .await
        .unwrap();
    store
        .create_session("live", &bob.id, "c2", now + hour)
        .await
        .unwrap();
    let pool = raw_pool(store.path()).await;
    let kept: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM sessions ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(kept, ["live"]);
}

#[tokio::test]
async fn a_token_is_found_by_its_hash_until_revoked_and_its_name_is_then_free() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let alice = store.create_token(&token("alice", "h1")).await.unwrap();
        assert_eq!(alice.role, "approver");
        assert!(alice.last_used_at.is_none());

        let taken = store.create_token(&token("alice", "h2")).await.unwrap_err();
        assert!(matches!(taken, StoreError::TokenNameTaken { ref name } if name == "alice"));

        let found = store.token_by_hash("h1").await.unwrap().unwrap();
        assert_eq!(found.id, alice.id);
        assert!(found.last_used_at.is_some(), "a use is recorded");
        assert!(store.token_by_hash("h9").await.unwrap().is_none());

        let now = Timestamp::now();
        store
            .create_session(
                "s1",
                &alice.id,
                "csrf1",
                now + SignedDuration::from_hours(1),
            )
            .await
            .unwrap();
        let session = store.session("s1", now).await.unwrap().unwrap();
        assert_eq!(session.token.name, "alice");
        assert_eq!(session.csrf, "csrf1");
        assert!(
            store
                .session("s1", now + SignedDuration::from_hours(2))
                .await
                .unwrap()
                .is_none(),
            "an expired session signs no one in"
        );

        let revoked = store.revoke_token("alice").await.unwrap();
        assert!(revoked.revoked_at.is_some());
        assert!(store.token_by_hash("h1").await.unwrap().is_none());
        assert!(store.session("s1", now).await.unwrap().is_none());
        assert!(matches!(
            store.revoke_token("alice").await.unwrap_err(),
            StoreError::NotFound {
                entity: "token",
                ..
            }
        ));
        // The name is free again; the list keeps the revoked one.
        store.create_token(&token("alice", "h3")).await.unwrap();
        let names: Vec<_> = store
            .tokens()
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.name, t.revoked_at.is_some()))
            .collect();
        assert_eq!(
            names,
            [("alice".to_owned(), true), ("alice".to_owned(), false)]
        );
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_lists_entries_newest_first() {
    for_each_backend(async |state| {
        let store = state.open().await;
        for action in ["token.create", "deployment.approve"] {
            store
                .record_audit(&NewAuditEntry {
                    actor: "alice".to_owned(),
                    action: action.to_owned(),
                    target: "x".to_owned(),
                    detail: Some(json!({ "n": 1 })),
                })
                .await
                .unwrap();
        }
        let log = store.audit_log(10).await.unwrap();
        let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["deployment.approve", "token.create"]);
        assert_eq!(log[0].detail, Some(json!({ "n": 1 })));
        assert_eq!(store.audit_log(1).await.unwrap().len(), 1);
    })
    .await;
}
