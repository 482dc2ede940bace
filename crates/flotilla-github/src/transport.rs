use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flotilla_core::RetryPolicy;
use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, IF_NONE_MATCH};
use reqwest::{Method, StatusCode, Url, redirect};

use crate::github_config::GithubConfig;
use crate::github_error::GithubError;
use crate::reply::Reply;
use crate::secret::Secret;

/// One request to make: the transport sends it again for each attempt.
pub(crate) struct ApiRequest<'a> {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: Option<&'a serde_json::Value>,
    pub(crate) if_none_match: Option<&'a str>,
}

impl ApiRequest<'_> {
    pub(crate) fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            body: None,
            if_none_match: None,
        }
    }
}

/// Sends requests to GitHub and waits out what GitHub asks it to: retries with backoff on no
/// answer and on 5xx; waits for a spent primary rate limit to reset
/// (`X-RateLimit-Remaining: 0`, `X-RateLimit-Reset`) and for a secondary limit's
/// `Retry-After`, each up to the configured longest wait. Redirects are not followed: the
/// caller decides where its credentials may go.
pub(crate) struct Transport {
    client: Client,
    retry: RetryPolicy,
    max_rate_limit_wait: Duration,
    rate_limit_waits: u32,
    calls: AtomicU64,
    /// When the primary rate limit resets, once an answer said it is spent.
    spent_until: Mutex<Option<SystemTime>>,
}

/// GitHub's advice for a secondary limit without `Retry-After`: wait at least a minute.
const SECONDARY_DEFAULT_WAIT: Duration = Duration::from_mins(1);
/// Past the reset second, so that the first request after it falls in the new window.
const RESET_MARGIN: Duration = Duration::from_millis(250);
const API_VERSION: &str = "2022-11-28";

impl Transport {
    pub(crate) fn new(config: &GithubConfig) -> Result<Self, GithubError> {
        let client = Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(redirect::Policy::none())
            .build()
            .map_err(|e| GithubError::Unreachable {
                request: "building the HTTP client".to_owned(),
                attempts: 0,
                cause: error_chain(&e),
            })?;
        Ok(Self {
            client,
            retry: config.retry,
            max_rate_limit_wait: config.max_rate_limit_wait,
            rate_limit_waits: config.rate_limit_waits,
            calls: AtomicU64::new(0),
            spent_until: Mutex::new(None),
        })
    }

