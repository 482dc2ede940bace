use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::fake_github::dispatch::{Dispatch, RunnerResult};
use crate::fake_github::fake_run::{FakeRun, iso};
use crate::fake_github::jwt_check;

pub(crate) type Runner = Arc<dyn Fn(&Dispatch) -> RunnerResult + Send + Sync>;

/// A request as the fake's router sees it.
pub(crate) struct FakeRequest {
    pub(crate) method: String,
    /// The path below the API prefix, split at `/`.
    pub(crate) segments: Vec<String>,
    pub(crate) query: BTreeMap<String, String>,
    pub(crate) authorization: Option<String>,
    pub(crate) if_none_match: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// An answer: status, headers, body.
pub(crate) struct FakeReply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl FakeReply {
    fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: vec![(
                "content-type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            )],
            body: body.to_string(),
        }
    }

    fn message(status: u16, message: &str) -> Self {
        Self::json(
            status,
            &json!({
                "message": message,
                "documentation_url": "https://docs.github.com/rest",
                "status": status.to_string(),
            }),
        )
    }

    fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// The App the fake accepts JWTs of, and how long its installation tokens live.
pub(crate) struct FakeApp {
    pub(crate) app_id: u64,
    pub(crate) installation_id: u64,
    pub(crate) public_key: Vec<u8>,
    pub(crate) token_lifetime: Duration,
}

/// Everything the fake knows, is told and counts.
pub(crate) struct FakeState {
    pub(crate) base: String,
    pub(crate) log_base: String,
    pub(crate) latency: Duration,
    pub(crate) dispatch_latency: Duration,
    pub(crate) queued_for: Duration,
    pub(crate) run_duration: Duration,
    pub(crate) appear_after: Duration,
    pub(crate) runner: Runner,
    pub(crate) job_name: String,
    pub(crate) fail_runs: u32,
    pub(crate) lose_dispatches: u32,
    pub(crate) server_errors: u32,
    pub(crate) primary_spent_until: Option<SystemTime>,
    pub(crate) secondary: u32,
    pub(crate) secondary_retry_after: u64,
    pub(crate) token: Option<String>,
    pub(crate) app: Option<FakeApp>,
    pub(crate) hidden_workflows: BTreeSet<String>,
    pub(crate) budget: u64,
    pub(crate) used: u64,
    pub(crate) window_reset: SystemTime,
    pub(crate) runs: Vec<FakeRun>,
    next_id: u64,
    installation_tokens: Vec<(String, SystemTime)>,
    pub(crate) dispatches: Vec<Dispatch>,
    pub(crate) calls: BTreeMap<&'static str, u64>,
    pub(crate) not_modified: u64,
    pub(crate) unauthorized: u64,
    pub(crate) rate_limited: u64,
    pub(crate) log_downloads: u64,
    pub(crate) log_downloads_with_authorization: u64,
}

pub(crate) const DISPATCH: &str = "dispatch";
pub(crate) const LIST_RUNS: &str = "list runs";
pub(crate) const GET_RUN: &str = "get run";
pub(crate) const LIST_JOBS: &str = "list jobs";
pub(crate) const JOB_LOGS: &str = "job logs";
pub(crate) const CANCEL: &str = "cancel";
pub(crate) const ACCESS_TOKEN: &str = "access token";
pub(crate) const UNKNOWN: &str = "unknown";

const WINDOW: Duration = Duration::from_hours(1);

impl FakeState {
    pub(crate) fn new() -> Self {
        Self {
            base: String::new(),
            log_base: String::new(),
            latency: Duration::ZERO,
            dispatch_latency: Duration::ZERO,
            queued_for: Duration::ZERO,
            run_duration: Duration::ZERO,
            appear_after: Duration::ZERO,
            runner: Arc::new(|_| RunnerResult::success("the fake runner did nothing\n")),
            job_name: "release".to_owned(),
            fail_runs: 0,
            lose_dispatches: 0,
            server_errors: 0,
            primary_spent_until: None,
            secondary: 0,
            secondary_retry_after: 1,
            token: None,
            app: None,
            hidden_workflows: BTreeSet::new(),
            budget: 5_000,
            used: 0,
            window_reset: SystemTime::now() + WINDOW,
            runs: Vec::new(),
            next_id: 1_000,
            installation_tokens: Vec::new(),
            dispatches: Vec::new(),
            calls: BTreeMap::new(),
            not_modified: 0,
            unauthorized: 0,
            rate_limited: 0,
            log_downloads: 0,
            log_downloads_with_authorization: 0,
        }
    }

