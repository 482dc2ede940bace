use std::sync::{Arc, OnceLock};

use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;

/// The pages' templates, compiled once, embedded in the binary. Names end in `.html`, so
/// minijinja escapes every value written into them.
pub(crate) struct Templates;

const SOURCES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("fleet.html", include_str!("templates/fleet.html")),
    ("trains.html", include_str!("templates/trains.html")),
    ("train.html", include_str!("templates/train.html")),
    (
        "train_waves.html",
        include_str!("templates/train_waves.html"),
    ),
    ("run.html", include_str!("templates/run.html")),
    ("run_steps.html", include_str!("templates/run_steps.html")),
    (
        "deployments.html",
        include_str!("templates/deployments.html"),
    ),
    ("trace.html", include_str!("templates/trace.html")),
    (
        "trace_chain.html",
        include_str!("templates/trace_chain.html"),
    ),
    ("plan.html", include_str!("templates/plan.html")),
    ("audit.html", include_str!("templates/audit.html")),
    ("error.html", include_str!("templates/error.html")),
];

fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        env.add_filter("urlencode", urlencode);
        for (name, source) in SOURCES {
            if let Err(err) = env.add_template(name, source) {
                // A template that does not compile is a bug caught by every page test.
                tracing::error!("dashboard template {name}: {err}");
            }
        }
        env
    })
}

impl Templates {
    /// `name` rendered with `context`, as text (a page, or a fragment for a live update).
    pub(crate) fn text(name: &str, context: &impl Serialize) -> Result<String, String> {
        environment()
            .get_template(name)
            .and_then(|template| template.render(context))
            .map_err(|err| {
                tracing::error!("rendering {name}: {err:#}");
                format!("the page {name} could not be rendered; see the server's log")
            })
    }

    /// A whole page answer.
    pub(crate) fn page(name: &str, context: &impl Serialize) -> Response {
        match Self::text(name, context) {
            Ok(html) => html_response(StatusCode::OK, html),
            Err(message) => Self::error(StatusCode::INTERNAL_SERVER_ERROR, &message),
        }
    }

    /// A page rendered earlier.
    pub(crate) fn html(html: &Arc<str>) -> Response {
        html_response(StatusCode::OK, html.to_string())
    }

    /// An error page with `status`.
    pub(crate) fn error(status: StatusCode, message: &str) -> Response {
        let context = serde_json::json!({
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "message": message,
        });
        match environment()
            .get_template("error.html")
            .and_then(|t| t.render(&context))
        {
            Ok(html) => html_response(status, html),
            Err(_) => (status, message.to_owned()).into_response(),
        }
    }
}

fn html_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            // Pages show who may do what: never from a shared cache.
            (CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

/// A query-string value: everything but RFC 3986's unreserved characters percent-encoded.
fn urlencode(value: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}
