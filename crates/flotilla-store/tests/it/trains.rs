use flotilla_store::{StoreError, TrainKind, TrainStatus};

use crate::support::{driver, for_each_backend, new_train, train};

#[tokio::test]
async fn a_second_active_train_for_the_same_kind_and_version_is_refused() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let first = train(&*store, "1.12.0").await;
        assert_eq!(first.status, TrainStatus::Pending);

        let error = store
            .create_train(&new_train(TrainKind::ReleaseStart, "1.12.0"))
            .await
            .unwrap_err();

        match &error {
            StoreError::TrainConflict {
                kind,
                version,
                active,
                status,
            } => {
                assert_eq!(*kind, TrainKind::ReleaseStart);
                assert_eq!(version, "1.12.0");
                assert_eq!(*active, first.id);
                assert_eq!(*status, TrainStatus::Pending);
            }
            other => panic!("expected a conflict, got {other}"),
        }
        assert!(error.to_string().contains(first.id.as_str()));
        // Other versions and other kinds are other slots.
        train(&*store, "1.13.0").await;
        store
            .create_train(&new_train(TrainKind::Final, "1.12.0"))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_running_train_still_holds_its_slot() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let first = train(&*store, "1.12.0").await;
        store
            .set_train_status(&first.id, TrainStatus::Running)
            .await
            .unwrap();

        let error = store
            .create_train(&new_train(TrainKind::ReleaseStart, "1.12.0"))
            .await
            .unwrap_err();

        assert!(
            matches!(&error, StoreError::TrainConflict { active, status: TrainStatus::Running, .. } if *active == first.id),
            "{error}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_finished_train_frees_the_slot_and_resuming_it_respects_the_new_holder() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let first = train(&*store, "1.12.0").await;
        let failed = store
            .set_train_status(&first.id, TrainStatus::Failed)
            .await
            .unwrap();
        assert_eq!(failed.status, TrainStatus::Failed);
        assert!(failed.updated_at >= first.updated_at);

        let second = train(&*store, "1.12.0").await;
        let error = store
            .set_train_status(&first.id, TrainStatus::Running)
            .await
            .unwrap_err();

        assert!(
            matches!(&error, StoreError::TrainConflict { active, .. } if *active == second.id),
            "{error}"
        );
        store
            .set_train_status(&second.id, TrainStatus::Cancelled)
            .await
            .unwrap();
        let resumed = store
            .set_train_status(&first.id, TrainStatus::Running)
            .await
            .unwrap();
        assert_eq!(resumed.status, TrainStatus::Running);
    })
    .await;
}

#[tokio::test]
async fn a_succeeded_train_is_final() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let done = train(&*store, "1.12.0").await;
        store
            .set_train_status(&done.id, TrainStatus::Succeeded)
            .await
            .unwrap();

        let error = store
            .set_train_status(&done.id, TrainStatus::Running)
            .await
            .unwrap_err();

        assert!(
            matches!(
                error,
                StoreError::InvalidTransition {
                    entity: "train",
                    from: "succeeded",
                    to: "running",
                    ..
                }
            ),
            "{error}"
        );
    })
    .await;
}

