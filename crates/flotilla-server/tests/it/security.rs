//! Refusals before anything is recorded, and replays acknowledged but not acted on twice.

use std::io::{Read as _, Write as _};

use serde_json::Value;

use crate::support::{
    HOOK_SECRET, REGISTRY_TOKEN, TestServer, event_count, hook_body, sign, tiny_fleet,
};

#[tokio::test(flavor = "multi_thread")]
async fn forged_unsigned_and_wrongly_signed_deliveries_get_401_and_nothing_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let body = hook_body("d-1", "refs/heads/feature");

    let forged = sign("another-secret-0123456789", &body);
    let response = server
        .post_hook(&body, &[("X-Flotilla-Signature-256", &forged)])
        .await;
    assert_eq!(response.status(), 401);
    let unsigned = server.post_hook(&body, &[]).await;
    assert_eq!(unsigned.status(), 401);
    // A valid signature of another body: the signature covers the exact bytes.
    let other = sign(HOOK_SECRET, &hook_body("d-2", "refs/heads/feature"));
    let swapped = server
        .post_hook(&body, &[("X-Flotilla-Signature-256", &other)])
        .await;
    assert_eq!(swapped.status(), 401);
    let github_forged = server
        .post_hook(
            &body,
            &[
                ("X-Hub-Signature-256", &forged),
                ("X-GitHub-Event", "push"),
                ("X-GitHub-Delivery", "g-1"),
            ],
        )
        .await;
    assert_eq!(github_forged.status(), 401);

    assert_eq!(event_count(&server.store).await, 0);
    let metrics = server.metrics().await;
    assert!(
        metrics.contains("flotilla_events_rejected_total{reason=\"unauthorized\"} 4\n"),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_or_missing_registry_token_gets_401_and_nothing_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let envelope = r#"{"events":[{"id":"e1","action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","repository":"spaceone/identity","tag":"1.0.0","digest":"sha256:aa"}}]}"#;
    for token in [None, Some("registry-token-012345678"), Some(HOOK_SECRET)] {
        let response = server.post_registry(envelope, token).await;
        assert_eq!(response.status(), 401, "{token:?}");
    }
    assert_eq!(event_count(&server.store).await, 0);
    assert_eq!(
        server
            .post_registry(envelope, Some(REGISTRY_TOKEN))
            .await
            .status(),
        200
    );
    assert_eq!(event_count(&server.store).await, 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_body_gets_413_whether_announced_or_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(&tiny_fleet(dir.path()), 1024).await;
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(2000));
    let response = server
        .post_hook(
            &big,
            &[("X-Flotilla-Signature-256", &sign(HOOK_SECRET, &big))],
        )
        .await;
    assert_eq!(response.status(), 413);
    assert_eq!(
        server
            .post_registry(&big, Some(REGISTRY_TOKEN))
            .await
            .status(),
        413
    );

    // Chunked, without a Content-Length: the limit applies while reading.
    let addr = server.url.trim_start_matches("http://").to_owned();
    let status_line = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        let head = "POST /hooks/git HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\
                    X-Flotilla-Signature-256: sha256=00\r\nConnection: close\r\n\r\n";
        stream.write_all(head.as_bytes()).unwrap();
        let chunk = format!("200\r\n{}\r\n", "y".repeat(0x200));
        // The server may answer and close before the end: later writes may fail.
        for _ in 0..8 {
            if stream.write_all(chunk.as_bytes()).is_err() {
                break;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer.lines().next().unwrap_or_default().to_owned()
    })
    .await
    .unwrap();
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");

    assert_eq!(event_count(&server.store).await, 0);
    let metrics = server.metrics().await;
    assert!(
        metrics.contains("flotilla_events_rejected_total{reason=\"too_large\"} 3\n"),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_gets_400_after_verification_and_nothing_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    for body in [
        "{not json",
        r#"{"repo":"identity","delivery":"d","updates":[{"ref":"refs/heads/x","before":"nothex","after":"nothex"}]}"#,
        r#"{"repo":"identity","delivery":"d","updates":[],"extra":1}"#,
    ] {
        let response = server.deliver(body).await;
        assert_eq!(response.status(), 400, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert!(
            answer["error"]
                .as_str()
                .unwrap()
                .starts_with("malformed delivery"),
            "{answer}"
        );
    }
    assert_eq!(
        server
            .post_registry("{\"events\":", Some(REGISTRY_TOKEN))
            .await
            .status(),
        400
    );
    assert_eq!(event_count(&server.store).await, 0);
    let metrics = server.metrics().await;
    assert!(
        metrics.contains("flotilla_events_rejected_total{reason=\"malformed\"} 4\n"),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_delivery_is_acknowledged_and_recorded_and_processed_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let body = hook_body("d-replay", "refs/heads/feature");

    let first: Value = server.deliver(&body).await.json().await.unwrap();
    assert_eq!(first["replay"], false);
    assert_eq!(first["recorded"].as_array().unwrap().len(), 1);
    let events = server.wait_handled(1).await;
    let handled_at = events[0].processed_at;
    assert!(handled_at.is_some());

    let second = server.deliver(&body).await;
    assert_eq!(second.status(), 200);
    let second: Value = second.json().await.unwrap();
    assert_eq!(second["replay"], true);
    assert_eq!(second["recorded"].as_array().unwrap().len(), 0);

    let events = server.wait_handled(1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].delivery_id, "d-replay:0");
    assert_eq!(
        events[0].processed_at, handled_at,
        "the replay was processed again"
    );
    let metrics = server.metrics().await;
    assert!(
        metrics.contains("flotilla_events_received_total{source=\"git\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("flotilla_events_replayed_total{source=\"git\"} 1\n"),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn health_answers_while_the_store_does() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let response = server
        .http
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.store.close().await;
    let response = server
        .http
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    server.stop().await;
}
