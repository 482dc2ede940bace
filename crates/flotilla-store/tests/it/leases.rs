use std::time::Duration;

use flotilla_store::{LeaseHolder, StoreError};

use crate::support::{for_each_backend, worker};

const HOUR: Duration = Duration::from_hours(1);

#[tokio::test]
async fn a_live_lease_is_busy_for_others_and_renewable_by_its_holder() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let other_process = state.open().await;
        let lease = store
            .acquire_repo_lease("identity", &worker("worker-a"), HOUR)
            .await
            .unwrap();
        assert_eq!(lease.holder, worker("worker-a"));

        let error = other_process
            .acquire_repo_lease("identity", &worker("worker-b"), HOUR)
            .await
            .unwrap_err();
        let renewed = store
            .acquire_repo_lease("identity", &worker("worker-a"), HOUR)
            .await
            .unwrap();
        let elsewhere = other_process
            .acquire_repo_lease("console", &worker("worker-b"), HOUR)
            .await
            .unwrap();

        match &error {
            StoreError::LeaseBusy {
                repo,
                holder,
                expires_at,
            } => {
                assert_eq!((repo.as_str(), holder), ("identity", &worker("worker-a")));
                assert_eq!(*expires_at, lease.expires_at);
            }
            other => panic!("expected busy, got {other}"),
        }
        assert!(error.to_string().contains("worker-a"));
        assert_eq!(renewed.acquired_at, lease.acquired_at);
        assert!(renewed.expires_at >= lease.expires_at);
        assert_eq!(elsewhere.holder, worker("worker-b"));
    })
    .await;
}

#[tokio::test]
async fn a_released_lease_can_be_taken_and_only_its_holder_releases_it() {
    for_each_backend(async |state| {
        let store = state.open().await;
        store
            .acquire_repo_lease("identity", &worker("worker-a"), HOUR)
            .await
            .unwrap();

        assert!(
            !store
                .release_repo_lease("identity", &worker("worker-b"))
                .await
                .unwrap()
        );
        assert!(
            store
                .release_repo_lease("identity", &worker("worker-a"))
                .await
                .unwrap()
        );
        assert!(
            !store
                .release_repo_lease("identity", &worker("worker-a"))
                .await
                .unwrap()
        );
        let taken = store
            .acquire_repo_lease("identity", &worker("worker-b"), HOUR)
            .await
            .unwrap();
        assert_eq!(taken.holder, worker("worker-b"));
    })
    .await;
}

#[tokio::test]
async fn an_expired_lease_is_taken_over() {
    for_each_backend(async |state| {
        let store = state.open().await;
        // A zero time-to-live expires at once: a holder that died without releasing.
        store
            .acquire_repo_lease("identity", &worker("dead-worker"), Duration::ZERO)
            .await
            .unwrap();

        let taken = store
            .acquire_repo_lease("identity", &worker("worker-b"), HOUR)
            .await
            .unwrap();

        assert_eq!(taken.holder, worker("worker-b"));
        assert!(taken.expires_at > taken.acquired_at);
        assert!(
            !store
                .release_repo_lease("identity", &worker("dead-worker"))
                .await
                .unwrap(),
            "the old holder lost it"
        );
        let error = store
            .acquire_repo_lease("identity", &worker("dead-worker"), HOUR)
            .await
            .unwrap_err();
        assert!(
            matches!(error, StoreError::LeaseBusy { holder, .. } if holder == worker("worker-b"))
        );
    })
    .await;
}

#[tokio::test]
async fn a_holder_is_its_train_process_and_machine() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let first = worker("build-1");
        let restarted = LeaseHolder {
            pid: first.pid + 1,
            ..first.clone()
        };
        store
            .acquire_repo_lease("identity", &first, HOUR)
            .await
            .unwrap();

        let error = store
            .acquire_repo_lease("identity", &restarted, HOUR)
            .await
            .unwrap_err();

        assert!(
            matches!(&error, StoreError::LeaseBusy { holder, .. } if *holder == first),
            "{error}"
        );
        assert!(
            !store
                .release_repo_lease("identity", &restarted)
                .await
                .unwrap()
        );
        assert_eq!(
            first.to_string(),
            format!("train {} (pid {} on build-1)", first.train, first.pid)
        );
    })
    .await;
}

#[tokio::test]
async fn a_lease_without_end_is_readable() {
    for_each_backend(async |state| {
        let store = state.open().await;

        let lease = store
            .acquire_repo_lease("identity", &worker("worker-a"), Duration::MAX)
            .await
            .unwrap();

        assert!(lease.expires_at > lease.acquired_at);
    })
    .await;
}
