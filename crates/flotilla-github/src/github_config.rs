use std::time::Duration;

use flotilla_core::RetryPolicy;

use crate::github_auth::GithubAuth;

/// How a [`crate::GithubClient`] reaches GitHub: where, as whom, and how patiently.
#[derive(Debug, Clone)]
pub struct GithubConfig {
    /// The REST API's base URL: `https://api.github.com`, or `https://HOST/api/v3` for
    /// GitHub Enterprise Server.
    pub api_url: String,
    pub auth: GithubAuth,
    pub user_agent: String,
    /// Retries of a request that got no answer or a 5xx.
    pub retry: RetryPolicy,
    /// How [`crate::GithubClient::wait`] polls a run: from `base_delay`, doubling, up to
    /// `max_delay` between polls.
    pub poll: RetryPolicy,
    /// The longest wait for a spent rate limit to reset (or a `Retry-After`); a longer one is
    /// an error at once.
    pub max_rate_limit_wait: Duration,
    /// How many rate-limit waits one request may make before it gives up.
    pub rate_limit_waits: u32,
    pub connect_timeout: Duration,
    /// The limit for one request and its answer.
    pub request_timeout: Duration,
    /// Runs per page, and pages at most, read when finding a run by its correlation id.
    pub find_per_page: u32,
    pub find_max_pages: u32,
    /// An App's installation token is replaced when it expires in less than this.
    pub token_refresh_margin: Duration,
}

impl GithubConfig {
    pub const DEFAULT_API_URL: &str = "https://api.github.com";

    /// github.com with the default patience: 5 attempts per request, polls from 2 s to 15 s,
    /// rate-limit waits up to 15 minutes.
    pub fn new(auth: GithubAuth) -> Self {
        Self {
            api_url: Self::DEFAULT_API_URL.to_owned(),
            auth,
            user_agent: concat!("flotilla/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::new(5, Duration::from_secs(1), Duration::from_secs(16)),
            poll: RetryPolicy::polling(Duration::from_secs(2), Duration::from_secs(15)),
            max_rate_limit_wait: Duration::from_mins(15),
            rate_limit_waits: 5,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_mins(1),
            find_per_page: 30,
            find_max_pages: 3,
            token_refresh_margin: Duration::from_mins(5),
        }
    }

    /// The same with another API URL (GitHub Enterprise Server: `https://HOST/api/v3`).
    #[must_use]
    pub fn with_api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = url.into();
        self
    }
}
