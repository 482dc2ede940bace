//! The few HTML answers outside the dashboard's templates: the sign-in page and the message
//! a refused form post gets. Small, self-contained, light and dark.

use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#57606a;--accent:#0b5cad;--bad:#a40e26}\
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9da7b3;--accent:#6cb6ff;--bad:#ff7b72}}\
body{font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0}\
main{max-width:28rem;margin:4rem auto;padding:0 1rem}\
label{display:block;font-weight:600;margin:1rem 0 .25rem}\
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;color:inherit;background:transparent;border:1px solid var(--muted);border-radius:4px}\
button{margin-top:1rem;padding:.5rem 1rem;font:inherit;color:var(--bg);background:var(--accent);border:0;border-radius:4px;cursor:pointer}\
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}\
.error{color:var(--bad);font-weight:600}.hint{color:var(--muted)}a{color:var(--accent)}";

/// `text` with the characters HTML gives a meaning escaped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page: `body` is HTML already escaped where needed.
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} · flotilla</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    );
    (status, [(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// A refused or failed form post: what happened, and a way back.
pub(crate) fn message(status: StatusCode, text: &str, back: &str) -> Response {
    page(
        status,
        status.canonical_reason().unwrap_or("Error"),
        &format!(
            "<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p><p><a href=\"{}\">Back</a></p>",
            escape(status.canonical_reason().unwrap_or("Error")),
            escape(text),
            escape(back)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
