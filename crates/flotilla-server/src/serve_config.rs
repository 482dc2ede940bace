//! What `flotilla serve` is configured with.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use flotilla_engine::Engine;

use crate::auth::AuthConfig;
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
    /// How long a client has to send a request's head (line and headers), from the moment the
    /// connection opens or its first byte arrives after a kept-alive idle time.
    pub header_timeout: Duration,
    /// How long a client has to send a whole request body once its head arrived; a body that
    /// trickles in (a byte every few seconds) is cut here, whatever its pace.
    pub body_timeout: Duration,
    /// How long a kept-alive connection may wait, idle, for its next request.
    pub idle_timeout: Duration,
    /// Connections open at once at most. Beyond it the oldest connection without a request in
    /// progress is closed to make room; a new connection is refused only when every one is
    /// busy. Keep it well under the process's file limit: the store, git and builds need files
    /// too.
    pub max_connections: usize,
    /// How long the digest of a delivery's verified body is kept: the same body again within it
    /// is a replay, acknowledged and not acted on, whatever its delivery id header says.
    pub replay_window: Duration,
    /// Sign-in: session lifetime, `Secure` cookies behind TLS, the trusted proxy's header.
    pub auth: AuthConfig,
    /// Counters and the deploy latency histogram that `GET /metrics` shows.
    pub metrics: Metrics,
}

impl ServeConfig {
    /// Loopback only: exposing the server is a decision, not a default.
    pub const DEFAULT_LISTEN: SocketAddr =
        SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);
    /// GitHub caps webhook payloads at 25 MB; the largest push it sends must get through.
    pub const DEFAULT_BODY_LIMIT: usize = 25 * 1024 * 1024;
    /// Senders write a head at once; seconds leave room for a slow network, not for a client
    /// that holds the connection.
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
    /// A 25 MB GitHub delivery needs under 1 MB/s to arrive within it.
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_mins(1);
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_mins(1);
    /// Half the common 1,024 file limit: the rest stays for the store, git and builds.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
    /// Senders retry for hours at most (GitHub redeliveries are manual, within days).
    pub const DEFAULT_REPLAY_WINDOW: Duration = Duration::from_hours(7 * 24);

    /// A configuration with the default limits and fresh metrics.
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
            header_timeout: Self::DEFAULT_HEADER_TIMEOUT,
            body_timeout: Self::DEFAULT_BODY_TIMEOUT,
            idle_timeout: Self::DEFAULT_IDLE_TIMEOUT,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            replay_window: Self::DEFAULT_REPLAY_WINDOW,
            auth: AuthConfig::default(),
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