    /// Which endpoint a request is for, and the latency it gets.
    pub(crate) fn endpoint(&self, request: &FakeRequest) -> (&'static str, Duration) {
        let s: Vec<&str> = request.segments.iter().map(String::as_str).collect();
        let endpoint = match (request.method.as_str(), s.as_slice()) {
            ("POST", ["app", "installations", _, "access_tokens"]) => ACCESS_TOKEN,
            ("POST", ["repos", _, _, "actions", "workflows", _, "dispatches"]) => DISPATCH,
            ("GET", ["repos", _, _, "actions", "workflows", _, "runs"]) => LIST_RUNS,
            ("GET", ["repos", _, _, "actions", "runs", _]) => GET_RUN,
            ("GET", ["repos", _, _, "actions", "runs", _, "jobs"]) => LIST_JOBS,
            ("POST", ["repos", _, _, "actions", "runs", _, "cancel"]) => CANCEL,
            ("GET", ["repos", _, _, "actions", "jobs", _, "logs"]) => JOB_LOGS,
            _ => UNKNOWN,
        };
        let latency = if endpoint == DISPATCH {
            self.latency + self.dispatch_latency
        } else {
            self.latency
        };
        (endpoint, latency)
    }

    /// Answers an API request as GitHub would, faults first.
    pub(crate) fn respond(&mut self, endpoint: &'static str, request: &FakeRequest) -> FakeReply {
        *self.calls.entry(endpoint).or_default() += 1;
        if self.server_errors > 0 {
            self.server_errors -= 1;
            return FakeReply::message(503, "Service Unavailable (the fake was told to fail)");
        }
        let reply = if endpoint == ACCESS_TOKEN {
            self.access_token(request)
        } else if !self.authorized(request.authorization.as_deref()) {
            self.unauthorized += 1;
            FakeReply::message(401, "Bad credentials")
        } else if let Some(limited) = self.rate_limit() {
            self.rate_limited += 1;
            limited
        } else {
            self.route(endpoint, request)
        };
        if reply.status == 304 {
            self.not_modified += 1;
            // Conditional requests answered 304 do not count against the primary limit.
            return self.with_limit_headers(reply);
        }
        self.used += 1;
        self.with_limit_headers(reply)
    }

    fn with_limit_headers(&mut self, reply: FakeReply) -> FakeReply {
        let now = SystemTime::now();
        if now >= self.window_reset {
            self.window_reset = now + WINDOW;
            self.used = 0;
        }
        let (remaining, reset) = match self.primary_spent_until {
            Some(until) if until > now => (0, until),
            _ => (self.budget.saturating_sub(self.used), self.window_reset),
        };
        if reply
            .headers
            .iter()
            .any(|(name, _)| name == "x-ratelimit-remaining")
        {
            return reply;
        }
        reply
            .header("x-ratelimit-limit", self.budget.to_string())
            .header("x-ratelimit-remaining", remaining.to_string())
            .header("x-ratelimit-used", self.used.min(self.budget).to_string())
            .header("x-ratelimit-reset", epoch(reset).to_string())
            .header("x-ratelimit-resource", "core")
    }

