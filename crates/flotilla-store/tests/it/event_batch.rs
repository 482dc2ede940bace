use flotilla_store::{
    Event, EventReceipt, EventStatus, HandledEvent, Id, NewEvent, Store, StoreError,
};

use crate::support::for_each_backend;

fn event(delivery: &str) -> NewEvent {
    NewEvent {
        source: "registry".into(),
        delivery_id: delivery.into(),
        kind: "image-pushed".into(),
        payload: serde_json::json!({ "tag": delivery }),
        replay_key: None,
    }
}

#[tokio::test]
async fn a_batch_records_new_events_and_reports_replays_in_order() {
    for_each_backend(async |state| {
        let store = state.open().await;
        store.record_event(&event("a")).await.unwrap();
        let receipts = store
            .record_events(&[event("a"), event("b"), event("b"), event("c")])
            .await
            .unwrap();
        let kinds: Vec<bool> = receipts
            .iter()
            .map(|r| matches!(r, EventReceipt::New(_)))
            .collect();
        assert_eq!(kinds, [false, true, false, true]);
        assert_eq!(
            receipts[1].event().id,
            receipts[2].event().id,
            "an in-batch repeat is the first"
        );
        assert_eq!(store.unhandled_events().await.unwrap().len(), 3);
    })
    .await;
}

/// More events than one statement takes, with a repeat across the statements' boundary.
#[tokio::test]
async fn a_batch_larger_than_one_insert_keeps_every_event_and_its_repeats() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let mut batch: Vec<NewEvent> = (0..70).map(|i| event(&format!("d{i}"))).collect();
        batch[40] = event("d5");
        let receipts = store.record_events(&batch).await.unwrap();
        assert_eq!(receipts.len(), 70);
        assert!(matches!(receipts[40], EventReceipt::Replay(_)));
        assert_eq!(receipts[40].event().id, receipts[5].event().id);
        let new: Vec<&Event> = receipts
            .iter()
            .filter(|r| matches!(r, EventReceipt::New(_)))
            .map(EventReceipt::event)
            .collect();
        assert_eq!(new.len(), 69);
        let mut stored = store.unhandled_events().await.unwrap();
        stored.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        let mut expected: Vec<Event> = new.into_iter().cloned().collect();
        expected.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        assert_eq!(stored, expected);
        assert!(
            stored
                .iter()
                .all(|e| e.payload["tag"] == e.delivery_id.as_str())
        );
    })
    .await;
}

/// Records one delivery and returns its event's id.
async fn recorded(store: &dyn Store, delivery: &str) -> Id {
    match store.record_event(&event(delivery)).await {
        Ok(receipt) => receipt.event().id.clone(),
        Err(error) => panic!("recording {delivery}: {error}"),
    }
}

fn mark(id: &Id, status: EventStatus, error: Option<&str>) -> HandledEvent {
    HandledEvent {
        id: id.clone(),
        status,
        error: error.map(str::to_owned),
    }
}

#[tokio::test]
async fn a_new_event_s_receipt_is_what_the_store_reads_back() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let receipts = store
            .record_events(&[event("a"), event("b")])
            .await
            .unwrap();
        let recorded: Vec<Event> = receipts.iter().map(|r| r.event().clone()).collect();
        assert_eq!(store.unhandled_events().await.unwrap(), recorded);
        assert_eq!(recorded[1].payload["tag"], "b");
    })
    .await;
}

#[tokio::test]
async fn a_batch_of_marks_is_applied_at_once() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let receipts = store
            .record_events(&[event("a"), event("b"), event("c")])
            .await
            .unwrap();
        let ids: Vec<Id> = receipts.iter().map(|r| r.event().id.clone()).collect();
        store
            .events_handled(&[
                mark(&ids[0], EventStatus::Ignored, None),
                mark(&ids[2], EventStatus::Failed, Some("no policy")),
            ])
            .await
            .unwrap();
        let unhandled = store.unhandled_events().await.unwrap();
        assert_eq!(
            unhandled.iter().map(|e| &e.id).collect::<Vec<_>>(),
            [&ids[1]]
        );
        let failed = store
            .events_by_status(EventStatus::Failed, 10)
            .await
            .unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].id, ids[2]);
        assert_eq!(failed[0].error.as_deref(), Some("no policy"));
        assert!(failed[0].processed_at.is_some());
    })
    .await;
}

#[tokio::test]
async fn a_batch_with_an_unknown_event_or_a_move_back_to_received_marks_none() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let known = recorded(&*store, "a").await;
        let unknown = Id::generate();

        let error = store
            .events_handled(&[
                mark(&known, EventStatus::Processed, None),
                mark(&unknown, EventStatus::Processed, None),
            ])
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::NotFound { entity: "event", id } if *id == unknown.as_str()),
            "{error}"
        );
        let error = store
            .events_handled(&[
                mark(&known, EventStatus::Processed, None),
                mark(&known, EventStatus::Received, None),
            ])
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
        assert_eq!(
            store.unhandled_events().await.unwrap().len(),
            1,
            "none marked"
        );
    })
    .await;
}

#[tokio::test]
async fn deliveries_and_marks_commit_together_or_not_at_all() {
    for_each_backend(async |state| {
        let store = state.open().await;
        let first = recorded(&*store, "a").await;

        let receipts = store
            .record_and_mark_events(&[event("b")], &[mark(&first, EventStatus::Processed, None)])
            .await
            .unwrap();
        assert!(matches!(receipts[..], [EventReceipt::New(_)]));
        let unhandled = store.unhandled_events().await.unwrap();
        assert_eq!(unhandled, [receipts[0].event().clone()]);

        let refused = store
            .record_and_mark_events(
                &[event("c")],
                &[mark(&Id::generate(), EventStatus::Processed, None)],
            )
            .await;
        assert!(refused.is_err());
        assert_eq!(
            store.unhandled_events().await.unwrap().len(),
            1,
            "the delivery of a refused batch is not recorded"
        );
    })
    .await;
}
