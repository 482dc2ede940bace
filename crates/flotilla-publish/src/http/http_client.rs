use std::time::{Duration, Instant};

use flotilla_core::RegistryLimits;

use reqwest::blocking::{Client, Request, RequestBuilder};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url, redirect};

use crate::http::call_deadline::CallDeadline;
use crate::http::stalled_registries::StalledRegistries;
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
            .connect_timeout(policy.limits.connect)
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

    /// Marks a request as a download of a large body (an image layer): it gets the request
    /// limit, not the read limit, for its answer.
    pub(crate) fn download(&self, builder: RequestBuilder) -> RequestBuilder {
        builder.timeout(self.policy.limits.request)
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
        let limits = &self.policy.limits;
        let mut request = builder.build().map_err(|e| PublishError::Request {
            request: "a request".to_owned(),
            cause: error_chain(&e),
        })?;
        let described = describe(&request);
        // The blocking client has no idle-read limit of its own (reqwest's needs its async
        // runtime to read bodies): a request that sends nothing gets the shorter read limit for
        // its whole answer, an upload the request limit, and so does a download that asks for
        // it by setting its own timeout; the call's deadline cuts them all.
        let (limit, key) = match request.timeout() {
            Some(_) => (limits.request, RegistryLimits::REQUEST_KEY),
            None if request.body().is_some() => (limits.request, RegistryLimits::REQUEST_KEY),
            None => (limits.read, RegistryLimits::READ_KEY),
        };
        let started = Instant::now();
        let origin = request.url().origin().ascii_serialization();
        let call_started = CallDeadline::started().unwrap_or(started);
        if let Some(stall) = StalledRegistries::before(&origin, call_started) {
            return Err(Failure::Fatal(PublishError::Stalled {
                request: described,
                ago: started.duration_since(stall.since).as_secs(),
                cause: stall.cause,
                hold: limits.total,
            }));
        }
        let left = CallDeadline::current().map(|d| d.saturating_duration_since(started));
        let timeout = left.map_or(limit, |left| left.min(limit));
        *request.timeout_mut() = Some(timeout);
        if timeout.is_zero() {
            return Err(Failure::Transient {
                request: described,
                cause: limit_reached(limits.total, RegistryLimits::TOTAL_KEY),
                retry_after: None,
            });
        }
        let response = self.client.execute(request).map_err(|e| {
            let cause = self.cause(&e, started.elapsed(), timeout, (limit, key));
            // Connected, then nothing: a refused connection fails fast by itself.
            if e.is_timeout() && !e.is_connect() {
                StalledRegistries::mark(&origin, &cause, limits.total);
            }
            Failure::Transient {
                request: described.clone(),
                cause,
                retry_after: None,
            }
        })?;
        StalledRegistries::clear(&origin);
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

    /// Why an attempt got no answer: a limit that ran out, named with its manifest key, or
    /// what the connection reported.
    fn cause(
        &self,
        error: &reqwest::Error,
        took: Duration,
        timeout: Duration,
        (limit, key): (Duration, &str),
    ) -> String {
        if !error.is_timeout() {
            return error_chain(error);
        }
        if error.is_connect() {
            limit_reached(self.policy.limits.connect, RegistryLimits::CONNECT_KEY)
        } else if took >= timeout && timeout < limit {
            limit_reached(self.policy.limits.total, RegistryLimits::TOTAL_KEY)
        } else {
            limit_reached(limit, key)
        }
    }

    /// Runs `attempt` until it succeeds, fails for good, or the policy's attempts or the
    /// call's time limit are spent.
    pub(crate) fn retry<T>(&self, mut attempt: impl FnMut() -> Result<T, Failure>) -> Result<T> {
        let _call = CallDeadline::enter(Instant::now() + self.policy.limits.total);
        let deadline = CallDeadline::current();
        let mut made = 1;
        // The last attempt may only have been cut short by the call's limit; the first says
        // what kept failing.
        let mut first_cause: Option<String> = None;
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
                    let delay = self.policy.delay(made, retry_after);
                    let out_of_time = deadline.is_some_and(|d| Instant::now() + delay >= d);
                    let another = self.policy.retry.allows_another(made);
                    let noted = cause.contains(RegistryLimits::TOTAL_KEY);
                    if another && out_of_time && !too_long && !noted {
                        cause = format!(
                            "{cause}; no time was left for another attempt ({})",
                            limit_reached(self.policy.limits.total, RegistryLimits::TOTAL_KEY)
                        );
                    }
                    if !another || too_long || out_of_time {
                        if let Some(first) = first_cause.filter(|f| *f != cause) {
                            cause = format!("{cause}, first with {first}");
                        }
                        return Err(PublishError::Unavailable {
                            request,
                            attempts: made,
                            cause,
                        });
                    }
                    first_cause.get_or_insert(cause);
                    std::thread::sleep(delay);
                    made += 1;
                }
            }
        }
    }
}