    /// A primary limit spent (by the knob or by the budget), or a secondary one.
    fn rate_limit(&mut self) -> Option<FakeReply> {
        let now = SystemTime::now();
        if self.primary_spent_until.is_some_and(|until| until <= now) {
            self.primary_spent_until = None;
        }
        if self.primary_spent_until.is_none() && self.used >= self.budget && now < self.window_reset
        {
            self.primary_spent_until = Some(self.window_reset);
        }
        if let Some(until) = self.primary_spent_until {
            return Some(
                FakeReply::message(403, "API rate limit exceeded for installation. (the fake)")
                    .header("x-ratelimit-limit", self.budget.to_string())
                    .header("x-ratelimit-remaining", "0")
                    .header("x-ratelimit-used", self.budget.to_string())
                    .header("x-ratelimit-reset", epoch(until).to_string())
                    .header("x-ratelimit-resource", "core"),
            );
        }
        if self.secondary > 0 {
            self.secondary -= 1;
            return Some(
                FakeReply::message(
                    403,
                    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                )
                .header("retry-after", self.secondary_retry_after.to_string()),
            );
        }
        None
    }

    fn authorized(&self, authorization: Option<&str>) -> bool {
        if self.token.is_none() && self.app.is_none() {
            return true;
        }
        let Some(given) = authorization.and_then(|a| {
            a.strip_prefix("Bearer ")
                .or_else(|| a.strip_prefix("token "))
        }) else {
            return false;
        };
        let now = SystemTime::now();
        self.token.as_deref() == Some(given)
            || self
                .installation_tokens
                .iter()
                .any(|(token, expires)| token == given && *expires > now)
    }

    fn route(&mut self, endpoint: &'static str, request: &FakeRequest) -> FakeReply {
        let s = &request.segments;
        match endpoint {
            DISPATCH => self.dispatch(&s[1], &s[2], &s[5], &request.body),
            LIST_RUNS => self.list_runs(&s[1], &s[2], &s[5], &request.query),
            GET_RUN => self.get_run(&s[1], &s[2], &s[5], request.if_none_match.as_deref()),
            LIST_JOBS => self.list_jobs(&s[1], &s[2], &s[5]),
            CANCEL => self.cancel(&s[1], &s[2], &s[5]),
            JOB_LOGS => self.job_logs(&s[1], &s[2], &s[5]),
            _ => FakeReply::message(404, "Not Found"),
        }
    }

    fn dispatch(&mut self, owner: &str, repo: &str, workflow: &str, body: &[u8]) -> FakeReply {
        if self.hidden_workflows.contains(workflow) {
            return FakeReply::message(404, "Not Found");
        }
        let Ok(body) = serde_json::from_slice::<Value>(body) else {
            return FakeReply::message(400, "Problems parsing JSON");
        };
        let Some(git_ref) = body["ref"].as_str() else {
            return FakeReply::message(422, "Invalid request.\n\n\"ref\" wasn't supplied.");
        };
        let mut inputs = BTreeMap::new();
        if let Some(given) = body["inputs"].as_object() {
            for (name, value) in given {
                let Some(value) = value.as_str() else {
                    return FakeReply::message(
                        422,
                        &format!(
                            "Invalid request.\n\nFor 'properties/{name}', {value} is not a string."
                        ),
                    );
                };
                inputs.insert(name.clone(), value.to_owned());
            }
        }
        let mut dispatch = Dispatch {
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            workflow: workflow.to_owned(),
            git_ref: git_ref.to_owned(),
            inputs,
            run_id: None,
        };
        if self.lose_dispatches > 0 {
            self.lose_dispatches -= 1;
            self.dispatches.push(dispatch);
            return FakeReply::empty(204);
        }
        self.next_id += 1;
        let id = self.next_id;
        dispatch.run_id = Some(id);
        let result = Arc::new(Mutex::new(None));
        if self.fail_runs > 0 {
            self.fail_runs -= 1;
            *result.lock().unwrap() = Some(RunnerResult::failure(
                "the fake GitHub was told to fail this run\n",
            ));
        } else {
            let runner = Arc::clone(&self.runner);
            let (slot, seen) = (Arc::clone(&result), dispatch.clone());
            std::thread::spawn(move || {
                let outcome = runner(&seen);
                *slot.lock().unwrap() = Some(outcome);
            });
        }
        let run_number = 1 + self
            .runs
            .iter()
            .filter(|run| run.owner == owner && run.repo == repo && run.workflow == workflow)
            .count() as u64;
        let name = dispatch
            .inputs
            .get("correlation")
            .map_or_else(|| "Release".to_owned(), |id| format!("flotilla {id}"));
        self.runs.push(FakeRun {
            id,
            job_id: id * 10 + 1,
            run_number,
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            workflow: workflow.to_owned(),
            name,
            git_ref: git_ref.to_owned(),
            head_sha: format!("{:040x}", hash(git_ref)),
            created: Instant::now(),
            created_at: SystemTime::now(),
            queued_for: self.queued_for,
            duration: self.run_duration,
            result,
            cancelled: false,
            completed_at: None,
        });
        self.dispatches.push(dispatch);
        FakeReply::empty(204)
    }