#[tokio::test]
async fn trains_are_found_by_id_or_unique_prefix() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let first = train(&*store, "1.12.0").await;
        let second = train(&*store, "1.13.0").await;

        assert_eq!(store.train(first.id.as_str()).await.unwrap(), first);
        let lowercase = second.id.as_str().to_ascii_lowercase();
        assert_eq!(store.train(&lowercase).await.unwrap(), second);
        // The shortest prefix of the first id that the second id does not share.
        let shared = first
            .id
            .as_str()
            .bytes()
            .zip(second.id.as_str().bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let prefix = &first.id.as_str()[..=shared];
        assert_eq!(store.train(prefix).await.unwrap().id, first.id);

        // Every id of this millennium starts with 0.
        match store.train("0").await.unwrap_err() {
            StoreError::AmbiguousPrefix { candidates, .. } => {
                assert_eq!(candidates, vec![first.id.clone(), second.id.clone()]);
            }
            other => panic!("expected an ambiguous prefix, got {other}"),
        }
        for missing in ["Z", "", "01%", "not-an-id"] {
            let error = store.train(missing).await.unwrap_err();
            assert!(
                matches!(
                    error,
                    StoreError::NotFound {
                        entity: "train",
                        ..
                    }
                ),
                "{missing}: {error}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn trains_are_listed_newest_first() {
    for_each_backend(async |state| {
        let store = state.open().await;
        assert_eq!(store.latest_train().await.unwrap(), None);
        let versions = ["1.10.0", "1.11.0", "1.12.0"];
        let mut created = Vec::new();
        for version in versions {
            created.push(train(&*store, version).await);
        }

        assert_eq!(store.latest_train().await.unwrap().unwrap(), created[2]);
        let listed: Vec<_> = store
            .list_trains(2)
            .await
            .unwrap()
            .into_iter()
            .map(|train| train.version)
            .collect();
        assert_eq!(listed, ["1.12.0", "1.11.0"]);
        assert_eq!(store.list_trains(10).await.unwrap().len(), 3);
        assert_eq!(
            store.latest_train().await.unwrap().unwrap().request,
            created[2].request
        );
    })
    .await;
}

/// Two planned runs, of one and two steps.
fn planned_runs() -> Vec<flotilla_store::NewTrainRun> {
    let step = |idx: u32, kind: &str| flotilla_store::NewStep {
        idx,
        kind: kind.to_owned(),
        description: format!("{kind} it"),
    };
    vec![
        flotilla_store::NewTrainRun {
            repo: "api".to_owned(),
            event: "release-branch".to_owned(),
            version: "1.12.0".to_owned(),
            wave: 0,
            steps: vec![step(0, "branch")],
        },
        flotilla_store::NewTrainRun {
            repo: "web".to_owned(),
            event: "release-branch".to_owned(),
            version: "1.12.0".to_owned(),
            wave: 1,
            steps: vec![step(0, "branch"), step(1, "tag")],
        },
    ]
}

#[tokio::test]
async fn a_train_is_recorded_with_its_runs_steps_and_driver_at_once() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let (hour, runs, me) = (
            std::time::Duration::from_hours(1),
            planned_runs(),
            driver("node-a"),
        );
        let new = new_train(TrainKind::ReleaseStart, "1.12.0");
        let created = store
            .create_train_with_runs(&new, &runs, &me, hour)
            .await
            .unwrap();

        let recorded = store.runs_of_train(&created.id).await.unwrap();
        let repos: Vec<(&str, u32)> = recorded
            .iter()
            .map(|r| (r.run.repo.as_str(), r.run.wave))
            .collect();
        assert_eq!(repos, [("api", 0), ("web", 1)]);
        assert_eq!(
            store.steps_of_run(&recorded[1].run.id).await.unwrap().len(),
            2
        );
        assert_eq!(
            store
                .train_lease(&created.id)
                .await
                .unwrap()
                .map(|l| l.driver),
            Some(me.clone())
        );

        // A refused train leaves nothing behind: no second train, run, step or lease.
        let error = store
            .create_train_with_runs(&new, &runs, &me, hour)
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::TrainConflict { .. }), "{error}");
        assert_eq!(state.count("SELECT COUNT(*) FROM trains").await, 1);
        assert_eq!(state.count("SELECT COUNT(*) FROM runs").await, 2);
        assert_eq!(state.count("SELECT COUNT(*) FROM steps").await, 3);
        assert_eq!(state.count("SELECT COUNT(*) FROM train_leases").await, 1);
    })
    .await;
}

#[tokio::test]
async fn runs_missing_from_a_train_are_added_with_their_steps() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let created = train(&*store, "1.12.0").await;

        let added = store
            .add_train_runs(&created.id, &planned_runs())
            .await
            .unwrap();
        let missing = flotilla_store::Id::generate();
        let error = store
            .add_train_runs(&missing, &planned_runs())
            .await
            .unwrap_err();

        assert_eq!(added.len(), 2);
        assert!(
            added
                .iter()
                .all(|r| r.train_id.as_ref() == Some(&created.id))
        );
        assert_eq!(store.runs_of_train(&created.id).await.unwrap().len(), 2);
        assert_eq!(store.steps_of_run(&added[0].id).await.unwrap().len(), 1);
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
        assert_eq!(state.count("SELECT COUNT(*) FROM runs").await, 2);
    })
    .await;
}

#[tokio::test]
async fn a_request_to_cancel_a_running_train_is_kept_until_it_is_driven_again() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let pending = train(&*store, "1.12.0").await;
        assert!(
            !store
                .request_train_cancel(&pending.id, "rita")
                .await
                .unwrap(),
            "a train that does not run has nothing to stop"
        );
        assert_eq!(store.train_cancel_request(&pending.id).await.unwrap(), None);

        store
            .set_train_status(&pending.id, TrainStatus::Running)
            .await
            .unwrap();
        assert!(
            store
                .request_train_cancel(&pending.id, "rita")
                .await
                .unwrap()
        );
        let (by, at) = store
            .train_cancel_request(&pending.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by, "rita");
        assert!(at <= jiff::Timestamp::now());
        // The driver stops; the request stays with the cancelled train.
        store
            .set_train_status(&pending.id, TrainStatus::Cancelled)
            .await
            .unwrap();
        assert!(
            store
                .train_cancel_request(&pending.id)
                .await
                .unwrap()
                .is_some()
        );
        // Resuming drives it again: the old request is not for this driver.
        store
            .set_train_status(&pending.id, TrainStatus::Running)
            .await
            .unwrap();
        assert_eq!(store.train_cancel_request(&pending.id).await.unwrap(), None);
    })
    .await;
}