/// That a limit of the manifest ran out, and its key, so that the user knows what to raise.
fn limit_reached(limit: Duration, key: &str) -> String {
    format!("the limit of {limit:?} ran out (`{key}` in the manifest's `settings`)")
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
            limits: RegistryLimits {
                connect: Duration::from_secs(5),
                read: Duration::from_secs(10),
                request: Duration::from_secs(10),
                total: Duration::from_secs(30),
            },
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

    /// A listener that accepts connections and never answers, held open until the test ends.
    fn silent_server() -> (String, Held) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let held = Held::default();
        let open = std::sync::Arc::clone(&held);
        std::thread::spawn(move || {
            while let Ok((stream, _)) = listener.accept() {
                open.lock().unwrap().push(stream);
            }
        });
        (address, held)
    }

    /// The connections a silent server holds open.
    type Held = std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>;

    fn limited(read: Duration, request: Duration, total: Duration) -> HttpClient {
        HttpClient::new(HttpPolicy {
            retry: RetryPolicy::new(100, Duration::from_millis(1), Duration::from_millis(5)),
            limits: RegistryLimits {
                connect: Duration::from_secs(5),
                read,
                request,
                total,
            },
        })
        .unwrap()
    }

    #[test]
    fn a_silent_registry_fails_on_the_read_limit_then_on_the_call_limit() {
        let (address, _held) = silent_server();
        let http = limited(
            Duration::from_millis(200),
            Duration::from_secs(10),
            Duration::from_secs(1),
        );
        let err = get(&http, &address).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(&err, PublishError::Unavailable { attempts, .. } if *attempts > 1),
            "{text}"
        );
        assert!(text.contains(&address), "{text}");
        assert!(text.contains("`registry_read_timeout_secs`"), "{text}");
        assert!(text.contains("`registry_timeout_secs`"), "{text}");
    }

    #[test]
    fn a_call_that_begins_after_a_stall_fails_at_once_without_a_request() {
        let (address, held) = silent_server();
        let http = limited(
            Duration::from_millis(200),
            Duration::from_secs(10),
            Duration::from_secs(30),
        );
        let url = format!("http://{address}/v2/x");
        // One attempt ends on the read limit; the call itself may go on retrying.
        let first = http.send_once(http.client().get(&url));
        assert!(matches!(first, Err(Failure::Transient { .. })));
        let connections = held.lock().unwrap().len();

        let began = Instant::now();
        let err = get(&http, &address).unwrap_err();
        let text = err.to_string();
        assert!(matches!(&err, PublishError::Stalled { .. }), "{text}");
        assert!(text.contains(&address), "{text}");
        assert!(text.contains("`registry_read_timeout_secs`"), "{text}");
        assert!(began.elapsed() < Duration::from_millis(200), "{text}");
        assert_eq!(
            held.lock().unwrap().len(),
            connections,
            "no new connection to the stalled registry"
        );
    }

    #[test]
    fn an_answer_from_a_registry_forgets_its_stall() {
        let server = FakeServer::bind();
        let address = server.address.clone();
        let requests = server.serve(vec![
            response("200 OK", &[], "one"),
            response("200 OK", &[], "two"),
        ]);
        let http = fast(1);
        let origin = Url::parse(&format!("http://{address}/"))
            .unwrap()
            .origin()
            .ascii_serialization();
        {
            // A call already under way when the registry stalled for another call.
            let _call = CallDeadline::enter(Instant::now() + Duration::from_secs(30));
            StalledRegistries::mark(&origin, "a test's stall", Duration::from_secs(90));
            get(&http, &address).unwrap();
        }
        get(&http, &address).unwrap();
        assert_eq!(requests.join().unwrap().len(), 2);
    }

    #[test]
    fn uploads_and_downloads_are_cut_at_the_request_limit() {
        let (address, _held) = silent_server();
        let http = limited(
            Duration::from_secs(10),
            Duration::from_millis(200),
            Duration::from_millis(300),
        );
        let url = format!("http://{address}/v2/x/blobs/uploads/1");
        let err = http
            .send(|c| Ok(c.put(&url).body(vec![0_u8; 16])))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`registry_request_timeout_secs`"), "{text}");

        // Another registry: the first one stalled, so a new call to it would not be sent.
        let (address, _held) = silent_server();
        let url = format!("http://{address}/v2/x/blobs/sha256:00");
        let err = http.send(|c| Ok(http.download(c.get(&url)))).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`registry_request_timeout_secs`"), "{text}");
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
