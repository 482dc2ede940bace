//! `POST /hooks/git` (git pushes; and GitHub's `workflow_run`/`workflow_job` events, which
//! wake the GitHub Actions executor's wait on that run) and `POST /hooks/registry`. Each delivery is checked in this order: size
//! (413), signature or token over the raw bytes (401), then parsing (400); nothing is recorded
//! unless all pass. A verified body seen before (its digest is kept) is a duplicate, whatever
//! the headers around it say.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app_state::AppState;
use crate::git_delivery::GitDelivery;
use crate::metrics::{Rejection, Source};
use crate::raw_body;
use crate::registry_envelope::RegistryEnvelope;
use crate::signed_body::SignedBody;

const FLOTILLA_SIGNATURE: &str = "x-flotilla-signature-256";
const GITHUB_SIGNATURE: &str = "x-hub-signature-256";
const GITHUB_EVENT: &str = "x-github-event";
const GITHUB_DELIVERY: &str = "x-github-delivery";

pub(crate) async fn git(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let body = match raw_body::read(body, &headers, state.body_limit, state.body_timeout).await {
        Ok(body) => body,
        Err(err) => return state.reject_body(err),
    };
    let github = headers.contains_key(GITHUB_SIGNATURE);
    let Some(signature) = headers.get(if github {
        GITHUB_SIGNATURE
    } else {
        FLOTILLA_SIGNATURE
    }) else {
        return state.reject(
            Rejection::Unauthorized,
            format!("unsigned delivery: send {FLOTILLA_SIGNATURE} or {GITHUB_SIGNATURE}"),
        );
    };
    if !state.hook_secret.signed(&body, signature.as_bytes()) {
        return state.reject(
            Rejection::Unauthorized,
            "the signature does not match the body under the configured secret",
        );
    }
    let delivery = if github {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        match header(GITHUB_EVENT).as_str() {
            "push" => GitDelivery::from_github_push(&body, &header(GITHUB_DELIVERY)),
            "ping" => return Json(json!({ "pong": true })).into_response(),
            // A workflow run flotilla may be waiting on changed: the wait polls now instead of
            // at its next interval. Nothing is recorded: polling stays the source of truth.
            "workflow_run" | "workflow_job" => {
                return match workflow_run_id(&body) {
                    Some(run) => {
                        flotilla_engine::nudge_workflow_run(run);
                        Json(json!({ "nudged": run })).into_response()
                    }
                    None => state.reject(
                        Rejection::Malformed,
                        "malformed delivery: a workflow_run event needs workflow_run.id, a workflow_job event workflow_job.run_id",
                    ),
                };
            }
            // GitHub also sends a push, with the commit, for every branch or tag it sends a
            // create for: acting on both would start each flow twice.
            other => {
                return Json(json!({
                    "ignored": format!("GitHub {other:?} events are not acted on; flotilla reads push events"),
                }))
                .into_response();
            }
        }
    } else {
        GitDelivery::from_hook(&body)
    };
    let delivery = match delivery {
        Ok(delivery) => delivery,
        Err(reason) => {
            return state.reject(
                Rejection::Malformed,
                format!("malformed delivery: {reason}"),
            );
        }
    };
    let events = delivery
        .events
        .into_iter()
        .enumerate()
        .map(|(index, event)| (format!("{}:{index}", delivery.delivery), event))
        .collect();
    state
        .record(delivery.source, &SignedBody::of(&body), events, 0)
        .await
}

/// The run a `workflow_run` (`workflow_run.id`) or `workflow_job` (`workflow_job.run_id`)
/// event is about.
fn workflow_run_id(body: &[u8]) -> Option<u64> {
    let event: serde_json::Value = serde_json::from_slice(body).ok()?;
    event
        .pointer("/workflow_run/id")
        .or_else(|| event.pointer("/workflow_job/run_id"))
        .and_then(serde_json::Value::as_u64)
}

pub(crate) async fn registry(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = match raw_body::read(body, &headers, state.body_limit, state.body_timeout).await {
        Ok(body) => body,
        Err(err) => return state.reject_body(err),
    };
    let authorized = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .is_some_and(|token| state.registry_token.matches(token));
    if !authorized {
        return state.reject(
            Rejection::Unauthorized,
            "missing or wrong bearer token: configure the registry's notification endpoint with the header Authorization: Bearer <token>",
        );
    }
    match RegistryEnvelope::parse(&body) {
        Ok(envelope) => {
            state
                .record(
                    Source::Registry,
                    &SignedBody::of(&body),
                    envelope.pushes,
                    envelope.ignored,
                )
                .await
        }
        Err(reason) => state.reject(
            Rejection::Malformed,
            format!("malformed notification envelope: {reason}"),
        ),
    }
}