    fn list_runs(
        &mut self,
        owner: &str,
        repo: &str,
        workflow: &str,
        query: &BTreeMap<String, String>,
    ) -> FakeReply {
        if self.hidden_workflows.contains(workflow) {
            return FakeReply::message(404, "Not Found");
        }
        let per_page: usize = query
            .get("per_page")
            .and_then(|n| n.parse().ok())
            .unwrap_or(30_usize)
            .clamp(1, 100);
        let page: usize = query
            .get("page")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1_usize)
            .max(1);
        let event_ok = query
            .get("event")
            .is_none_or(|event| event == "workflow_dispatch");
        let appear_after = self.appear_after;
        let base = self.base.clone();
        let mut matching: Vec<&mut FakeRun> = self
            .runs
            .iter_mut()
            .filter(|run| {
                event_ok
                    && run.owner == owner
                    && run.repo == repo
                    && run.workflow == workflow
                    && run.created.elapsed() >= appear_after
            })
            .collect();
        matching.sort_by_key(|run| std::cmp::Reverse(run.id));
        let total = matching.len();
        let pages = total.div_ceil(per_page).max(1);
        let shown: Vec<Value> = matching
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|run| run.json(&base))
            .collect();
        let page_url = |n: usize| {
            let mut url = format!(
                "{base}/repos/{owner}/{repo}/actions/workflows/{workflow}/runs?per_page={per_page}&page={n}"
            );
            if let Some(event) = query.get("event") {
                url.push_str(&format!("&event={event}"));
            }
            url
        };
        let mut links = Vec::new();
        if page > 1 {
            links.push(format!("<{}>; rel=\"prev\"", page_url(page - 1)));
        }
        if page < pages {
            links.push(format!("<{}>; rel=\"next\"", page_url(page + 1)));
            links.push(format!("<{}>; rel=\"last\"", page_url(pages)));
        }
        if page > 1 {
            links.push(format!("<{}>; rel=\"first\"", page_url(1)));
        }
        let reply = FakeReply::json(
            200,
            &json!({ "total_count": total, "workflow_runs": shown }),
        );
        if links.is_empty() {
            reply
        } else {
            reply.header("link", links.join(", "))
        }
    }

    fn find_run(&mut self, owner: &str, repo: &str, id: &str) -> Option<&mut FakeRun> {
        let id: u64 = id.parse().ok()?;
        self.runs
            .iter_mut()
            .find(|run| run.id == id && run.owner == owner && run.repo == repo)
    }

