//! A fake of GitHub's REST API, in process, for tests: the Actions endpoints flotilla's GitHub
//! client uses (workflow dispatch, runs of a workflow, a run, its jobs, a job's logs, cancel,
//! and an App installation's access token), answering with the status codes, headers (`ETag`
//! and 304 on `If-None-Match`, `Link` pagination, `X-RateLimit-*`, `Retry-After`) and JSON
//! shapes of GitHub's published REST description (github/rest-api-description). It is a fake:
//! no GitHub server can run on these machines, so tests and the README name it as one.
//!
//! A dispatch creates a run named `flotilla <correlation input>` that is queued, then in
//! progress while the test's runner closure works (on its own thread), then completed with the
//! closure's conclusion. Knobs make it slow, fail runs, rate-limit, answer 5xx and lose
//! dispatches; counters say what it was asked.

mod dispatch;
mod fake_run;
mod fake_state;
mod jwt_check;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Response, StatusCode};

pub use dispatch::{Dispatch, RunnerResult};
use fake_state::{FakeApp, FakeReply, FakeRequest, FakeState};

/// The fake GitHub API, served on `127.0.0.1` at a free port until dropped; job logs are served
/// by a second listener under the host name `localhost`, as GitHub redirects log downloads to
/// another host.
pub struct FakeGithub {
    /// The API's base URL (with the prefix, if any): give it to the client as its API URL.
    pub url: String,
    state: Arc<Mutex<FakeState>>,
    runtime: Option<tokio::runtime::Runtime>,
}

/// Names of the endpoints, for [`FakeGithub::calls`].
impl FakeGithub {
    pub const DISPATCH: &str = fake_state::DISPATCH;
    pub const LIST_RUNS: &str = fake_state::LIST_RUNS;
    pub const GET_RUN: &str = fake_state::GET_RUN;
    pub const LIST_JOBS: &str = fake_state::LIST_JOBS;
    pub const JOB_LOGS: &str = fake_state::JOB_LOGS;
    pub const CANCEL: &str = fake_state::CANCEL;
    pub const ACCESS_TOKEN: &str = fake_state::ACCESS_TOKEN;

    /// Serves the API at the root, as api.github.com does.
    pub fn start() -> Self {
        Self::start_at("")
    }

