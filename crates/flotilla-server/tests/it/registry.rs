//! Registry notifications: only tagged manifest pushes become events, and an envelope with
//! nothing to act on is still acknowledged.

use flotilla_engine::FleetEvent;
use serde_json::Value;

use crate::support::{REGISTRY_TOKEN, TestServer, all_events, tiny_fleet};

const ENVELOPE: &str = r#"{"events":[
  {"id":"blob-1","timestamp":"2026-01-01T00:00:00Z","action":"push",
   "target":{"mediaType":"application/octet-stream","size":1024,"digest":"sha256:1111","length":1024,"repository":"spaceone/identity","url":"http://r/v2/spaceone/identity/blobs/sha256:1111"},
   "request":{"method":"PUT"},"actor":{},"source":{"addr":"r:5000"}},
  {"id":"manifest-1","timestamp":"2026-01-01T00:00:01Z","action":"push",
   "target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":500,"digest":"sha256:2222","length":500,"repository":"spaceone/identity","url":"http://r/v2/spaceone/identity/manifests/sha256:2222","tag":"1.2.0rc1"},
   "request":{"method":"PUT"},"actor":{},"source":{"addr":"r:5000"}},
  {"id":"pull-1","timestamp":"2026-01-01T00:00:02Z","action":"pull",
   "target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":500,"digest":"sha256:2222","length":500,"repository":"spaceone/identity","tag":"1.2.0rc1"},
   "request":{"method":"GET"},"actor":{},"source":{"addr":"r:5000"}}
]}"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_blob_push_a_tagged_manifest_push_and_a_pull_store_exactly_one_image_pushed() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let response = server.post_registry(ENVELOPE, Some(REGISTRY_TOKEN)).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["recorded"].as_array().unwrap().len(), 1);
    assert_eq!(answer["ignored"], 2);

    let events = server.wait_handled(1).await;
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.source, "registry");
    assert_eq!(event.delivery_id, "manifest-1");
    assert_eq!(event.kind, "image-pushed");
    let stored: FleetEvent = serde_json::from_value(event.payload.clone()).unwrap();
    assert_eq!(
        stored,
        FleetEvent::ImagePushed {
            repository: "spaceone/identity".into(),
            tag: "1.2.0rc1".into(),
            digest: "sha256:2222".into(),
        }
    );

    // The registry redelivers after a timeout: acknowledged, not stored again.
    let again: Value = server
        .post_registry(ENVELOPE, Some(REGISTRY_TOKEN))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["replay"], true);
    assert_eq!(all_events(&server.store).await.len(), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_envelope_with_nothing_to_act_on_is_acknowledged_so_the_registry_moves_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let pulls_only = r#"{"events":[{"id":"p","action":"pull","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","repository":"x","tag":"1","digest":"sha256:3"}}]}"#;
    let response = server.post_registry(pulls_only, Some(REGISTRY_TOKEN)).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["ignored"], 1);
    assert_eq!(answer["replay"], false);
    assert!(all_events(&server.store).await.is_empty());
    server.stop().await;
}
