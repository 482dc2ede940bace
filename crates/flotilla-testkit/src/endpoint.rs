use crate::server::Server;

/// A registry the tests talk to: a shared one named by the environment, or one a test
/// started itself, kept running as long as the endpoint lives.
pub struct Endpoint {
    url: String,
    own: Option<Server>,
}

impl Endpoint {
    /// The shared server at `address` (`host:port` or a URL).
    pub fn shared(address: &str) -> Self {
        let address = address.trim_end_matches('/');
        let url = if address.contains("://") {
            address.to_owned()
        } else {
            format!("http://{address}")
        };
        Self { url, own: None }
    }

    pub fn own(server: Server) -> Self {
        Self {
            url: server.url(""),
            own: Some(server),
        }
    }

    /// `http://host:port`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `host:port`, as OCI references and skopeo's `docker://` take it.
    pub fn host(&self) -> &str {
        self.url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, rest)| rest)
    }

    /// The server a test started, to keep running while the URL is used.
    pub fn into_own(self) -> Option<Server> {
        self.own
    }
}
