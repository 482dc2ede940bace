use std::time::Duration;

use flotilla_store::{Store, StoreError};

use crate::support::StateDir;

const HOUR: Duration = Duration::from_hours(1);

#[tokio::test]
async fn a_live_lease_is_busy_for_others_and_renewable_by_its_holder() {
    let state = StateDir::new();
    let store = state.open().await;
    let other_process = state.open().await;
    let lease = store
        .acquire_repo_lease("identity", "worker-a", HOUR)
        .await
        .unwrap();
    assert_eq!(lease.holder, "worker-a");

    let error = other_process
        .acquire_repo_lease("identity", "worker-b", HOUR)
        .await
        .unwrap_err();
    let renewed = store
        .acquire_repo_lease("identity", "worker-a", HOUR)
        .await
        .unwrap();
    let elsewhere = other_process
        .acquire_repo_lease("console", "worker-b", HOUR)
        .await
        .unwrap();

    match &error {
        StoreError::LeaseBusy {
            repo,
            holder,
            expires_at,
        } => {
            assert_eq!((repo.as_str(), holder.as_str()), ("identity", "worker-a"));
            assert_eq!(*expires_at, lease.expires_at);
        }
        other => panic!("expected busy, got {other}"),
    }
    assert!(error.to_string().contains("worker-a"));
    assert_eq!(renewed.acquired_at, lease.acquired_at);
    assert!(renewed.expires_at >= lease.expires_at);
    assert_eq!(elsewhere.holder, "worker-b");
}

#[tokio::test]
async fn a_released_lease_can_be_taken_and_only_its_holder_releases_it() {
    let state = StateDir::new();
    let store = state.open().await;
    store
        .acquire_repo_lease("identity", "worker-a", HOUR)
        .await
        .unwrap();

    assert!(
        !store
            .release_repo_lease("identity", "worker-b")
            .await
            .unwrap()
    );
    assert!(
        store
            .release_repo_lease("identity", "worker-a")
            .await
            .unwrap()
    );
    assert!(
        !store
            .release_repo_lease("identity", "worker-a")
            .await
            .unwrap()
    );
    let taken = store
        .acquire_repo_lease("identity", "worker-b", HOUR)
        .await
        .unwrap();
    assert_eq!(taken.holder, "worker-b");
}

#[tokio::test]
async fn an_expired_lease_is_taken_over() {
    let state = StateDir::new();
    let store = state.open().await;
    // A zero time-to-live expires at once: a holder that died without releasing.
    store
        .acquire_repo_lease("identity", "dead-worker", Duration::ZERO)
        .await
        .unwrap();

    let taken = store
        .acquire_repo_lease("identity", "worker-b", HOUR)
        .await
        .unwrap();

    assert_eq!(taken.holder, "worker-b");
    assert!(taken.expires_at > taken.acquired_at);
    assert!(
        !store
            .release_repo_lease("identity", "dead-worker")
            .await
            .unwrap(),
        "the old holder lost it"
    );
    let error = store
        .acquire_repo_lease("identity", "dead-worker", HOUR)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::LeaseBusy { holder, .. } if holder == "worker-b"));
}