    /// Requests sent with credentials (to the API), retries and token requests included.
    pub(crate) fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Sends `request`, with `bearer` as its credentials when given (an API request) or none (a
    /// download from where the API redirected). Any answer but 5xx and rate limits is returned.
    pub(crate) fn send(
        &self,
        request: &ApiRequest<'_>,
        bearer: Option<&Secret>,
    ) -> Result<Reply, GithubError> {
        let described = format!("{} {}", request.method, redact(&request.url));
        let mut failures = 0;
        let mut waits = 0;
        let mut first_cause: Option<String> = None;
        loop {
            // A download from where the API redirected is not under the API's limit.
            if bearer.is_some() {
                self.wait_for_reset(&described)?;
            }
            let mut builder = self
                .client
                .request(request.method.clone(), request.url.clone());
            if let Some(bearer) = bearer {
                let mut value = HeaderValue::from_str(&format!("Bearer {}", bearer.expose()))
                    .map_err(|_| GithubError::Response {
                        request: described.clone(),
                        cause: "the token holds characters no HTTP header may carry".to_owned(),
                    })?;
                value.set_sensitive(true);
                builder = builder
                    .header(AUTHORIZATION, value)
                    .header(ACCEPT, "application/vnd.github+json")
                    .header("X-GitHub-Api-Version", API_VERSION);
                self.calls.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(etag) = request.if_none_match {
                builder = builder.header(IF_NONE_MATCH, etag);
            }
            if let Some(body) = request.body {
                builder = builder.json(body);
            }
            let outcome = builder.send().and_then(|response| {
                let status = response.status();
                let headers = response.headers().clone();
                let body = response.bytes()?.to_vec();
                Ok(Reply {
                    request: described.clone(),
                    status,
                    headers,
                    body,
                })
            });
            let (cause, status, retry_after) = match outcome {
                Err(e) => (error_chain(&e), None, None),
                Ok(reply) => {
                    if bearer.is_some() {
                        self.note_rate_limit(&reply);
                    }
                    match self.rate_limit_wait(&reply, &mut waits)? {
                        Some(wait) => {
                            std::thread::sleep(wait);
                            continue;
                        }
                        None if reply.status.is_server_error() => {
                            let retry_after = retry_after(&reply);
                            (reply.message(), Some(reply.status), retry_after)
                        }
                        None => return Ok(reply),
                    }
                }
            };
            failures += 1;
            if !self.retry.allows_another(failures) {
                let message = match first_cause.filter(|first| *first != cause) {
                    Some(first) => format!("{cause}, first {first}"),
                    None => cause,
                };
                return Err(match status {
                    Some(status) => GithubError::Server {
                        request: described,
                        status: status.as_u16(),
                        attempts: failures,
                        message,
                    },
                    None => GithubError::Unreachable {
                        request: described,
                        attempts: failures,
                        cause: message,
                    },
                });
            }
            first_cause.get_or_insert(cause);
            let delay = self.retry.delay(failures);
            let asked = retry_after.map_or(Duration::ZERO, |d| d.min(self.max_rate_limit_wait));
            std::thread::sleep(delay.max(asked));
        }
    }

    /// Remembers a spent primary limit from any answer, so that no request is sent before it
    /// resets.
    fn note_rate_limit(&self, reply: &Reply) {
        if reply.header("x-ratelimit-remaining") != Some("0") {
            return;
        }
        let reset = reply
            .header("x-ratelimit-reset")
            .and_then(|reset| reset.trim().parse::<u64>().ok())
            .map(|secs| UNIX_EPOCH + Duration::from_secs(secs) + RESET_MARGIN);
        if let Some(reset) = reset
            && let Ok(mut spent) = self.spent_until.lock()
        {
            *spent = Some(spent.map_or(reset, |known| known.max(reset)));
        }
    }

    /// Sleeps until a spent primary limit resets, or fails at once if that is further away than
    /// the longest wait.
    fn wait_for_reset(&self, described: &str) -> Result<(), GithubError> {
        let Some(until) = self.spent_until.lock().ok().and_then(|spent| *spent) else {
            return Ok(());
        };
        let left = until
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        if left > self.max_rate_limit_wait {
            return Err(GithubError::RateLimited {
                request: described.to_owned(),
                reset_in_secs: left.as_secs(),
                max_wait_secs: self.max_rate_limit_wait.as_secs(),
            });
        }
        std::thread::sleep(left);
        if let Ok(mut spent) = self.spent_until.lock()
            && spent.is_some_and(|known| known <= SystemTime::now())
        {
            *spent = None;
        }
        Ok(())
    }

    /// How long to wait before sending again, when `reply` is a rate-limit refusal (403 or
    /// 429): a secondary limit's `Retry-After` (a minute without one), or nothing for a primary
    /// limit, which [`Self::wait_for_reset`] waits out.
    fn rate_limit_wait(
        &self,
        reply: &Reply,
        waits: &mut u32,
    ) -> Result<Option<Duration>, GithubError> {
        if !matches!(
            reply.status,
            StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
        ) {
            return Ok(None);
        }
        let primary = reply.header("x-ratelimit-remaining") == Some("0");
        let asked = retry_after(reply);
        let secondary = asked.is_some() || reply.message().contains("secondary rate limit");
        if !primary && !secondary {
            return Ok(None);
        }
        *waits += 1;
        if *waits > self.rate_limit_waits {
            return Err(GithubError::SecondaryRateLimited {
                request: reply.request.clone(),
                waits: *waits - 1,
                message: reply.message(),
            });
        }
        if primary && asked.is_none() {
            // Noted by `note_rate_limit`; a reset already past still gets a pause.
            return Ok(Some(Duration::from_millis(100)));
        }
        let wait = asked.unwrap_or(SECONDARY_DEFAULT_WAIT);
        if wait > self.max_rate_limit_wait {
            return Err(GithubError::RateLimited {
                request: reply.request.clone(),
                reset_in_secs: wait.as_secs(),
                max_wait_secs: self.max_rate_limit_wait.as_secs(),
            });
        }
        Ok(Some(wait))
    }
}

fn retry_after(reply: &Reply) -> Option<Duration> {
    reply
        .header("retry-after")
        .and_then(|secs| secs.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// `scheme://host/path` only: a query may carry a signed download's credentials.
pub(crate) fn redact(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// The error and its causes, without the URL reqwest puts in its own text (it may carry a
/// signed download's query).
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut current: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = current {
        let part = e.to_string();
        let part = match part.find(" for url (") {
            Some(i) => part[..i].to_owned(),
            None => part,
        };
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        current = e.source();
    }
    text
}
