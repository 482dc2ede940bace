//! An event stored and acknowledged by a server that died before processing it is processed
//! exactly once by the next server on the same state.

use flotilla_engine::FleetEvent;
use flotilla_store::{EventReceipt, NewEvent};
use serde_json::Value;

use crate::support::{OID_A, OID_B, TestServer, demo_fleet, engine, hook_body};

#[tokio::test(flavor = "multi_thread")]
async fn an_acknowledged_event_left_unprocessed_is_processed_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = demo_fleet(dir.path());
    // What a server killed right after answering leaves: the event committed as `received`.
    {
        let engine = engine(&manifest).await;
        let event = FleetEvent::GitPush {
            repo: "identity".into(),
            git_ref: "refs/heads/master".into(),
            before: OID_A.into(),
            after: OID_B.into(),
        };
        let receipt = engine
            .workspace()
            .store
            .record_event(&NewEvent {
                source: "git".into(),
                delivery_id: "killed-1:0".into(),
                kind: event.kind().into(),
                payload: serde_json::to_value(&event).unwrap(),
                replay_key: None,
            })
            .await
            .unwrap();
        assert!(matches!(receipt, EventReceipt::New(_)));
        engine.workspace().store.close().await;
    }

    let server = TestServer::start(&manifest).await;
    let events = server.wait_handled(1).await;
    let handled_at = events[0].processed_at;
    assert!(handled_at.is_some());
    let trains = server.store.list_trains(10).await.unwrap();
    assert_eq!(trains.len(), 1, "the master push flow ran once");
    server.stop().await;

    // Another restart, and the sender retrying the same delivery: nothing runs again.
    let server = TestServer::start(&manifest).await;
    let retry: Value = server
        .deliver(&hook_body("killed-1", "refs/heads/master"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(retry["replay"], true);
    let events = server.wait_handled(1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].processed_at, handled_at);
    assert_eq!(server.store.list_trains(10).await.unwrap().len(), 1);
    server.stop().await;
}
