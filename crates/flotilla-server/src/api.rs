//! The JSON API under `/api/v1`, for any principal (a bearer token, a signed-in browser):
//! trains, runs, step logs, events, deployments; the actions that change them are in
//! `actions.rs`.

use axum::extract::FromRequestParts;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::header::WWW_AUTHENTICATE;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use flotilla_core::Help;
use flotilla_store::{EventStatus, Id};
use serde::Deserialize;
use serde_json::json;

use crate::app_state::{AppState, error};
use crate::auth::{Action, Principal};
use crate::store_answer::store_error;

/// The tail of a step log the API returns: logs of long builds can be large.
const LOG_TAIL: usize = 1024 * 1024;

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
        .merge(crate::actions::router())
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
