use std::time::Duration;

use reqwest::blocking::{Client, Request, RequestBuilder};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url, redirect};

use crate::http::{HttpPolicy, Reply};
use crate::{PublishError, Result};

const USER_AGENT: &str = concat!("flotilla/", env!("CARGO_PKG_VERSION"));

/// A blocking HTTP client for registries: every request is retried under an [`HttpPolicy`]
/// when the registry is unreachable, times out, answers 5xx or 429; any other answer is handed
/// back at once. Cheap to clone; clones share connections.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: Client,
    policy: HttpPolicy,
}

/// Why an attempt failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Worth another attempt: no answer, or a 5xx or 429 answer.
    Transient {
        request: String,
        cause: String,
        retry_after: Option<Duration>,
    },
    /// Another attempt would fail the same way.
    Fatal(PublishError),
}

impl From<PublishError> for Failure {
    fn from(error: PublishError) -> Self {
        Self::Fatal(error)
    }
}

impl HttpClient {
    pub fn new(policy: HttpPolicy) -> Result<Self> {
        let client = Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .redirect(redirect::Policy::custom(|attempt| {
                // A redirect from https to plain http would send the next request, and what
                // it carries, unencrypted.
                let downgrade = attempt
                    .previous()
                    .last()
                    .is_some_and(|from| from.scheme() == "https")
                    && attempt.url().scheme() != "https";
                if downgrade {
                    attempt.error("the registry redirected from https to plain http")
                } else if attempt.previous().len() > 10 {
                    attempt.error("more than 10 redirects")
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .map_err(|e| PublishError::Request {
                request: "the HTTP client".to_owned(),
                cause: error_chain(&e),
            })?;
        Ok(Self { client, policy })
    }

    pub fn policy(&self) -> &HttpPolicy {
        &self.policy
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// Sends the request `make` builds, building it again for each attempt (a streamed body
    /// is read again from its start).
    pub(crate) fn send(&self, make: impl Fn(&Client) -> Result<RequestBuilder>) -> Result<Reply> {
        self.retry(|| self.send_once(make(&self.client)?))
    }

    /// One attempt, without retry: for steps of a longer exchange that is retried as a whole.
    pub(crate) fn send_once(&self, builder: RequestBuilder) -> Result<Reply, Failure> {
        let request = builder.build().map_err(|e| PublishError::Request {
            request: "a request".to_owned(),
            cause: error_chain(&e),
        })?;
        let described = describe(&request);
        let response = self
            .client
            .execute(request)
            .map_err(|e| Failure::Transient {
                request: described.clone(),
                cause: error_chain(&e),
                retry_after: None,
            })?;
        let status = response.status();
        let reply = Reply::new(response, described);
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            let retry_after = retry_after(reply.headers());
            let (request, cause) = reply.status_and_message();
            return Err(Failure::Transient {
                request,
                cause,
                retry_after,
            });
        }
        Ok(reply)
    }

    /// Runs `attempt` until it succeeds, fails for good, or the policy's attempts are spent.
    pub(crate) fn retry<T>(&self, mut attempt: impl FnMut() -> Result<T, Failure>) -> Result<T> {
        let mut made = 1;
        loop {
            match attempt() {
                Ok(value) => return Ok(value),
                Err(Failure::Fatal(error)) => return Err(error),
                Err(Failure::Transient {
                    request,
                    mut cause,
                    retry_after,
                }) => {
                    let too_long = retry_after.is_some_and(|d| d > HttpPolicy::MAX_RETRY_AFTER);
                    if too_long {
                        cause = format!(
                            "{cause} (the registry asks to wait {}s)",
                            retry_after.unwrap_or_default().as_secs()
                        );
                    }
                    if !self.policy.retry.allows_another(made) || too_long {
                        return Err(PublishError::Unavailable {
                            request,
                            attempts: made,
                            cause,
                        });
                    }
                    std::thread::sleep(self.policy.delay(made, retry_after));
                    made += 1;
                }
            }
        }
    }
}

/// `METHOD url` with the URL's credentials, query and fragment left out: they may hold
/// secrets or upload state, and error messages must not.
fn describe(request: &Request) -> String {
    format!("{} {}", request.method(), redact(request.url()))
}

pub(crate) fn redact(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// The error and its causes (`error sending request: connection refused`), without the URL
/// reqwest adds.
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

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::RetryPolicy;
    use crate::http::fake_server::{FakeServer, response};
    use reqwest::header::HeaderValue;

    fn fast(attempts: u32) -> HttpClient {
        HttpClient::new(HttpPolicy {
            retry: RetryPolicy::new(attempts, Duration::from_millis(1), Duration::from_millis(5)),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
        })
        .unwrap()
    }

    fn get(http: &HttpClient, address: &str) -> Result<Reply> {
        let url = format!("http://{address}/v2/x?_state=secret");
        http.send(|c| Ok(c.get(&url)))
    }

    #[test]
    fn retries_5xx_and_429_then_hands_back_the_answer() {
        let server = FakeServer::bind();
        let address = server.address.clone();
        let requests = server.serve(vec![
            response("503 Service Unavailable", &[], "down"),
            response("429 Too Many Requests", &[("retry-after", "0")], ""),
            response("200 OK", &[], "ok"),
        ]);
        let reply = get(&fast(3), &address).unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(requests.join().unwrap().len(), 3);
    }

    #[test]
    fn a_4xx_comes_back_at_once_and_quotes_the_registry() {
        let server = FakeServer::bind();
        let address = server.address.clone();
        let requests = server.serve(vec![response(
            "404 Not Found",
            &[("content-type", "application/json")],
            r#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"#,
        )]);
        let reply = get(&fast(5), &address).unwrap();
        assert_eq!(requests.join().unwrap().len(), 1);
        let err = reply.refused();
        let text = err.to_string();
        assert!(
            matches!(err, PublishError::Refused { status: 404, .. }),
            "{text}"
        );
        assert!(
            text.contains("NAME_UNKNOWN repository name not known to registry"),
            "{text}"
        );
        assert!(
            text.contains(&format!("GET http://{address}/v2/x was refused")),
            "{text}"
        );
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn gives_up_after_the_policy_attempts_with_the_last_cause() {
        let server = FakeServer::bind();
        let address = server.address.clone();
        let requests = server.serve(vec![
            response("500 Internal Server Error", &[], "boom 1"),
            response("502 Bad Gateway", &[], "boom 2"),
            response("500 Internal Server Error", &[], "boom 3"),
        ]);
        let err = get(&fast(3), &address).unwrap_err();
        assert_eq!(requests.join().unwrap().len(), 3);
        let text = err.to_string();
        assert!(
            matches!(&err, PublishError::Unavailable { attempts: 3, cause, .. } if cause.contains("HTTP 500") && cause.contains("boom 3")),
            "{text}"
        );
    }

    #[test]
    fn a_refused_connection_is_retried_then_reported() {
        let address = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().to_string()
        };
        let err = get(&fast(2), &address).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(&err, PublishError::Unavailable { attempts: 2, .. }),
            "{text}"
        );
        assert!(text.to_lowercase().contains("refused"), "{text}");
    }

    #[test]
    fn reads_retry_after_in_both_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("12"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(12)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn redaction_drops_credentials_and_state() {
        let url =
            Url::parse("https://user:secret@r.example/v2/x/blobs/uploads/1?_state=abc#f").unwrap();
        assert_eq!(redact(&url), "https://r.example/v2/x/blobs/uploads/1");
    }
}
