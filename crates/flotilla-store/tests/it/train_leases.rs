use std::time::Duration;

use flotilla_store::StoreError;

use crate::support::{driver, for_each_backend, train};

const MINUTE: Duration = Duration::from_mins(1);

#[tokio::test]
async fn a_live_train_lease_refuses_another_driver_and_its_own_renews_it() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let other_process = state.open().await;
        let train = train(&*store, "1.0.0").await;
        let first = store
            .acquire_train_lease(&train.id, &driver("node-a"), MINUTE)
            .await
            .unwrap();

        let refused = other_process
            .acquire_train_lease(&train.id, &driver("node-b"), MINUTE)
            .await
            .unwrap_err();
        let renewed = store
            .acquire_train_lease(&train.id, &driver("node-a"), MINUTE)
            .await
            .unwrap();

        match &refused {
            StoreError::TrainDriven {
                train: id,
                driver: holder,
                heartbeat_at,
            } => {
                assert_eq!(id, &train.id);
                assert_eq!(holder, &driver("node-a"));
                assert_eq!(*heartbeat_at, first.heartbeat_at);
            }
            other => panic!("expected a driven train, got {other}"),
        }
        assert!(refused.to_string().contains("pid 4242 on node-a"));
        assert!(flotilla_core::Help::help(&refused).is_some_and(|h| h.contains("resume")));
        assert_eq!(renewed.driver, driver("node-a"));
        assert!(renewed.heartbeat_at >= first.heartbeat_at);
        assert_eq!(
            other_process.train_lease(&train.id).await.unwrap(),
            Some(renewed)
        );
    })
    .await;
}

#[tokio::test]
async fn an_expired_train_lease_is_taken_over_and_only_its_driver_releases_it() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let train = train(&*store, "1.0.0").await;
        // A zero time-to-live expires at once: a driver that died on another machine.
        store
            .acquire_train_lease(&train.id, &driver("dead-node"), Duration::ZERO)
            .await
            .unwrap();

        let taken = store
            .acquire_train_lease(&train.id, &driver("node-b"), MINUTE)
            .await
            .unwrap();
        let released_by_the_dead = store
            .release_train_lease(&train.id, &driver("dead-node"))
            .await
            .unwrap();
        let released = store
            .release_train_lease(&train.id, &driver("node-b"))
            .await
            .unwrap();

        assert_eq!(taken.driver, driver("node-b"));
        assert!(taken.expires_at > taken.heartbeat_at);
        assert!(!released_by_the_dead);
        assert!(released);
        assert_eq!(store.train_lease(&train.id).await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn a_lease_on_an_unknown_train_is_not_found() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let missing = flotilla_store::Id::generate();
        let error = store
            .acquire_train_lease(&missing, &driver("node-a"), MINUTE)
            .await
            .unwrap_err();
        assert!(
            matches!(
                &error,
                StoreError::NotFound {
                    entity: "train",
                    ..
                }
            ),
            "{error}"
        );
    })
    .await;
}
