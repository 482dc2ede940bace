//! How `flotilla serve` knows people: sessions, cookies and an optional trusted proxy.

use std::time::Duration;

use crate::auth::role::Role;

/// The sign-in settings of the server.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Browsers reach the server over TLS (a terminating proxy in front): session cookies are
    /// `Secure`.
    pub behind_tls: bool,
    /// Cookies are `Secure` when a request says `X-Forwarded-Proto: https`. Only for a server
    /// that a proxy alone can reach: anyone else could send the header.
    pub trust_forwarded_proto: bool,
    /// A header a trusted reverse proxy (oauth2-proxy style) sets to the signed-in user's
    /// name, e.g. `X-Forwarded-User`; `None` (the default) ignores such headers. Only for a
    /// server that the proxy alone can reach: anyone else could send the header.
    pub proxy_user_header: Option<String>,
    /// The role of users known by [`proxy_user_header`](Self::proxy_user_header).
    pub proxy_user_role: Role,
    /// How long a browser stays signed in.
    pub session_ttl: Duration,
}

impl AuthConfig {
    /// A working day: a browser left signed in overnight signs in again.
    pub const DEFAULT_SESSION_TTL: Duration = Duration::from_hours(12);
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            behind_tls: false,
            trust_forwarded_proto: false,
            proxy_user_header: None,
            proxy_user_role: Role::Viewer,
            session_ttl: Self::DEFAULT_SESSION_TTL,
        }
    }
}
