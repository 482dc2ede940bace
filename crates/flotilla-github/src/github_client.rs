use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use flotilla_core::RetryPolicy;
use jiff::Timestamp;
use reqwest::header::{ETAG, LOCATION};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;

use crate::github_auth::GithubAuth;
use crate::github_config::GithubConfig;
use crate::github_error::GithubError;
use crate::github_repo::GithubRepo;
use crate::installation_tokens::InstallationTokens;
use crate::job::Job;
use crate::run_nudges;
use crate::secret::Secret;
use crate::transport::{ApiRequest, Transport, redact};
use crate::workflow_run::WorkflowRun;

/// A blocking client of GitHub's REST API for Actions: dispatches a workflow, finds the run a
/// dispatch started by the correlation id in its name, follows it to completion with
/// conditional requests, reads its jobs' logs and cancels it. Safe to share between threads.
///
/// API calls per release run, when nothing fails: 1 dispatch, 1 or more finds (one page each
/// while the run has not appeared), the polls of [`GithubClient::wait`] (one per interval,
/// 2 s doubling to 15 s; a 304 costs the same call but no rate-limit point on github.com), 1
/// jobs list and 1 log request per job; with a GitHub App, 1 token request per hour or so.
pub struct GithubClient {
    api: Url,
    transport: Transport,
    auth: Credentials,
    poll: RetryPolicy,
    find_per_page: u32,
    find_max_pages: u32,
    /// The last answer for each run polled, with its `ETag`, for `If-None-Match`.
    runs: Mutex<HashMap<(GithubRepo, u64), (String, WorkflowRun)>>,
}

enum Credentials {
    Token(Secret),
    App {
        tokens: InstallationTokens,
        /// Held while a new installation token is requested, so that threads waiting for one
        /// share it.
        minting: Mutex<()>,
    },
}

/// How often a wait looks at its cancel flag while sleeping between polls.
const CANCEL_CHECK: Duration = Duration::from_millis(50);
/// Jobs per page; a release workflow has a handful.
const JOBS_PER_PAGE: u32 = 100;
const JOBS_MAX_PAGES: u32 = 5;

impl GithubClient {
    pub fn new(config: GithubConfig) -> Result<Self, GithubError> {
        let api = api_url(&config.api_url)?;
        let transport = Transport::new(&config)?;
        let auth = match config.auth {
            GithubAuth::Token(token) => Credentials::Token(token),
            GithubAuth::App {
                app_id,
                installation_id,
                key,
            } => Credentials::App {
                tokens: InstallationTokens::new(
                    app_id,
                    installation_id,
                    key,
                    config.token_refresh_margin,
                ),
                minting: Mutex::new(()),
            },
        };
        Ok(Self {
            api,
            transport,
            auth,
            poll: config.poll,
            find_per_page: config.find_per_page.clamp(1, 100),
            find_max_pages: config.find_max_pages.max(1),
            runs: Mutex::new(HashMap::new()),
        })
    }

    /// The API's base URL.
    pub fn api_url(&self) -> &str {
        self.api.as_str()
    }

    /// API requests sent so far (retries and installation-token requests included; log
    /// downloads from the host the API redirects to are not API calls).
    pub fn calls(&self) -> u64 {
        self.transport.calls()
    }

    /// Starts `workflow` (its file name, e.g. `flotilla-release.yml`) on `git_ref` with
    /// `inputs`: `POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches`. GitHub
    /// answers 204 without the run: find it with [`GithubClient::find`].
    pub fn dispatch(
        &self,
        repo: &GithubRepo,
        workflow: &str,
        git_ref: &str,
        inputs: &BTreeMap<String, String>,
    ) -> Result<(), GithubError> {
        let url = self.repo_url(repo, &["actions", "workflows", workflow, "dispatches"]);
        let body = serde_json::json!({ "ref": git_ref, "inputs": inputs });
        let mut request = ApiRequest::new(Method::POST, url);
        request.body = Some(&body);
        let reply = self.api(&request)?;
        match reply.status {
            StatusCode::NO_CONTENT | StatusCode::OK => Ok(()),
            _ => Err(reply.error()),
        }
    }

