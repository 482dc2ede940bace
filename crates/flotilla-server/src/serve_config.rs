//! What `flotilla serve` is configured with.

use std::net::{Ipv4Addr, SocketAddr};

use flotilla_engine::Engine;

use crate::metrics::Metrics;
use crate::secret::Secret;
use crate::server_error::ServerError;

/// The server's configuration. Secrets are resolved before the server starts, so a missing one
/// stops `serve` at once instead of refusing every delivery later.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where [`serve`](crate::serve) listens; [`serve_on`](crate::serve_on) ignores it.
    pub listen: SocketAddr,
    /// HMAC-SHA256 key of `POST /hooks/git`: flotilla's post-receive hook and GitHub webhooks.
    pub hook_secret: Secret,
    /// Bearer token the registry sends to `POST /hooks/registry`.
    pub registry_token: Secret,
    /// Bearer token of the JSON API under `/api/v1`.
    pub api_token: Secret,
    /// Largest webhook body accepted, in bytes; larger ones get 413 unread.
    pub body_limit: usize,
    /// Counters and the deploy latency histogram that `GET /metrics` shows.
    pub metrics: Metrics,
}

impl ServeConfig {
    /// Loopback only: exposing the server is a decision, not a default.
    pub const DEFAULT_LISTEN: SocketAddr =
        SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);
    /// Pushes and registry envelopes are a few KiB; a MiB leaves room for a big GitHub push.
    pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

    /// A configuration with the default body limit and fresh metrics.
    pub fn new(
        listen: SocketAddr,
        hook_secret: Secret,
        registry_token: Secret,
        api_token: Secret,
    ) -> Self {
        Self {
            listen,
            hook_secret,
            registry_token,
            api_token,
            body_limit: Self::DEFAULT_BODY_LIMIT,
            metrics: Metrics::new(),
        }
    }

    /// `engine` with this configuration's secrets registered: repository code run for a
    /// delivery must never see what authenticates deliveries and approvals, nor print it into
    /// a log, an error or an API answer. [`serve_on`](crate::serve_on) does it; a caller that
    /// clones the engine before (a registry poller) does it first.
    #[must_use]
    pub fn guard_secrets(&self, engine: Engine) -> Engine {
        engine.with_secrets(
            [&self.hook_secret, &self.registry_token, &self.api_token].map(Secret::expose),
        )
    }

    /// A configuration whose secrets are read from the environment variables named.
    pub fn from_env(
        listen: SocketAddr,
        hook_secret_env: &str,
        registry_token_env: &str,
        api_token_env: &str,
    ) -> Result<Self, ServerError> {
        Ok(Self::new(
            listen,
            Secret::from_env(hook_secret_env)?,
            Secret::from_env(registry_token_env)?,
            Secret::from_env(api_token_env)?,
        ))
    }
}