    /// Serves the API under `prefix`, as GitHub Enterprise Server does under `/api/v3`.
    pub fn start_at(prefix: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let api = TcpListener::bind("127.0.0.1:0").unwrap();
        let logs = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}{prefix}", api.local_addr().unwrap());
        let mut state = FakeState::new();
        state.base.clone_from(&url);
        state.log_base = format!("http://localhost:{}", logs.local_addr().unwrap().port());
        let state = Arc::new(Mutex::new(state));
        let shared = Shared {
            state: Arc::clone(&state),
            prefix: prefix.trim_end_matches('/').to_owned(),
        };
        for (listener, app) in [
            (
                api,
                Router::new()
                    .fallback(api_request)
                    .with_state(shared.clone()),
            ),
            (
                logs,
                Router::new().fallback(log_download).with_state(shared),
            ),
        ] {
            listener.set_nonblocking(true).unwrap();
            runtime.spawn(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        }
        Self {
            url,
            state,
            runtime: Some(runtime),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    /// Every API request waits this long before it is answered.
    pub fn set_latency(&self, latency: Duration) {
        self.with(|s| s.latency = latency);
    }

    /// A dispatch waits this long on top of the latency.
    pub fn set_dispatch_latency(&self, latency: Duration) {
        self.with(|s| s.dispatch_latency = latency);
    }

    /// New runs stay `queued` this long, then are `in_progress` for at least `running`.
    pub fn set_run_duration(&self, queued: Duration, running: Duration) {
        self.with(|s| {
            s.queued_for = queued;
            s.run_duration = running;
        });
    }

    /// New runs are missing from the runs list for this long, as GitHub lists a dispatched run
    /// a moment after the dispatch.
    pub fn set_run_appearance_delay(&self, delay: Duration) {
        self.with(|s| s.appear_after = delay);
    }

    /// What the runner of each new run does: its result is the run's conclusion and log.
    pub fn set_runner(&self, runner: impl Fn(&Dispatch) -> RunnerResult + Send + Sync + 'static) {
        self.with(|s| s.runner = Arc::new(runner));
    }

    /// The name of each run's one job (default `release`).
    pub fn set_job_name(&self, name: &str) {
        self.with(|s| name.clone_into(&mut s.job_name));
    }

    /// The next `n` runs fail without running the runner.
    pub fn fail_next_runs(&self, n: u32) {
        self.with(|s| s.fail_runs += n);
    }

    /// The next `n` dispatches answer 204 and create no run.
    pub fn lose_next_dispatches(&self, n: u32) {
        self.with(|s| s.lose_dispatches += n);
    }

    /// The next `n` API requests answer 503.
    pub fn fail_next_calls(&self, n: u32) {
        self.with(|s| s.server_errors += n);
    }

    /// The primary rate limit is spent until `reset_in` from now: every request answers 403
    /// with `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset` until then.
    pub fn exhaust_rate_limit(&self, reset_in: Duration) {
        self.with(|s| s.primary_spent_until = Some(SystemTime::now() + reset_in));
    }

    /// The next `n` requests hit a secondary rate limit: 403 with `Retry-After: retry_after`.
    pub fn secondary_rate_limit(&self, n: u32, retry_after_secs: u64) {
        self.with(|s| {
            s.secondary += n;
            s.secondary_retry_after = retry_after_secs;
        });
    }

    /// Requests per hour before the primary limit is spent (default 5000, as for a token).
    pub fn set_rate_limit_budget(&self, budget: u64) {
        self.with(|s| s.budget = budget);
    }

    /// API requests must carry `Authorization: Bearer <token>` (or an installation token this
    /// fake issued); others get 401.
    pub fn require_token(&self, token: &str) {
        self.with(|s| s.token = Some(token.to_owned()));
    }

    /// Accepts JWTs of App `app_id` signed by the key whose public half is `public_key` (PKCS#1
    /// `RSAPublicKey`, DER) at the installation-token endpoint of `installation_id`, issuing
    /// tokens that expire after `token_lifetime`; API requests then need such a token (or the
    /// one of [`FakeGithub::require_token`]).
    pub fn accept_app(
        &self,
        app_id: u64,
        installation_id: u64,
        public_key: Vec<u8>,
        token_lifetime: Duration,
    ) {
        self.with(|s| {
            s.app = Some(FakeApp {
                app_id,
                installation_id,
                public_key,
                token_lifetime,
            });
        });
    }

    /// Dispatches of `workflow` and its runs list answer 404, as for a workflow file missing
    /// from the default branch.
    pub fn hide_workflow(&self, workflow: &str) {
        self.with(|s| s.hidden_workflows.insert(workflow.to_owned()));
    }

    /// Requests made to `endpoint` (one of the constants), faults and 401s included.
    pub fn calls(&self, endpoint: &str) -> u64 {
        self.with(|s| s.calls.get(endpoint).copied().unwrap_or(0))
    }

    /// API requests in all (log downloads are not API requests).
    pub fn total_calls(&self) -> u64 {
        self.with(|s| s.calls.values().sum())
    }

    /// Every dispatch received, lost ones included (their `run_id` is `None`).
    pub fn dispatches(&self) -> Vec<Dispatch> {
        self.with(|s| s.dispatches.clone())
    }

    /// Runs cancelled (a cancel of a completed run answers 409 and is not counted).
    pub fn cancels(&self) -> u64 {
        self.with(|s| s.runs.iter().filter(|run| run.cancelled).count() as u64)
    }

    /// Conditional requests answered 304 Not Modified.
    pub fn not_modified(&self) -> u64 {
        self.with(|s| s.not_modified)
    }

    /// Requests answered 401 (bad token or JWT).
    pub fn unauthorized(&self) -> u64 {
        self.with(|s| s.unauthorized)
    }

    /// Requests answered with a rate-limit refusal (primary or secondary).
    pub fn rate_limited(&self) -> u64 {
        self.with(|s| s.rate_limited)
    }

    /// Log downloads from the second host, and how many of them carried an `Authorization`
    /// header (a client that leaks its token to the download host).
    pub fn log_downloads(&self) -> (u64, u64) {
        self.with(|s| (s.log_downloads, s.log_downloads_with_authorization))
    }

    /// `(status, conclusion)` of run `id` now.
    pub fn run_state(&self, id: u64) -> Option<(String, Option<String>)> {
        self.with(|s| {
            s.runs.iter_mut().find(|run| run.id == id).map(|run| {
                let (status, conclusion) = run.state();
                (status.to_owned(), conclusion)
            })
        })
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[derive(Clone)]
struct Shared {
    state: Arc<Mutex<FakeState>>,
    prefix: String,
}

async fn api_request(State(shared): State<Shared>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default()
        .to_vec();
    let path = parts.uri.path();
    let Some(path) = path.strip_prefix(shared.prefix.as_str()) else {
        return into_response(FakeReply {
            status: 404,
            headers: Vec::new(),
            body: String::new(),
        });
    };
    let request = FakeRequest {
        method: parts.method.as_str().to_owned(),
        segments: path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        query: parts
            .uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<BTreeMap<_, _>>(),
        authorization: header(&parts.headers, "authorization"),
        if_none_match: header(&parts.headers, "if-none-match"),
        body,
    };
    let (endpoint, latency) = shared.state.lock().unwrap().endpoint(&request);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let reply = shared.state.lock().unwrap().respond(endpoint, &request);
    into_response(reply)
}

async fn log_download(State(shared): State<Shared>, request: Request) -> Response<Body> {
    let authorization = request.headers().contains_key("authorization");
    let job = request
        .uri()
        .path()
        .strip_prefix("/logs/")
        .unwrap_or_default()
        .to_owned();
    let log = shared.state.lock().unwrap().download(&job, authorization);
    into_response(match log {
        Some(log) => FakeReply {
            status: 200,
            headers: vec![("content-type".to_owned(), "text/plain".to_owned())],
            body: log,
        },
        None => FakeReply {
            status: 404,
            headers: Vec::new(),
            body: "<Error><Code>BlobNotFound</Code></Error>".to_owned(),
        },
    })
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn into_response(reply: FakeReply) -> Response<Body> {
    let mut response = Response::builder().status(StatusCode::from_u16(reply.status).unwrap());
    for (name, value) in reply.headers {
        response = response.header(name, value);
    }
    response.body(Body::from(reply.body)).unwrap()
}