    /// The newest `workflow_dispatch` run of `workflow` whose name holds `correlation` as a
    /// word, among the newest `find_per_page × find_max_pages` runs (following `Link`); `None`
    /// when no such run exists (yet: a run appears a moment after its dispatch, or never when
    /// GitHub lost it).
    pub fn find(
        &self,
        repo: &GithubRepo,
        workflow: &str,
        correlation: &str,
    ) -> Result<Option<WorkflowRun>, GithubError> {
        #[derive(Deserialize)]
        struct Runs {
            workflow_runs: Vec<WorkflowRun>,
        }
        let mut url = self.repo_url(repo, &["actions", "workflows", workflow, "runs"]);
        url.query_pairs_mut()
            .append_pair("event", "workflow_dispatch")
            .append_pair("per_page", &self.find_per_page.to_string());
        for _ in 0..self.find_max_pages {
            let reply = self.api(&ApiRequest::new(Method::GET, url.clone()))?;
            if reply.status != StatusCode::OK {
                return Err(reply.error());
            }
            let runs: Runs = reply.json()?;
            // Newest first, as GitHub lists them; a dispatch retried after a lost answer may
            // have two runs, and the newest is the one still going.
            if let Some(run) = runs
                .workflow_runs
                .into_iter()
                .filter(|run| run.is_correlated(correlation))
                .max_by_key(|run| run.id)
            {
                return Ok(Some(run));
            }
            match self.next_page(&reply) {
                Some(next) => url = next,
                None => break,
            }
        }
        Ok(None)
    }

    /// The run as it is now: `GET /repos/{owner}/{repo}/actions/runs/{id}`, conditional on the
    /// last `ETag` seen for it (a 304 answers with what was seen then).
    pub fn run(&self, repo: &GithubRepo, run_id: u64) -> Result<WorkflowRun, GithubError> {
        let url = self.repo_url(repo, &["actions", "runs", &run_id.to_string()]);
        let key = (repo.clone(), run_id);
        let known = self
            .runs
            .lock()
            .ok()
            .and_then(|runs| runs.get(&key).cloned());
        let mut request = ApiRequest::new(Method::GET, url);
        request.if_none_match = known.as_ref().map(|(etag, _)| etag.as_str());
        let reply = self.api(&request)?;
        match (reply.status, known) {
            (StatusCode::NOT_MODIFIED, Some((_, run))) => Ok(run),
            (StatusCode::OK, _) => {
                let run: WorkflowRun = reply.json()?;
                if let Some(etag) = reply.headers.get(ETAG).and_then(|v| v.to_str().ok())
                    && let Ok(mut runs) = self.runs.lock()
                {
                    runs.insert(key, (etag.to_owned(), run.clone()));
                }
                Ok(run)
            }
            _ => Err(reply.error()),
        }
    }

    /// Polls the run until it completes or `cancel` is set, and returns it as last seen.
    pub fn wait(
        &self,
        repo: &GithubRepo,
        run_id: u64,
        cancel: &AtomicBool,
    ) -> Result<WorkflowRun, GithubError> {
        self.wait_with(repo, run_id, cancel, |_| {})
    }

    /// [`GithubClient::wait`], calling `seen` with the run whenever its status or conclusion
    /// changes (the first poll included).
    pub fn wait_with(
        &self,
        repo: &GithubRepo,
        run_id: u64,
        cancel: &AtomicBool,
        mut seen: impl FnMut(&WorkflowRun),
    ) -> Result<WorkflowRun, GithubError> {
        let mut last: Option<WorkflowRun> = None;
        let mut polls = 0;
        loop {
            // This poll answers every nudge ([`crate::nudge`]) so far; one that comes later
            // ends the sleep below early, as a cancel does.
            run_nudges::take(run_id);
            let run = self.run(repo, run_id)?;
            let changed = last
                .as_ref()
                .is_none_or(|l| l.status != run.status || l.conclusion != run.conclusion);
            if changed {
                seen(&run);
            }
            if run.status.is_completed() || cancel.load(Ordering::Relaxed) {
                return Ok(run);
            }
            last = Some(run);
            polls += 1;
            let until = Instant::now() + self.poll.backoff(polls);
            while let Some(left) = until.checked_duration_since(Instant::now()) {
                if cancel.load(Ordering::Relaxed) || run_nudges::take(run_id) {
                    break;
                }
                std::thread::sleep(left.min(CANCEL_CHECK));
            }
            if cancel.load(Ordering::Relaxed)
                && let Some(last) = last
            {
                return Ok(last);
            }
        }
    }

