//! A server on 127.0.0.1:0 over a fleet in a temporary directory, and signing helpers.

#![expect(
    clippy::unwrap_used,
    reason = "a fixture that cannot be built fails the test"
)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use flotilla_engine::{Engine, Workspace};
use flotilla_server::{Secret, ServeConfig, ServerError};
use flotilla_store::{Event, EventStatus, Store};
use flotilla_testkit::{Git, wait};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const HOOK_SECRET: &str = "hook-secret-0123456789";
pub const REGISTRY_TOKEN: &str = "registry-token-0123456789";
pub const API_TOKEN: &str = "api-token-0123456789";

/// A fleet of one repository whose remote does not exist: enough for everything that does not
/// run a flow.
pub const TINY_MANIFEST: &str =
    "repositories:\n  - name: identity\n    remote: remotes/identity.git\n    category: backend\n";

pub const ZERO: &str = "0000000000000000000000000000000000000000";
pub const OID_A: &str = "1111111111111111111111111111111111111111";
pub const OID_B: &str = "2222222222222222222222222222222222222222";

pub fn tiny_fleet(dir: &Path) -> std::path::PathBuf {
    let manifest = dir.join("flotilla.yaml");
    std::fs::write(&manifest, TINY_MANIFEST).unwrap();
    manifest
}

/// The sample fleet of `flotilla demo`: real bare repositories with real builds.
pub fn demo_fleet(dir: &Path) -> std::path::PathBuf {
    flotilla_engine::demo::prepare(
        dir,
        &flotilla_git::Git::new(),
        &flotilla_engine::demo::DemoRegistries::default(),
    )
    .unwrap()
}

pub async fn engine(manifest: &Path) -> Engine {
    let text = std::fs::read_to_string(manifest).unwrap();
    let fleet = flotilla_core::manifest::load("flotilla.yaml", &text).unwrap();
    let workspace = Workspace::open(fleet, manifest).await.unwrap();
    Engine::new(
        workspace,
        flotilla_engine::progress::silent(),
        Arc::new(AtomicBool::new(false)),
    )
}

pub fn config(body_limit: usize) -> ServeConfig {
    let mut config = ServeConfig::new(
        ServeConfig::DEFAULT_LISTEN,
        Secret::new("HOOK", HOOK_SECRET).unwrap(),
        Secret::new("REGISTRY", REGISTRY_TOKEN).unwrap(),
        Secret::new("API", API_TOKEN).unwrap(),
    );
    config.body_limit = body_limit;
    config
}

pub struct TestServer {
    pub url: String,
    pub store: Arc<dyn Store>,
    pub http: reqwest::Client,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<Result<(), ServerError>>,
}

impl TestServer {
    pub async fn start(manifest: &Path) -> Self {
        Self::start_with(manifest, ServeConfig::DEFAULT_BODY_LIMIT).await
    }

    pub async fn start_with(manifest: &Path, body_limit: usize) -> Self {
        let engine = engine(manifest).await;
        let store = engine.workspace().store.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(flotilla_server::serve_on(
            listener,
            engine,
            config(body_limit),
            async move {
                let _ = stop.await;
            },
        ));
        Self {
            url,
            store,
            http: reqwest::Client::new(),
            shutdown,
            task,
        }
    }

    /// Graceful shutdown, as on SIGTERM; returns when `serve_on` has returned.
    pub async fn stop(self) {
        self.shutdown.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }

    pub async fn post_hook(&self, body: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/hooks/git", self.url))
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// A delivery of flotilla's own hook, signed with the server's secret.
    pub async fn deliver(&self, body: &str) -> reqwest::Response {
        self.post_hook(
            body,
            &[("X-Flotilla-Signature-256", &sign(HOOK_SECRET, body))],
        )
        .await
    }

    pub async fn post_registry(&self, body: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/hooks/registry", self.url))
            .header(
                "Content-Type",
                "application/vnd.docker.distribution.events.v1+json",
            )
            .body(body.to_owned());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/api/v1{path}", self.url))
            .bearer_auth(API_TOKEN)
    }

    pub async fn metrics(&self) -> String {
        let response = self
            .http
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }

    /// Waits (bounded) until the store holds `count` events and none is left unhandled.
    pub async fn wait_handled(&self, count: u64) -> Vec<Event> {
        wait::until_async(&format!("{count} events, all handled"), || async {
            let counts = self.store.count_events_by_status().await.unwrap();
            let total: u64 = counts.iter().map(|(_, n)| n).sum();
            let received = counts
                .iter()
                .find(|(s, _)| *s == EventStatus::Received)
                .map_or(0, |(_, n)| *n);
            (total >= count && received == 0).then_some(())
        })
        .await;
        all_events(&self.store).await
    }
}

/// Every stored event, whatever its status.
pub async fn all_events(store: &Arc<dyn Store>) -> Vec<Event> {
    let mut events = Vec::new();
    for status in [
        EventStatus::Received,
        EventStatus::Processed,
        EventStatus::Ignored,
        EventStatus::Failed,
    ] {
        events.extend(store.events_by_status(status, 10_000).await.unwrap());
    }
    // The worker may move an event from one status to the next between two listings; keep the
    // latest sighting of each.
    let mut seen = std::collections::HashSet::new();
    let mut unique: Vec<Event> = events
        .into_iter()
        .rev()
        .filter(|e| seen.insert(e.id.to_string()))
        .collect();
    unique.reverse();
    unique
}

/// Counted in one query: listing status by status would count an event twice when the worker
/// moves it from `received` to `processed` between two listings.
pub async fn event_count(store: &Arc<dyn Store>) -> usize {
    let counts = store.count_events_by_status().await.unwrap();
    usize::try_from(counts.iter().map(|(_, n)| n).sum::<u64>()).unwrap()
}

pub fn sign(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A body of flotilla's hook with one ref update.
pub fn hook_body(delivery: &str, git_ref: &str) -> String {
    format!(
        r#"{{"repo":"identity","delivery":"{delivery}","updates":[{{"ref":"{git_ref}","before":"{OID_A}","after":"{OID_B}"}}]}}"#
    )
}

/// git for the tests' repositories: isolated from the user's settings, as a fixed identity.
pub const GIT: Git = Git::new();

pub fn hook_secret() -> Secret {
    Secret::new("HOOK", HOOK_SECRET).unwrap()
}
