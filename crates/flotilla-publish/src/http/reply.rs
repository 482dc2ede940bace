use std::io::Read;

use reqwest::StatusCode;
use reqwest::blocking::Response;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{PublishError, Result};

/// Most of a registry's error message that an error quotes.
const MESSAGE_CHARS: usize = 300;

/// A registry's answer that is not worth retrying, and the request it answers (redacted, for
/// error messages).
#[derive(Debug)]
pub(crate) struct Reply {
    response: Response,
    request: String,
}

impl Reply {
    pub(crate) fn new(response: Response, request: String) -> Self {
        Self { response, request }
    }

    pub(crate) fn status(&self) -> StatusCode {
        self.response.status()
    }

    pub(crate) fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.response.headers().get(name)?.to_str().ok()
    }

    pub(crate) fn request(&self) -> &str {
        &self.request
    }

    /// The response if it is a success, else the error quoting the registry.
    pub(crate) fn success(self) -> Result<Response> {
        if self.status().is_success() {
            Ok(self.response)
        } else {
            Err(self.refused())
        }
    }

    /// The body of a successful response as JSON.
    pub(crate) fn json<T: DeserializeOwned>(self, expected: &'static str) -> Result<T> {
        let request = self.request.clone();
        let response = self.success()?;
        let bytes = response.bytes().map_err(|e| PublishError::Request {
            request: request.clone(),
            cause: e.without_url().to_string(),
        })?;
        serde_json::from_slice(&bytes).map_err(|e| PublishError::UnexpectedResponse {
            request,
            problem: format!("the body is not the JSON expected ({e})"),
            expected,
        })
    }

    /// The error for an answer the caller cannot use: a 4xx (or an unexpected status), with
    /// the registry's own words.
    pub(crate) fn refused(self) -> PublishError {
        let status = self.status();
        let (request, message) = self.status_and_message();
        PublishError::Refused {
            request,
            status: status.as_u16(),
            message,
            hint: hint(status),
        }
    }

    /// The request, and `HTTP <status>: <the registry's message>`.
    pub(crate) fn status_and_message(self) -> (String, String) {
        let status = self.status();
        let mut body = Vec::new();
        let _ = self.response.take(64 * 1024).read_to_end(&mut body);
        let message = message(&body);
        let reason = status.canonical_reason().unwrap_or("");
        let text = if message.is_empty() {
            format!("HTTP {} {reason}", status.as_u16())
        } else {
            format!("HTTP {} {reason}: {message}", status.as_u16())
        };
        (self.request, text)
    }
}

fn hint(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "check the credentials configured for this registry",
        403 => "check that these credentials may publish to this name",
        404 => "check the registry URL and the artifact name",
        409 => "a published version never changes: publish a new version",
        413 => "the registry refuses bodies this large: raise its upload limit",
        _ => "fix what the registry's message names and run again",
    }
}

/// What a registry says went wrong: the message of an OCI error list, the `error` or `message`
/// of a JSON body, or the text of an HTML or plain body, on one line and truncated.
fn message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(json) => json_message(&json).unwrap_or_else(|| json.to_string()),
        Err(_) => strip_tags(&String::from_utf8_lossy(body)),
    };
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

fn json_message(json: &Value) -> Option<String> {
    if let Some(errors) = json.get("errors").and_then(Value::as_array) {
        let parts: Vec<String> = errors
            .iter()
            .map(|e| {
                let code = e.get("code").and_then(Value::as_str).unwrap_or_default();
                let message = e.get("message").and_then(Value::as_str).unwrap_or_default();
                let detail = e
                    .get("detail")
                    .filter(|d| !d.is_null())
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                format!("{code} {message}{detail}").trim().to_owned()
            })
            .collect();
        return Some(parts.join("; "));
    }
    ["error", "message", "reason", "detail"]
        .iter()
        .find_map(|key| json.get(key).and_then(Value::as_str).map(str::to_owned))
}

/// The text of an HTML page: tags dropped, the `<title>` and `<style>` contents too.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tag = &rest[open..];
        let skip_to = ["<style", "<script", "<title"]
            .iter()
            .find(|t| tag.len() >= t.len() && tag[..t.len()].eq_ignore_ascii_case(t))
            .and_then(|t| {
                let close = format!("</{}>", &t[1..]);
                tag.to_ascii_lowercase()
                    .find(&close)
                    .map(|i| i + close.len())
            });
        match skip_to {
            Some(end) => rest = &tag[end..],
            None => match tag.find('>') {
                Some(end) => rest = &tag[end + 1..],
                None => rest = "",
            },
        }
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_oci_npm_and_html_errors() {
        assert_eq!(
            message(br#"{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid","detail":{"x":1}}]}"#),
            r#"MANIFEST_INVALID manifest invalid ({"x":1})"#
        );
        assert_eq!(
            message(br#"{"error":"this package is already present"}"#),
            "this package is already present"
        );
        assert_eq!(
            message(
                b"<html><head><title>409 Conflict</title><style>p{}</style></head>\
                  <body><h1>Conflict</h1>\n<p>File &amp; more</p></body></html>"
            ),
            "Conflict File & more"
        );
        let long = "x".repeat(1000);
        assert_eq!(message(long.as_bytes()).chars().count(), MESSAGE_CHARS + 1);
    }
}
