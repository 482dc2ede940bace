//! The JSON API under `/api/v1`, behind the API bearer token: trains, runs, step logs, events,
//! deployments and their approval.

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::extract::{Path, Query, Request, State};
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use flotilla_core::Help;
use flotilla_store::{EventStatus, Id, StoreError};
use serde::Deserialize;
use serde_json::json;

use crate::app_state::{AppState, error};
use crate::auth::{Action, Principal};
use crate::raw_body::{self, BodyError};

/// The tail of a step log the API returns: logs of long builds can be large.
const LOG_TAIL: usize = 1024 * 1024;

/// A decision body is a name: anything longer is not one.
const DECISION_LIMIT: usize = 64 * 1024;

/// Default and largest page of a listing.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 1000;

pub(crate) fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/trains", get(trains))
        .route("/trains/{id}", get(train))
        .route("/runs/{id}/steps", get(steps))
        .route("/runs/{id}/logs", get(logs))
        .route("/events", get(events))
        .route("/deployments", get(deployments))
        .route("/deployments/pending", get(pending))
        .route("/deployments/{id}", get(deployment))
        .route("/deployments/{id}/approve", post(approve))
        .route("/deployments/{id}/reject", post(reject))
        .route("/trace", get(crate::trace_api::trace))
        .route_layer(middleware::from_fn_with_state(state, require_token))
}

/// Every API request names who makes it; what each may do is checked by role. The principal
/// is in the request's extensions for the handlers.
async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    match Principal::from_request_parts(&mut parts, &state).await {
        Ok(principal) if principal.role.allows(Action::View) => {
            parts.extensions.insert(principal);
            next.run(Request::from_parts(parts, body)).await
        }
        Ok(_) => error(StatusCode::FORBIDDEN, "this token may not read the API"),
        Err(mut response) => {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
            response
        }
    }
}

/// A store error as an HTTP answer: what the caller can fix is 4xx with the store's message.
fn store_error(err: &StoreError) -> Response {
    let status = match err {
        StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
        StoreError::AmbiguousPrefix { .. } => StatusCode::BAD_REQUEST,
        StoreError::InvalidTransition { .. }
        | StoreError::DeploymentExpired { .. }
        | StoreError::TrainConflict { .. } => StatusCode::CONFLICT,
        _ => {
            tracing::error!("API: {err}");
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the state database failed; see the server's log",
            );
        }
    };
    error(status, err.with_help())
}

fn bad_id(text: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        format!("{text:?} is not an id (26 letters and digits)"),
    )
}

#[derive(Deserialize)]
struct Page {
    limit: Option<u32>,
}

