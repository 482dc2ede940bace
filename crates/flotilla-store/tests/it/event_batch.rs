use flotilla_store::{EventReceipt, NewEvent, SqliteStore, Store};

fn event(delivery: &str) -> NewEvent {
    NewEvent {
        source: "registry".into(),
        delivery_id: delivery.into(),
        kind: "image-pushed".into(),
        payload: serde_json::json!({ "tag": delivery }),
    }
}

#[tokio::test]
async fn a_batch_records_new_events_and_reports_replays_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
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
}
