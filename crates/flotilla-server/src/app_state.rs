//! What every request handler shares, and the answers they have in common.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flotilla_engine::{Engine, FleetEvent};
use flotilla_store::{EventReceipt, Id, NewEvent};
use serde::Serialize;
use serde_json::json;

use crate::auth::AuthConfig;
use crate::metrics::{Metrics, Rejection, Source};
use crate::raw_body::BodyError;
use crate::secret::Secret;
use crate::signed_body::SignedBody;
use crate::store_writer::StoreWriter;
use crate::worker::Worker;

/// A handle on what every request handler shares: axum clones the state for each request, so
/// it is one reference count, not a copy of the engine's paths and settings.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

pub(crate) struct Shared {
    pub engine: Engine,
    pub hook_secret: Secret,
    pub registry_token: Secret,
    pub api_token: Secret,
    pub auth: AuthConfig,
    pub body_limit: usize,
    pub body_timeout: Duration,
    pub metrics: Metrics,
    pub writer: StoreWriter,
    pub worker: Worker,
    /// The dashboard's fleet view, until the deployments change.
    pub fleet_cache: crate::dashboard::fleet_cache::FleetCache,
    /// The latest reading of each live train and run page, shared by their streams.
    pub live_frames: crate::dashboard::live_frames::LiveFrames,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// A JSON error answer.
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

impl AppState {
    pub(crate) fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }

    /// Counts and answers a delivery refused before anything was recorded.
    pub(crate) fn reject(&self, reason: Rejection, message: impl Into<String>) -> Response {
        self.metrics.rejected(reason);
        let status = match reason {
            Rejection::Unauthorized => StatusCode::UNAUTHORIZED,
            Rejection::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::TimedOut => StatusCode::REQUEST_TIMEOUT,
            Rejection::Malformed => StatusCode::BAD_REQUEST,
        };
        error(status, message)
    }

    pub(crate) fn reject_body(&self, err: BodyError) -> Response {
        match err {
            BodyError::TooLarge => self.reject(
                Rejection::TooLarge,
                format!("the body exceeds the limit of {} bytes", self.body_limit),
            ),
            BodyError::TimedOut => self.reject(
                Rejection::TimedOut,
                format!(
                    "the body did not arrive within {} s",
                    self.body_timeout.as_secs()
                ),
            ),
            BodyError::Unreadable(reason) => self.reject(
                Rejection::Malformed,
                format!("the body could not be read: {reason}"),
            ),
        }
    }

    /// Stores the events of one verified delivery (`(delivery id, event)` each), hands the new
    /// ones to the worker, and answers only once they are committed. A delivery seen before (by
    /// its delivery id, or by its body within the replay window) is acknowledged as a duplicate
    /// without being acted on again.
    pub(crate) async fn record(
        &self,
        source: Source,
        body: &SignedBody,
        events: Vec<(String, FleetEvent)>,
        ignored: usize,
    ) -> Response {
        let mut new_events = Vec::with_capacity(events.len());
        for (index, (delivery_id, event)) in events.into_iter().enumerate() {
            let payload = match serde_json::to_value(&event) {
                Ok(payload) => payload,
                Err(err) => {
                    return error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("the event could not be encoded: {err}"),
                    );
                }
            };
            new_events.push(NewEvent {
                source: source.as_str().to_owned(),
                delivery_id,
                kind: event.kind().to_owned(),
                payload,
                replay_key: Some(body.replay_key(index)),
            });
        }
        let receipts = if new_events.is_empty() {
            Vec::new()
        } else {
            match self.writer.record(new_events).await {
                Ok(receipts) => receipts,
                Err(message) => {
                    tracing::error!("a {} delivery was not recorded: {message}", source.as_str());
                    // 503 asks the sender to retry; nothing of the delivery was committed.
                    return error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the delivery could not be recorded; retry later",
                    );
                }
            }
        };
        let mut recorded = Vec::new();
        let mut replayed = 0_usize;
        for receipt in receipts {
            match receipt {
                EventReceipt::New(event) => {
                    recorded.push(event.id.clone());
                    self.worker.submit(event);
                }
                EventReceipt::Replay(_) => replayed += 1,
            }
        }
        self.metrics.received(source, recorded.len() as u64);
        self.metrics.replayed(source, replayed as u64);
        let replay = recorded.is_empty() && replayed > 0;
        Json(DeliveryAnswer {
            status: if replay {
                "duplicate"
            } else if recorded.is_empty() {
                "ignored"
            } else {
                "recorded"
            },
            replay,
            recorded,
            replayed,
            ignored,
        })
        .into_response()
    }
}

/// The answer to a delivery that was stored (or was a replay).
#[derive(Serialize)]
struct DeliveryAnswer {
    /// `recorded`, `duplicate` (seen before: nothing is done again) or `ignored` (nothing in
    /// it to act on).
    status: &'static str,
    replay: bool,
    /// The ids of the events stored for it.
    recorded: Vec<Id>,
    replayed: usize,
    ignored: usize,
}
