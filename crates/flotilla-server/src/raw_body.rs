//! Reading a webhook's raw body under a size limit, before anything else looks at it.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_LENGTH;
use http_body_util::{BodyExt, LengthLimitError, Limited};

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    TooLarge,
    /// The whole body did not arrive within the body timeout.
    TimedOut,
    /// The client went away or sent a broken body.
    Unreadable(String),
}

/// The body's bytes, or [`BodyError::TooLarge`] as soon as it is known to exceed `limit`: at
/// once from `Content-Length`, otherwise after reading at most `limit` bytes. The whole body
/// must arrive within `timeout`: a client that trickles it in holds no connection longer.
pub(crate) async fn read(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let Ok(collected) = tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await
    else {
        return Err(BodyError::TimedOut);
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => Err(BodyError::TooLarge),
        Err(err) => Err(BodyError::Unreadable(err.to_string())),
    }
}
