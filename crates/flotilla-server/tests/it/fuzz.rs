//! The delivery parsers on hostile input, reached as a sender reaches them: signed deliveries
//! (so that they get past the signature to the parser) of arbitrary bytes, of valid deliveries
//! with a few bytes changed, and of well-formed JSON with arbitrary field values, in each format
//! the server reads: flotilla's hook, GitHub pushes and registry envelopes. The server answers
//! every one with a success or a refusal (never a server error or a dropped connection) and
//! stays healthy.

use hmac::{Hmac, Mac};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;
use sha2::Sha256;

use crate::support::{HOOK_SECRET, OID_A, OID_B, REGISTRY_TOKEN, TestServer, tiny_fleet};

/// A thousand deliveries of each format, in a few seconds on loopback.
const CASES: u32 = 1024;

#[derive(Debug, Clone, Copy)]
enum Format {
    Hook,
    GitHub,
    Registry,
}

impl Format {
    /// A delivery the server accepts, for mutations to start from.
    fn valid(self) -> String {
        match self {
            Self::Hook => json!({"repo": "identity", "delivery": "d-1",
                "updates": [{"ref": "refs/heads/master", "before": OID_A, "after": OID_B}]})
            .to_string(),
            Self::GitHub => json!({"ref": "refs/heads/master", "before": OID_A, "after": OID_B,
                "repository": {"name": "identity", "full_name": "o/identity"}, "commits": []})
            .to_string(),
            Self::Registry => json!({"events": [{"id": "e-1", "action": "push", "target": {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "repository": "fleet/identity", "tag": "1.0.0rc1", "digest": "sha256:ab"}}]})
            .to_string(),
        }
    }

    /// Well-formed JSON of the format's shape with arbitrary values.
    fn shaped(self) -> BoxedStrategy<Vec<u8>> {
        let text = || "\\PC{0,70}";
        match self {
            Self::Hook => (
                text(),
                text(),
                prop::collection::vec((text(), text(), text()), 0..4),
            )
                .prop_map(|(repo, delivery, updates)| {
                    let updates: Vec<_> = updates
                        .into_iter()
                        .map(|(r, b, a)| json!({"ref": r, "before": b, "after": a}))
                        .collect();
                    json!({"repo": repo, "delivery": delivery, "updates": updates})
                })
                .prop_map(|v| v.to_string().into_bytes())
                .boxed(),
            Self::GitHub => (text(), text(), text(), text())
                .prop_map(|(r, b, a, name)| {
                    json!({"ref": r, "before": b, "after": a, "repository": {"name": name}})
                        .to_string()
                        .into_bytes()
                })
                .boxed(),
            Self::Registry => prop::collection::vec((text(), text(), text(), text(), text()), 0..4)
                .prop_map(|events| {
                    let events: Vec<_> = events
                        .into_iter()
                        .map(|(id, action, media_type, repository, tag)| {
                            json!({"id": id, "action": action, "target": {
                                "mediaType": media_type, "repository": repository,
                                "tag": tag, "digest": "sha256:ab"}})
                        })
                        .collect();
                    json!({ "events": events }).to_string().into_bytes()
                })
                .boxed(),
        }
    }

    fn bodies(self) -> impl Strategy<Value = Vec<u8>> {
        let valid = self.valid().into_bytes();
        let edits = prop::collection::vec((any::<Index>(), any::<u8>(), 0..3_u8), 1..6);
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..512),
            edits.prop_map(move |edits| mutate(valid.clone(), &edits)),
            self.shaped(),
        ]
    }
}

/// `valid` with each edit applied: a byte replaced, inserted, or everything from it cut.
fn mutate(mut body: Vec<u8>, edits: &[(Index, u8, u8)]) -> Vec<u8> {
    for (at, byte, how) in edits {
        if body.is_empty() {
            break;
        }
        let i = at.index(body.len());
        match how {
            0 => body[i] = *byte,
            1 => body.insert(i, *byte),
            _ => body.truncate(i),
        }
    }
    body
}

#[expect(clippy::unwrap_used, reason = "HMAC takes a key of any length")]
fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(HOOK_SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn deliver(
    server: &TestServer,
    format: Format,
    body: Vec<u8>,
    n: u64,
) -> reqwest::StatusCode {
    let request = match format {
        Format::Hook => server
            .http
            .post(format!("{}/hooks/git", server.url))
            .header("X-Flotilla-Signature-256", sign(&body)),
        Format::GitHub => server
            .http
            .post(format!("{}/hooks/git", server.url))
            .header("X-Hub-Signature-256", sign(&body))
            .header("X-GitHub-Event", "push")
            .header("X-GitHub-Delivery", format!("fuzz-{n}")),
        Format::Registry => server
            .http
            .post(format!("{}/hooks/registry", server.url))
            .header(
                "Content-Type",
                "application/vnd.docker.distribution.events.v1+json",
            )
            .bearer_auth(REGISTRY_TOKEN),
    };
    match request.body(body).send().await {
        Ok(response) => response.status(),
        Err(err) => panic!("the server dropped a {format:?} delivery: {err}"),
    }
}

#[test]
fn signed_deliveries_of_arbitrary_bytes_are_answered_and_never_break_the_server() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = runtime.block_on(TestServer::start(&tiny_fleet(dir.path())));
    let sent = std::sync::atomic::AtomicU64::new(0);
    for format in [Format::Hook, Format::GitHub, Format::Registry] {
        let mut runner = TestRunner::new(Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        });
        let outcome = runner.run(&format.bodies(), |body| {
            let n = sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let status = runtime.block_on(deliver(&server, format, body.clone(), n));
            prop_assert!(
                status.is_success() || status.is_client_error(),
                "{:?} delivery {:?} answered {}",
                format,
                String::from_utf8_lossy(&body),
                status
            );
            Ok(())
        });
        if let Err(err) = outcome {
            panic!("{format:?}: {err}");
        }
    }
    let health = runtime.block_on(async {
        server
            .http
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(
        health, 200,
        "the server is healthy after {sent:?} deliveries"
    );
    runtime.block_on(server.stop());
}
