use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::github_error::GithubError;

/// An answer GitHub gave (after retries), with the request it answers, as `METHOD url`.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) request: String,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, GithubError> {
        serde_json::from_slice(&self.body).map_err(|e| GithubError::Response {
            request: self.request.clone(),
            cause: format!(
                "{} answered with JSON not shaped as expected: {e}",
                self.status
            ),
        })
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// GitHub's `message` from an error body, else the start of the body, else the status.
    pub(crate) fn message(&self) -> String {
        #[derive(serde::Deserialize)]
        struct ErrorBody {
            message: String,
        }
        if let Ok(body) = serde_json::from_slice::<ErrorBody>(&self.body) {
            return body.message;
        }
        let text = self.text();
        let text = text.trim();
        if text.is_empty() {
            return self
                .status
                .canonical_reason()
                .unwrap_or("no message")
                .to_owned();
        }
        text.chars().take(200).collect()
    }

    /// This answer as the error it is, for a status the caller does not expect.
    pub(crate) fn error(&self) -> GithubError {
        let request = self.request.clone();
        let message = self.message();
        match self.status {
            StatusCode::UNAUTHORIZED => GithubError::Unauthorized {
                request,
                message,
                app_jwt: false,
            },
            StatusCode::NOT_FOUND => GithubError::NotFound { request, message },
            status => GithubError::Rejected {
                request,
                status: status.as_u16(),
                message,
            },
        }
    }

    /// The URL of the next page from a `Link` header (RFC 8288), as GitHub paginates lists.
    pub(crate) fn next_page(&self) -> Option<String> {
        let link = self.header("link")?;
        link.split(',').find_map(|part| {
            let (target, params) = part.split_once(';')?;
            let is_next = params
                .split(';')
                .any(|param| matches!(param.trim(), "rel=\"next\"" | "rel=next"));
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            is_next.then(|| target.to_owned())
        })
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn reply(status: u16, link: Option<&str>, body: &str) -> Reply {
        let mut headers = HeaderMap::new();
        if let Some(link) = link {
            headers.insert("link", HeaderValue::from_str(link).unwrap());
        }
        Reply {
            request: "GET https://api.github.com/x".to_owned(),
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn finds_the_next_page_among_the_links() {
        let link = r#"<https://api.github.com/repositories/1/actions/runs?page=2>; rel="next", <https://api.github.com/repositories/1/actions/runs?page=5>; rel="last""#;
        assert_eq!(
            reply(200, Some(link), "").next_page().as_deref(),
            Some("https://api.github.com/repositories/1/actions/runs?page=2")
        );
        let last = r#"<https://api.github.com/x?page=1>; rel="first", <https://api.github.com/x?page=4>; rel="prev""#;
        assert_eq!(reply(200, Some(last), "").next_page(), None);
        assert_eq!(reply(200, None, "").next_page(), None);
    }

    #[test]
    fn quotes_github_message_in_the_error() {
        let error = reply(
            422,
            None,
            r#"{"message":"Unexpected inputs provided: [\"x\"]","documentation_url":"…"}"#,
        )
        .error();
        assert!(matches!(error, GithubError::Rejected { status: 422, .. }));
        assert!(
            error.to_string().contains("Unexpected inputs provided"),
            "{error}"
        );
        assert!(matches!(
            reply(404, None, "").error(),
            GithubError::NotFound { .. }
        ));
    }
}