    fn get_run(
        &mut self,
        owner: &str,
        repo: &str,
        id: &str,
        if_none_match: Option<&str>,
    ) -> FakeReply {
        let base = self.base.clone();
        let Some(run) = self.find_run(owner, repo, id) else {
            return FakeReply::message(404, "Not Found");
        };
        let body = run.json(&base).to_string();
        let etag = format!("W/\"{:016x}\"", hash(&body));
        if if_none_match.is_some_and(|given| given.split(',').any(|tag| tag.trim() == etag)) {
            return FakeReply::empty(304).header("etag", etag);
        }
        FakeReply {
            status: 200,
            headers: vec![(
                "content-type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            )],
            body,
        }
        .header("etag", etag)
    }

    fn list_jobs(&mut self, owner: &str, repo: &str, id: &str) -> FakeReply {
        let (base, job_name) = (self.base.clone(), self.job_name.clone());
        let Some(run) = self.find_run(owner, repo, id) else {
            return FakeReply::message(404, "Not Found");
        };
        let job = run.job_json(&base, &job_name);
        FakeReply::json(200, &json!({ "total_count": 1, "jobs": [job] }))
    }

    fn cancel(&mut self, owner: &str, repo: &str, id: &str) -> FakeReply {
        let Some(run) = self.find_run(owner, repo, id) else {
            return FakeReply::message(404, "Not Found");
        };
        if run.is_completed() {
            return FakeReply::message(409, "Cannot cancel a workflow run that is completed.");
        }
        run.cancelled = true;
        FakeReply::json(202, &json!({}))
    }

    fn job_logs(&mut self, owner: &str, repo: &str, job_id: &str) -> FakeReply {
        let log_base = self.log_base.clone();
        let found = job_id.parse::<u64>().ok().and_then(|job_id| {
            self.runs
                .iter()
                .find(|run| run.job_id == job_id && run.owner == owner && run.repo == repo)
        });
        let Some(run) = found else {
            return FakeReply::message(404, "Not Found");
        };
        // A signed, short-lived URL on another host, as GitHub's log storage gives.
        let signature = format!(
            "{:016x}",
            hash(&format!("{}{:?}", run.job_id, Instant::now()))
        );
        FakeReply::empty(302).header(
            "location",
            format!("{log_base}/logs/{}?sig={signature}&se=fake", run.job_id),
        )
    }

    /// The log text of a job, for the download host.
    pub(crate) fn download(&mut self, job_id: &str, authorization: bool) -> Option<String> {
        self.log_downloads += 1;
        if authorization {
            self.log_downloads_with_authorization += 1;
        }
        let job_id: u64 = job_id.parse().ok()?;
        self.runs
            .iter()
            .find(|run| run.job_id == job_id)
            .map(FakeRun::log)
    }

    fn access_token(&mut self, request: &FakeRequest) -> FakeReply {
        let Some(app) = &self.app else {
            return FakeReply::message(404, "Not Found");
        };
        let installation = request
            .segments
            .get(2)
            .and_then(|id| id.parse::<u64>().ok());
        let jwt = request
            .authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "));
        let Some(jwt) = jwt else {
            self.unauthorized += 1;
            return FakeReply::message(401, "A JSON web token could not be decoded");
        };
        if let Err(message) = jwt_check::check(jwt, app.app_id, &app.public_key) {
            self.unauthorized += 1;
            return FakeReply::message(401, &message);
        }
        if installation != Some(app.installation_id) {
            return FakeReply::message(404, "Not Found");
        }
        let expires = SystemTime::now() + app.token_lifetime;
        let token = format!(
            "ghs_fake{:016x}{}",
            hash(&format!("{:?}", Instant::now())),
            self.installation_tokens.len()
        );
        self.installation_tokens.push((token.clone(), expires));
        FakeReply::json(
            201,
            &json!({
                "token": token,
                "expires_at": iso(expires),
                "permissions": { "actions": "write", "contents": "read", "metadata": "read" },
                "repository_selection": "all",
            }),
        )
    }
}

fn epoch(time: SystemTime) -> u64 {
    let secs = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    // Rounded up: a reset is the first whole second of the new window.
    secs.as_secs() + u64::from(secs.subsec_nanos() > 0)
}

fn hash(text: &str) -> u64 {
    // A fixed-key hasher, so that equal bodies give equal ETags across calls.
    let mut hasher =
        std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
            .build_hasher();
    hasher.write(text.as_bytes());
    hasher.finish()
}
