//! How long a call to a registry server may take, so that a registry that accepts connections
//! and then says nothing fails a step in bounded time instead of holding it.

use std::time::Duration;

use serde::Serialize;

/// The limits of one registry call (a request and its retries), from the manifest's
/// `settings:`. The defaults bound a stalled registry to five minutes in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RegistryLimits {
    /// Longest wait for a connection to open (`registry_connect_timeout_secs`).
    pub connect: Duration,
    /// Longest a request that sends nothing (a GET, a HEAD) may wait for its whole answer
    /// (`registry_read_timeout_secs`): what ends an attempt on a registry that stalled. Every
    /// exchange starts with such a request.
    pub read: Duration,
    /// Longest an upload, or a download of an image layer, may take, answer included
    /// (`registry_request_timeout_secs`).
    pub request: Duration,
    /// Longest one call may take, its retries included (`registry_timeout_secs`): no attempt
    /// starts after it, and a running one is cut short at it.
    pub total: Duration,
}

impl RegistryLimits {
    pub const DEFAULT_CONNECT_SECS: u64 = 10;
    pub const DEFAULT_READ_SECS: u64 = 60;
    pub const DEFAULT_REQUEST_SECS: u64 = 300;
    pub const DEFAULT_TOTAL_SECS: u64 = 300;

    /// The manifest key of each limit, for messages that tell the user what to raise.
    pub const CONNECT_KEY: &str = "registry_connect_timeout_secs";
    pub const READ_KEY: &str = "registry_read_timeout_secs";
    pub const REQUEST_KEY: &str = "registry_request_timeout_secs";
    pub const TOTAL_KEY: &str = "registry_timeout_secs";
}

impl Default for RegistryLimits {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(Self::DEFAULT_CONNECT_SECS),
            read: Duration::from_secs(Self::DEFAULT_READ_SECS),
            request: Duration::from_secs(Self::DEFAULT_REQUEST_SECS),
            total: Duration::from_secs(Self::DEFAULT_TOTAL_SECS),
        }
    }
}