    /// The run's jobs (`GET /repos/{owner}/{repo}/actions/runs/{id}/jobs`, pages followed).
    pub fn jobs(&self, repo: &GithubRepo, run_id: u64) -> Result<Vec<Job>, GithubError> {
        #[derive(Deserialize)]
        struct Jobs {
            jobs: Vec<Job>,
        }
        let mut url = self.repo_url(repo, &["actions", "runs", &run_id.to_string(), "jobs"]);
        url.query_pairs_mut()
            .append_pair("per_page", &JOBS_PER_PAGE.to_string());
        let mut jobs = Vec::new();
        for _ in 0..JOBS_MAX_PAGES {
            let reply = self.api(&ApiRequest::new(Method::GET, url.clone()))?;
            if reply.status != StatusCode::OK {
                return Err(reply.error());
            }
            jobs.extend(reply.json::<Jobs>()?.jobs);
            match self.next_page(&reply) {
                Some(next) => url = next,
                None => break,
            }
        }
        Ok(jobs)
    }

    /// A job's log text: `GET /repos/{owner}/{repo}/actions/jobs/{id}/logs` answers with a
    /// redirect to a signed download URL, which is fetched without the API's credentials.
    pub fn job_log(&self, repo: &GithubRepo, job_id: u64) -> Result<String, GithubError> {
        let url = self.repo_url(repo, &["actions", "jobs", &job_id.to_string(), "logs"]);
        let reply = self.api(&ApiRequest::new(Method::GET, url.clone()))?;
        if reply.status == StatusCode::OK {
            return Ok(reply.text());
        }
        if !reply.status.is_redirection() {
            return Err(reply.error());
        }
        let location = reply
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|location| url.join(location).ok())
            .ok_or_else(|| GithubError::Response {
                request: reply.request.clone(),
                cause: format!("{} without a usable Location", reply.status),
            })?;
        let download = self
            .transport
            .send(&ApiRequest::new(Method::GET, location.clone()), None)?;
        if download.status != StatusCode::OK {
            return Err(GithubError::Response {
                request: format!("GET {}", redact(&location)),
                cause: format!("the log download answered {}", download.status),
            });
        }
        Ok(download.text())
    }

    /// Each job's name and log text.
    pub fn logs(
        &self,
        repo: &GithubRepo,
        run_id: u64,
    ) -> Result<Vec<(String, String)>, GithubError> {
        self.jobs(repo, run_id)?
            .into_iter()
            .map(|job| Ok((job.name, self.job_log(repo, job.id)?)))
            .collect()
    }

    /// Asks GitHub to cancel the run (`POST …/runs/{id}/cancel`, 202); a run already completed
    /// (409) is not an error.
    pub fn cancel(&self, repo: &GithubRepo, run_id: u64) -> Result<(), GithubError> {
        let url = self.repo_url(repo, &["actions", "runs", &run_id.to_string(), "cancel"]);
        let reply = self.api(&ApiRequest::new(Method::POST, url))?;
        match reply.status {
            StatusCode::ACCEPTED
            | StatusCode::OK
            | StatusCode::NO_CONTENT
            | StatusCode::CONFLICT => Ok(()),
            _ => Err(reply.error()),
        }
    }

    /// An API request with the current credentials; with an App, a refused installation token
    /// is replaced once.
    fn api(&self, request: &ApiRequest<'_>) -> Result<crate::reply::Reply, GithubError> {
        let bearer = self.bearer()?;
        let reply = self.transport.send(request, Some(&bearer))?;
        if reply.status == StatusCode::UNAUTHORIZED
            && let Credentials::App { tokens, .. } = &self.auth
        {
            tokens.forget();
            let bearer = self.bearer()?;
            return self.transport.send(request, Some(&bearer));
        }
        Ok(reply)
    }

    fn bearer(&self) -> Result<Secret, GithubError> {
        #[derive(Deserialize)]
        struct AccessToken {
            token: String,
            expires_at: String,
        }
        let (tokens, minting) = match &self.auth {
            Credentials::Token(token) => return Ok(token.clone()),
            Credentials::App { tokens, minting } => (tokens, minting),
        };
        if let Some(token) = tokens.fresh() {
            return Ok(token);
        }
        let _minting = minting.lock();
        if let Some(token) = tokens.fresh() {
            return Ok(token);
        }
        let jwt = tokens
            .key
            .jwt(tokens.app_id, Timestamp::now().as_second())?;
        let url = self.url(&[
            "app",
            "installations",
            &tokens.installation_id.to_string(),
            "access_tokens",
        ]);
        let reply = self
            .transport
            .send(&ApiRequest::new(Method::POST, url), Some(&jwt))?;
        match reply.status {
            StatusCode::CREATED | StatusCode::OK => {}
            StatusCode::UNAUTHORIZED => {
                return Err(GithubError::Unauthorized {
                    request: reply.request.clone(),
                    message: reply.message(),
                    app_jwt: true,
                });
            }
            _ => return Err(reply.error()),
        }
        let access: AccessToken = reply.json()?;
        let expires_at =
            access
                .expires_at
                .parse::<Timestamp>()
                .map_err(|e| GithubError::Response {
                    request: reply.request.clone(),
                    cause: format!("the installation token's `expires_at` is not a time: {e}"),
                })?;
        let token = Secret::new(access.token);
        tokens.store(token.clone(), expires_at);
        Ok(token)
    }

    /// The next page a list answer links to, only on the API's own origin: the request to it
    /// carries the token.
    fn next_page(&self, reply: &crate::reply::Reply) -> Option<Url> {
        let next = self.api.join(&reply.next_page()?).ok()?;
        (next.origin() == self.api.origin()).then_some(next)
    }

    fn repo_url(&self, repo: &GithubRepo, rest: &[&str]) -> Url {
        let mut segments = vec!["repos", repo.owner.as_str(), repo.name.as_str()];
        segments.extend_from_slice(rest);
        self.url(&segments)
    }

    /// The API URL with `segments` appended, each percent-encoded as one path segment.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.api.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }
}

