//! Blocking HTTP shared by the registry targets: retries with exponential backoff and jitter
//! on unreachable registries, timeouts, 5xx and 429 (honouring `Retry-After`), within the
//! connect, idle-read, per-request and per-call limits of the fleet; a 4xx is an error at
//! once, quoting the registry. Credentials never appear in errors: URLs are shown
//! without user information or query.

mod call_deadline;
#[cfg(test)]
pub(crate) mod fake_server;
mod http_client;
mod http_policy;
mod reply;
mod stalled_registries;

pub use flotilla_core::RetryPolicy;
pub use http_client::HttpClient;
pub use http_policy::HttpPolicy;

pub(crate) use http_client::{Failure, redact};
pub(crate) use reply::Reply;

use reqwest::Url;

use crate::{PublishError, Result};

/// Parses the base URL of a registry, with a trailing `/` so that relative paths join under
/// it. Plain `http` is refused unless the registry is marked insecure.
pub(crate) fn base_url(url: &str, insecure: bool) -> Result<Url> {
    let invalid = || PublishError::InvalidName {
        kind: "registry URL",
        value: url.to_owned(),
        expected: "an http or https URL without credentials, query or fragment",
    };
    let mut parsed = Url::parse(url).map_err(|_| invalid())?;
    if !parsed.username().is_empty()
        || parsed.password().is_some()
        || parsed.query().is_some()
        || parsed.fragment().is_some()
        || parsed.host_str().is_none()
    {
        return Err(invalid());
    }
    match parsed.scheme() {
        "https" => {}
        "http" if insecure => {}
        "http" => {
            return Err(PublishError::PlainHttp {
                url: redact(&parsed),
            });
        }
        _ => return Err(invalid()),
    }
    if !parsed.path().ends_with('/') {
        let path = format!("{}/", parsed.path());
        parsed.set_path(&path);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_needs_insecure() {
        assert!(matches!(
            base_url("http://127.0.0.1:8081", false),
            Err(PublishError::PlainHttp { .. })
        ));
        assert_eq!(
            base_url("http://127.0.0.1:8081", true).unwrap().as_str(),
            "http://127.0.0.1:8081/"
        );
        assert_eq!(
            base_url("https://upload.pypi.org/legacy", false)
                .unwrap()
                .as_str(),
            "https://upload.pypi.org/legacy/"
        );
        for bad in ["ftp://x", "https://u:p@x/", "https://x/?a=1", "nope"] {
            assert!(base_url(bad, true).is_err(), "{bad}");
        }
    }
}
