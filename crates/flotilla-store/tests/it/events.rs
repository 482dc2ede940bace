use std::time::Duration;

use flotilla_store::{EventReceipt, EventStatus, NewEvent, StoreError};
use serde_json::json;

use crate::support::for_each_backend;

fn push(source: &str, delivery_id: &str, tag: &str) -> NewEvent {
    NewEvent {
        source: source.to_owned(),
        delivery_id: delivery_id.to_owned(),
        kind: "push".to_owned(),
        payload: json!({ "target": { "repository": "spaceone/identity", "tag": tag } }),
        replay_key: None,
    }
}

#[tokio::test]
async fn a_replayed_delivery_is_reported_and_not_recorded_twice() {
    for_each_backend(async |state| {
        let store = state.open().await;

        let first = store
            .record_event(&push("registry", "d-1", "1.12.0"))
            .await
            .unwrap();
        let replay = store
            .record_event(&push("registry", "d-1", "1.12.1"))
            .await
            .unwrap();
        let elsewhere = store
            .record_event(&push("git", "d-1", "1.12.0"))
            .await
            .unwrap();

        let EventReceipt::New(original) = &first else {
            panic!("first delivery should be new: {first:?}")
        };
        assert_eq!(replay, EventReceipt::Replay(original.clone()));
        assert_eq!(
            replay.event().payload["target"]["tag"],
            "1.12.0",
            "the first delivery wins"
        );
        assert!(
            matches!(elsewhere, EventReceipt::New(_)),
            "delivery ids are per source"
        );
        assert_eq!(store.unhandled_events().await.unwrap().len(), 2);
    })
    .await;
}

fn keyed(delivery_id: &str, key: &str) -> NewEvent {
    NewEvent {
        replay_key: Some(key.to_owned()),
        ..push("github", delivery_id, "1.0.0")
    }
}

#[tokio::test]
async fn an_event_whose_replay_key_is_stored_is_a_replay_whatever_its_delivery_id() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let first = store.record_event(&keyed("g-1", "k1:0")).await.unwrap();
        let EventReceipt::New(original) = &first else {
            panic!("first delivery should be new: {first:?}")
        };
        // The same signed body under a new delivery id, alone and twice in one batch.
        let replay = store.record_event(&keyed("g-2", "k1:0")).await.unwrap();
        assert_eq!(replay, EventReceipt::Replay(original.clone()));
        let batch = store
            .record_events(&[
                keyed("g-3", "k2:0"),
                keyed("g-4", "k2:0"),
                keyed("g-5", "k1:0"),
            ])
            .await
            .unwrap();
        let EventReceipt::New(second) = &batch[0] else {
            panic!("a new key is a new event: {batch:?}")
        };
        assert_eq!(batch[1], EventReceipt::Replay(second.clone()));
        assert_eq!(batch[2], EventReceipt::Replay(original.clone()));
        assert_eq!(store.unhandled_events().await.unwrap().len(), 2);

        // Past the retention window the key is forgotten: the body is a new event again.
        assert_eq!(store.forget_replay_keys(Duration::ZERO).await.unwrap(), 2);
        let again = store.record_event(&keyed("g-6", "k1:0")).await.unwrap();
        assert!(matches!(again, EventReceipt::New(_)), "{again:?}");
        // Keys younger than the cut stay.
        assert_eq!(
            store
                .forget_replay_keys(Duration::from_hours(1))
                .await
                .unwrap(),
            0
        );
        let replay = store.record_event(&keyed("g-7", "k1:0")).await.unwrap();
        assert!(matches!(replay, EventReceipt::Replay(_)), "{replay:?}");
    })
    .await;
}

#[tokio::test]
async fn handled_events_leave_the_unhandled_list() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let first = store
            .record_event(&push("registry", "d-1", "1.12.0"))
            .await
            .unwrap();
        let second = store
            .record_event(&push("registry", "d-2", "1.12.0"))
            .await
            .unwrap();

        let failed = store
            .event_handled(&first.event().id, EventStatus::Failed, Some("no policy"))
            .await
            .unwrap();

        assert_eq!(failed.status, EventStatus::Failed);
        assert_eq!(failed.error.as_deref(), Some("no policy"));
        assert!(failed.processed_at.is_some());
        let unhandled = store.unhandled_events().await.unwrap();
        assert_eq!(unhandled, [second.event().clone()]);
        let error = store
            .event_handled(&second.event().id, EventStatus::Received, None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                StoreError::InvalidTransition {
                    entity: "event",
                    ..
                }
            ),
            "{error}"
        );
    })
    .await;
}

#[tokio::test]
async fn events_are_counted_and_listed_by_status() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let mut ids = Vec::new();
        for delivery in ["d-1", "d-2", "d-3", "d-4"] {
            let receipt = store
                .record_event(&push("registry", delivery, "1.12.0"))
                .await
                .unwrap();
            ids.push(receipt.event().id.clone());
        }
        for id in &ids[..2] {
            store
                .event_handled(id, EventStatus::Ignored, None)
                .await
                .unwrap();
        }
        store
            .event_handled(&ids[2], EventStatus::Failed, Some("no policy"))
            .await
            .unwrap();

        let counts = store.count_events_by_status().await.unwrap();
        let ignored = store
            .events_by_status(EventStatus::Ignored, 10)
            .await
            .unwrap();
        let last_ignored = store
            .events_by_status(EventStatus::Ignored, 1)
            .await
            .unwrap();

        assert_eq!(
            counts,
            [
                (EventStatus::Received, 1),
                (EventStatus::Processed, 0),
                (EventStatus::Ignored, 2),
                (EventStatus::Failed, 1),
            ]
        );
        assert_eq!(
            ignored.iter().map(|e| &e.id).collect::<Vec<_>>(),
            [&ids[1], &ids[0]],
            "newest first"
        );
        assert_eq!(last_ignored.len(), 1);
        assert_eq!(last_ignored[0].id, ids[1]);
    })
    .await;
}