impl fmt::Debug for GithubClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.auth {
            Credentials::Token(_) => "token".to_owned(),
            Credentials::App { tokens, .. } => format!(
                "GitHub App {} installation {}",
                tokens.app_id, tokens.installation_id
            ),
        };
        f.debug_struct("GithubClient")
            .field("api", &self.api.as_str())
            .field("auth", &auth)
            .field("calls", &self.calls())
            .finish_non_exhaustive()
    }
}

/// An http(s) base URL without credentials, query or fragment.
fn api_url(text: &str) -> Result<Url, GithubError> {
    let invalid = |cause: &str| GithubError::ApiUrl {
        url: without_userinfo(text),
        cause: cause.to_owned(),
    };
    let url = Url::parse(text.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid("not an http or https URL"));
    }
    let loopback = url.host_str().is_some_and(|host| {
        host == "localhost"
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    if url.scheme() == "http" && !loopback {
        return Err(invalid(
            "plain http would send the token unencrypted: use https (http is for loopback only)",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials belong in the auth settings, not the URL",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    Ok(url)
}

/// `text` without a `user:password@` after its scheme, for error messages.
fn without_userinfo(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(api: &str) -> GithubClient {
        let config = GithubConfig::new(GithubAuth::Token(Secret::new("t"))).with_api_url(api);
        GithubClient::new(config).unwrap()
    }

    #[test]
    fn builds_paths_under_the_api_url_of_github_and_enterprise() {
        let repo = GithubRepo::new("cloudforet-io", "identity");
        assert_eq!(
            client("https://api.github.com")
                .repo_url(
                    &repo,
                    &["actions", "workflows", "flotilla-release.yml", "dispatches"]
                )
                .as_str(),
            "https://api.github.com/repos/cloudforet-io/identity/actions/workflows/flotilla-release.yml/dispatches"
        );
        assert_eq!(
            client("https://ghe.example.com/api/v3/")
                .repo_url(&repo, &["actions", "runs", "5"])
                .as_str(),
            "https://ghe.example.com/api/v3/repos/cloudforet-io/identity/actions/runs/5"
        );
    }

    #[test]
    fn refuses_api_urls_that_are_not_plain_http() {
        for bad in [
            "ftp://x",
            "not a url",
            "https://user:pw@api.github.com",
            "https://x/?a=b",
        ] {
            let config = GithubConfig::new(GithubAuth::Token(Secret::new("t"))).with_api_url(bad);
            let error = GithubClient::new(config).unwrap_err();
            assert!(
                matches!(error, GithubError::ApiUrl { .. }),
                "{bad}: {error}"
            );
            assert!(!error.to_string().contains("pw@"), "{error}");
        }
        for fine in [
            "http://127.0.0.1:8080",
            "http://localhost:1/api/v3",
            "http://[::1]:9",
        ] {
            let config = GithubConfig::new(GithubAuth::Token(Secret::new("t"))).with_api_url(fine);
            GithubClient::new(config).unwrap();
        }
    }
}