fn limit(requested: Option<u32>) -> u32 {
    requested.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

async fn trains(State(state): State<AppState>, Query(page): Query<Page>) -> Response {
    match state
        .engine
        .workspace()
        .store
        .list_trains(limit(page.limit))
        .await
    {
        // The stored request (the whole plan) stays out of listings; GET trains/{id} summarises.
        Ok(trains) => Json(
            trains
                .iter()
                .map(|t| {
                    json!({
                        "id": t.id,
                        "kind": t.kind,
                        "version": t.version,
                        "status": t.status,
                        "created_at": t.created_at,
                        "updated_at": t.updated_at,
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(err) => store_error(&err),
    }
}

async fn train(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let train = match state.engine.workspace().store.train(&id).await {
        Ok(train) => train,
        Err(err) => return store_error(&err),
    };
    match state.engine.summary(&train).await {
        Ok(summary) => Json(summary).into_response(),
        Err(err) => error(StatusCode::INTERNAL_SERVER_ERROR, err.with_help()),
    }
}

async fn steps(State(state): State<AppState>, Path(text): Path<String>) -> Response {
    let Some(id) = Id::parse(&text) else {
        return bad_id(&text);
    };
    let store = &state.engine.workspace().store;
    if let Err(err) = store.run(&id).await {
        return store_error(&err);
    }
    match store.steps_of_run(&id).await {
        Ok(steps) => Json(steps).into_response(),
        Err(err) => store_error(&err),
    }
}

async fn logs(State(state): State<AppState>, Path(text): Path<String>) -> Response {
    let Some(id) = Id::parse(&text) else {
        return bad_id(&text);
    };
    let store = &state.engine.workspace().store;
    if let Err(err) = store.run(&id).await {
        return store_error(&err);
    }
    let steps = match store.steps_of_run(&id).await {
        Ok(steps) => steps,
        Err(err) => return store_error(&err),
    };
    let mut answer = Vec::with_capacity(steps.len());
    for step in steps {
        // The engine redacts secrets before they reach the file; the server's own secrets are
        // redacted again, for a log written by a `flotilla` run that did not know them.
        let (log, truncated) = match &step.log_path {
            Some(path) => match tokio::fs::read(path).await {
                Ok(bytes) => {
                    let start = bytes.len().saturating_sub(LOG_TAIL);
                    let text = String::from_utf8_lossy(&bytes[start..]);
                    (
                        Some(state.engine.workspace().redactor.redact(&text).into_owned()),
                        start > 0,
                    )
                }
                Err(_) => (None, false),
            },
            None => (None, false),
        };
        answer.push(json!({
            "idx": step.idx,
            "kind": step.kind,
            "status": step.status,
            "log": log,
            "truncated": truncated,
        }));
    }
    Json(answer).into_response()
}

#[derive(Deserialize)]
struct EventQuery {
    status: Option<String>,
    limit: Option<u32>,
}

async fn events(State(state): State<AppState>, Query(query): Query<EventQuery>) -> Response {
    let text = query.status.as_deref().unwrap_or("received");
    let Some(status) = EventStatus::parse(text) else {
        return error(
            StatusCode::BAD_REQUEST,
            format!("status {text:?} is not one of received, processed, ignored, failed"),
        );
    };
    match state
        .engine
        .workspace()
        .store
        .events_by_status(status, limit(query.limit))
        .await
    {
        Ok(events) => Json(events).into_response(),
        Err(err) => store_error(&err),
    }
}

#[derive(Deserialize)]
struct DeploymentQuery {
    service: Option<String>,
    env: Option<String>,
    limit: Option<u32>,
}

/// Without `service`: what runs where. With it: that service's history (to `env` if given).
async fn deployments(
    State(state): State<AppState>,
    Query(query): Query<DeploymentQuery>,
) -> Response {
    let store = &state.engine.workspace().store;
    let result = match &query.service {
        Some(service) => {
            store
                .deployment_history(service, query.env.as_deref(), limit(query.limit))
                .await
        }
        None => store.deployment_matrix().await,
    };
    match result {
        Ok(deployments) => Json(deployments).into_response(),
        Err(err) => store_error(&err),
    }
}

async fn pending(State(state): State<AppState>) -> Response {
    match state.engine.workspace().store.pending_deployments().await {
        Ok(deployments) => Json(deployments).into_response(),
        Err(err) => store_error(&err),
    }
}

async fn deployment(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.engine.workspace().store.deployment(&id).await {
        Ok(deployment) => Json(deployment).into_response(),
        Err(err) => store_error(&err),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Decision {
    /// Who decides, for the history; the token identifies no one.
    by: Option<String>,
}

async fn approve(
    state: State<AppState>,
    id: Path<String>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !principal.role.allows(Action::Decide) {
        return error(
            StatusCode::FORBIDDEN,
            "only an approver or an admin decides deployments",
        );
    }
    decide(state, id, &headers, body, true).await
}

async fn reject(
    state: State<AppState>,
    id: Path<String>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !principal.role.allows(Action::Decide) {
        return error(
            StatusCode::FORBIDDEN,
            "only an approver or an admin decides deployments",
        );
    }
    decide(state, id, &headers, body, false).await
}

async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: &HeaderMap,
    body: Body,
    approve: bool,
) -> Response {
    let body = match raw_body::read(body, headers, DECISION_LIMIT, state.body_timeout).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a decision is {{\"by\": \"name\"}}, under {DECISION_LIMIT} bytes"),
            );
        }
        Err(BodyError::TimedOut) => {
            return error(
                StatusCode::REQUEST_TIMEOUT,
                "the body did not arrive within the body timeout",
            );
        }
        Err(BodyError::Unreadable(reason)) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("the body could not be read: {reason}"),
            );
        }
    };
    let decision: Decision = if body.iter().all(u8::is_ascii_whitespace) {
        Decision::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(decision) => decision,
            Err(err) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("the body must be empty or {{\"by\": \"name\"}}: {err}"),
                );
            }
        }
    };
    let by = decision.by.unwrap_or_else(|| "api".to_owned());
    if by.is_empty() || by.len() > 100 || by.chars().any(char::is_control) {
        return error(
            StatusCode::BAD_REQUEST,
            "by must be a name of 1 to 100 characters without control characters",
        );
    }
    let store = &state.engine.workspace().store;
    let deployment = match store.deployment(&id).await {
        Ok(deployment) => deployment,
        Err(err) => return store_error(&err),
    };
    // The engine decides and, for an approval, carries the deployment out, as the CLI does.
    let id = deployment.id.to_string();
    let decided = if approve {
        state.engine.approve(&id, &by).await
    } else {
        state.engine.reject(&id, &by).await
    };
    match decided {
        Ok(deployment) => Json(deployment).into_response(),
        Err(flotilla_engine::EngineError::Store(err)) => store_error(&err),
        Err(err) => error(StatusCode::INTERNAL_SERVER_ERROR, err.with_help()),
    }
}
