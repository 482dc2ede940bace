use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

/// The stylesheet and the script of the pages, embedded in the binary: no build step, no
/// Node, nothing fetched from elsewhere.
pub(crate) struct Assets;

const CSS: &str = include_str!("assets/dashboard.css");
const JS: &str = include_str!("assets/dashboard.js");

#[allow(clippy::unused_async, reason = "axum handlers")]
impl Assets {
    pub(crate) async fn css() -> Response {
        asset("text/css; charset=utf-8", CSS)
    }

    pub(crate) async fn js() -> Response {
        asset("text/javascript; charset=utf-8", JS)
    }
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}
