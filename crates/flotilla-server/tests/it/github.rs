//! GitHub deliveries: `X-Hub-Signature-256` over the raw body, `X-GitHub-Delivery` as the
//! delivery id, push payloads read, ping answered, other events acknowledged without acting.

use flotilla_engine::FleetEvent;
use serde_json::Value;

use crate::support::{HOOK_SECRET, OID_A, TestServer, ZERO, all_events, sign, tiny_fleet};

const DELIVERY: &str = "72d3162e-cc78-11e3-81ab-4c9367dc0958";

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_github_push_is_stored_with_its_delivery_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let body = format!(
        r#"{{"ref":"refs/heads/release-1.2.0","before":"{ZERO}","after":"{OID_A}","created":true,"deleted":false,
            "repository":{{"id":1,"name":"identity","full_name":"cloudforet-io/identity"}},
            "pusher":{{"name":"octocat"}},"commits":[]}}"#
    );
    let signature = sign(HOOK_SECRET, &body);
    let headers = |event: &'static str| {
        [
            ("X-Hub-Signature-256", signature.clone()),
            ("X-GitHub-Event", event.to_owned()),
            ("X-GitHub-Delivery", DELIVERY.to_owned()),
        ]
    };
    let send = |event: &'static str| {
        let headers = headers(event);
        let body = body.clone();
        let server = &server;
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            server.post_hook(&body, &headers).await
        }
    };

    let pong: Value = send("ping").await.json().await.unwrap();
    assert_eq!(pong["pong"], true);
    let create: Value = send("create").await.json().await.unwrap();
    assert!(
        create["ignored"].as_str().unwrap().contains("push"),
        "{create}"
    );
    assert!(
        all_events(&server.store).await.is_empty(),
        "ping and create store nothing"
    );

    let response = send("push").await;
    assert_eq!(response.status(), 200);
    let events = server.wait_handled(1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].source, "github");
    assert_eq!(events[0].delivery_id, format!("{DELIVERY}:0"));
    let stored: FleetEvent = serde_json::from_value(events[0].payload.clone()).unwrap();
    assert_eq!(
        stored,
        FleetEvent::GitPush {
            repo: "identity".into(),
            git_ref: "refs/heads/release-1.2.0".into(),
            before: ZERO.into(),
            after: OID_A.into(),
        }
    );
    server.stop().await;
}

/// A push of `identity`'s feature-x (no flow starts on it), `commits` as given.
fn feature_push(commits: &str) -> String {
    format!(
        r#"{{"ref":"refs/heads/feature-x","before":"{ZERO}","after":"{OID_A}",
            "repository":{{"name":"identity"}},"commits":{commits}}}"#
    )
}

/// `body` as GitHub sends a push, signed with the server's secret.
async fn post_github_push(server: &TestServer, body: &str, delivery: &str) -> reqwest::Response {
    server
        .post_hook(
            body,
            &[
                ("X-Hub-Signature-256", &sign(HOOK_SECRET, body)),
                ("X-GitHub-Event", "push"),
                ("X-GitHub-Delivery", delivery),
            ],
        )
        .await
}

/// GitHub caps payloads at 25 MB; a push near that size (a big merge) must get through the
/// default limit.
#[tokio::test(flavor = "multi_thread")]
async fn a_24_mb_github_push_fits_the_default_body_limit() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let body = feature_push(&format!(
        r#"[{{"message":"{}"}}]"#,
        "m".repeat(24 * 1000 * 1000)
    ));
    let response = post_github_push(&server, &body, "big-1").await;
    assert_eq!(response.status(), 200);
    assert_eq!(server.wait_handled(1).await.len(), 1);
    server.stop().await;
}

/// `X-GitHub-Delivery` is outside the signature: the same signed body under a new one is the
/// same delivery.
#[tokio::test(flavor = "multi_thread")]
async fn a_signed_push_replayed_with_a_new_delivery_header_is_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let body = feature_push("[]");
    let mut answers = Vec::new();
    for delivery in ["first-1", "captured-2", "captured-3"] {
        let response = post_github_push(&server, &body, delivery).await;
        assert_eq!(response.status(), 200);
        answers.push(response.json::<Value>().await.unwrap());
    }
    assert_eq!(answers[0]["status"], "recorded", "{answers:?}");
    assert_eq!(answers[1]["status"], "duplicate", "{answers:?}");
    assert_eq!(answers[2]["status"], "duplicate", "{answers:?}");
    let events = server.wait_handled(1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].delivery_id, "first-1:0");
    assert_eq!(all_events(&server.store).await.len(), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_workflow_run_event_nudges_the_wait_on_that_run_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&tiny_fleet(dir.path())).await;
    let post = |event: &'static str, body: String, signature: String| {
        let server = &server;
        async move {
            server
                .post_hook(
                    &body,
                    &[
                        ("X-Hub-Signature-256", signature.as_str()),
                        ("X-GitHub-Event", event),
                        ("X-GitHub-Delivery", DELIVERY),
                    ],
                )
                .await
        }
    };
    let run = r#"{"action":"completed","workflow_run":{"id":30433642,"status":"completed","conclusion":"success"}}"#;
    let answer: Value = post("workflow_run", run.to_owned(), sign(HOOK_SECRET, run))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["nudged"], 30_433_642);
    let job = r#"{"action":"completed","workflow_job":{"id":1,"run_id":30433643}}"#;
    let answer: Value = post("workflow_job", job.to_owned(), sign(HOOK_SECRET, job))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["nudged"], 30_433_643);

    let forged = post("workflow_run", run.to_owned(), sign("not-the-secret", run)).await;
    assert_eq!(forged.status(), 401);
    let shapeless = r#"{"action":"completed","workflow_run":{"name":"no id"}}"#;
    let malformed = post(
        "workflow_run",
        shapeless.to_owned(),
        sign(HOOK_SECRET, shapeless),
    )
    .await;
    assert_eq!(malformed.status(), 400);
    assert!(all_events(&server.store).await.is_empty());
    server.stop().await;
}
