//! Deliveries the server must refuse or ignore, sent to the real binary: nothing refused is
//! recorded, and a replay is acknowledged without being acted on twice. (The server crate
//! tests each check on its own; these prove the binary is wired the same way.)

use serde_json::Value;

use super::harness::{
    HOOK_SECRET, REGISTRY_TOKEN, Server, cd_fleet, deploy_commits, envelope, fake_digest, history,
    http, sign,
};
use flotilla_testkit::free_port;

const BEFORE: &str = "1111111111111111111111111111111111111111";
const AFTER: &str = "2222222222222222222222222222222222222222";

/// A post-receive delivery for a branch no flow starts on (so processing it runs nothing).
fn hook_body(delivery: &str) -> String {
    format!(
        r#"{{"repo":"identity","delivery":"{delivery}","updates":[{{"ref":"refs/heads/feature-x","before":"{BEFORE}","after":"{AFTER}"}}]}}"#
    )
}

fn post_git(server: &Server, body: &[u8], signature: Option<&str>) -> u16 {
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(signature) = signature {
        headers.push(("X-Flotilla-Signature-256", signature));
    }
    http("POST", &server.url("/hooks/git"), &headers, Some(body)).status
}

/// `name{labels} value` of the Prometheus text at `/metrics`.
fn metric(server: &Server, series: &str) -> u64 {
    let text = http("GET", &server.url("/metrics"), &[], None).body;
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series} is not in /metrics:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn forged_unsigned_oversized_and_malformed_deliveries_are_refused_and_record_nothing() {
    let sandbox = cd_fleet();
    let server = Server::start_with(&sandbox, free_port(), &["--body-limit", "1048576"]);
    let seed = deploy_commits(&sandbox);
    let body = hook_body("forged-1");

    assert_eq!(post_git(&server, body.as_bytes(), None), 401, "unsigned");
    let forged = sign("not-the-server-secret-0123456789", body.as_bytes());
    assert_eq!(
        post_git(&server, body.as_bytes(), Some(&forged)),
        401,
        "forged"
    );
    let other = sign(HOOK_SECRET, hook_body("other").as_bytes());
    assert_eq!(
        post_git(&server, body.as_bytes(), Some(&other)),
        401,
        "a genuine signature of another body"
    );

    let rc = envelope("rc-1", "fleet/identity", "1.0.0rc1", &fake_digest('1'));
    assert_eq!(
        server
            .post_registry(&rc, "wrong-token-0123456789abcdef")
            .status,
        401
    );
    let no_token = http(
        "POST",
        &server.url("/hooks/registry"),
        &[],
        Some(rc.as_bytes()),
    );
    assert_eq!(no_token.status, 401);

    // 2 MiB, twice the configured limit: refused from its length, signed or not.
    let huge = format!(
        r#"{{"events":[],"padding":"{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    assert_eq!(server.post_registry(&huge, REGISTRY_TOKEN).status, 413);
    let signature = sign(HOOK_SECRET, huge.as_bytes());
    assert_eq!(post_git(&server, huge.as_bytes(), Some(&signature)), 413);

    // Authentic but not JSON of the expected shape.
    assert_eq!(
        server
            .post_registry(r#"{"events": ["#, REGISTRY_TOKEN)
            .status,
        400
    );
    let broken = br#"{"repo":"identity","delivery":"x","updates":"#;
    assert_eq!(
        post_git(&server, broken, Some(&sign(HOOK_SECRET, broken))),
        400
    );

    // The API wants its own token, not the others.
    for token in [None, Some(REGISTRY_TOKEN)] {
        let headers: Vec<(&str, String)> = token
            .map(|t| vec![("Authorization", format!("Bearer {t}"))])
            .unwrap_or_default();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let reply = http("GET", &server.url("/api/v1/deployments"), &headers, None);
        assert_eq!(reply.status, 401, "{token:?}");
    }

    assert!(server.events().is_empty(), "{:#?}", server.events());
    assert!(history(&sandbox, None).is_empty());
    assert_eq!(deploy_commits(&sandbox), seed);
    assert_eq!(
        metric(
            &server,
            r#"flotilla_events_rejected_total{reason="unauthorized"}"#
        ),
        5
    );
    assert_eq!(
        metric(
            &server,
            r#"flotilla_events_rejected_total{reason="too_large"}"#
        ),
        2
    );
    assert_eq!(
        metric(
            &server,
            r#"flotilla_events_rejected_total{reason="malformed"}"#
        ),
        2
    );
    assert_eq!(
        metric(
            &server,
            r#"flotilla_events_received_total{source="registry"}"#
        ),
        0
    );
    assert_eq!(
        metric(&server, r#"flotilla_events_received_total{source="git"}"#),
        0
    );
}

#[test]
fn a_replayed_delivery_is_acknowledged_and_acted_on_once() {
    let sandbox = cd_fleet();
    let server = Server::start(&sandbox, free_port());
    let seed = deploy_commits(&sandbox).len();

    let rc = envelope(
        "replayed-1",
        "fleet/identity",
        "1.0.0rc1",
        &fake_digest('1'),
    );
    let first = server.post_registry(&rc, REGISTRY_TOKEN);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["replay"], false);
    server.wait_image_event("1.0.0rc1");
    assert_eq!(deploy_commits(&sandbox).len(), seed + 1);

    // The registry redelivers (its timeout passed before our answer arrived).
    let again = server.post_registry(&rc, REGISTRY_TOKEN);
    assert_eq!(again.status, 200, "acknowledged, so the registry moves on");
    let again = again.json();
    assert_eq!(again["replay"], true, "{again}");
    assert_eq!(again["recorded"], Value::Array(Vec::new()));

    let push = hook_body("hook-replayed-1");
    let signature = sign(HOOK_SECRET, push.as_bytes());
    assert_eq!(post_git(&server, push.as_bytes(), Some(&signature)), 200);
    assert_eq!(post_git(&server, push.as_bytes(), Some(&signature)), 200);

    // Events are processed in arrival order: once this later one is handled, anything the
    // replays might have started would have run too.
    let marker = envelope("marker-1", "other/thing", "9.9.9", &fake_digest('9'));
    assert_eq!(server.post_registry(&marker, REGISTRY_TOKEN).status, 200);
    let marker = server.wait_image_event("9.9.9");
    assert_eq!(marker["status"], "ignored", "{marker:#}");

    let events = server.events();
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e["delivery_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.iter().filter(|id| **id == "replayed-1").count(),
        1,
        "{ids:?}"
    );
    assert_eq!(
        ids.iter()
            .filter(|id| id.starts_with("hook-replayed-1"))
            .count(),
        1,
        "{ids:?}"
    );
    assert_eq!(events.len(), 3, "{events:#?}");
    assert_eq!(history(&sandbox, None).len(), 1);
    assert_eq!(deploy_commits(&sandbox).len(), seed + 1);
    assert_eq!(
        metric(
            &server,
            r#"flotilla_events_replayed_total{source="registry"}"#
        ),
        1
    );
    assert_eq!(
        metric(&server, r#"flotilla_events_replayed_total{source="git"}"#),
        1
    );
}
