use std::fmt;

/// What to trace: what runs now for a service in an environment, or an image digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceQuery {
    Service {
        service: String,
        environment: String,
    },
    Digest(String),
}

impl TraceQuery {
    /// `sha256:…` (any `algorithm:hex`) is a digest; anything else names a service.
    pub fn looks_like_digest(text: &str) -> bool {
        text.split_once(':').is_some_and(|(algorithm, hex)| {
            !algorithm.is_empty()
                && algorithm.chars().all(|c| c.is_ascii_alphanumeric())
                && hex.len() >= 32
                && hex.chars().all(|c| c.is_ascii_hexdigit())
        })
    }
}

impl fmt::Display for TraceQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service {
                service,
                environment,
            } => write!(f, "{service} in {environment}"),
            Self::Digest(digest) => f.write_str(digest),
        }
    }
}
