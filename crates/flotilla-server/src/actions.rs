//! The state-changing endpoints under `/api/v1`, each role-gated and audited, for JSON with a
//! bearer token and for forms of signed-in browsers: deployments (approve, reject, roll
//! back), trains (retry, resume, cancel), tokens (create, revoke); and the audit log.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use flotilla_core::Help;
use flotilla_engine::{DriverState, EngineError, TrainCancel};
use flotilla_store::{NewApiToken, StoreError, TrainStatus};
use serde::Deserialize;
use serde_json::json;

use crate::action_request::ActionRequest;
use crate::app_state::{AppState, error};
use crate::auth::{Action, Principal, Role, TokenSecret};
use crate::html_page::{escape, page};
use crate::store_answer::store_error;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/deployments/{id}/approve", post(approve))
        .route("/deployments/{id}/reject", post(reject))
        .route("/deployments/{id}/rollback", post(rollback))
        .route("/trains/{id}/retry", post(retry))
        .route("/trains/{id}/resume", post(resume))
        .route("/trains/{id}/cancel", post(cancel))
        .route("/tokens", get(tokens).post(create_token))
        .route("/tokens/{name}/revoke", post(revoke_token))
        .route("/audit", get(audit))
        .route("/session", get(session))
}

/// Who the request is from: name, role, and the CSRF token its forms must carry (`null` for
/// a bearer token).
async fn session(Extension(principal): Extension<Principal>) -> Response {
    Json(json!({
        "name": principal.name,
        "role": principal.role.as_str(),
        "csrf": principal.csrf,
    }))
    .into_response()
}

/// An engine error as the answer to `request`.
fn engine_failure(request: &ActionRequest, err: EngineError) -> Response {
    match err {
        EngineError::Store(err) => {
            let response = store_error(&err);
            if request.form {
                request.refuse(response.status(), &err.with_help())
            } else {
                response
            }
        }
        EngineError::FourEyes { .. } => request.refuse(StatusCode::FORBIDDEN, &err.with_help()),
        err if err.is_user_error() => request.refuse(StatusCode::BAD_REQUEST, &err.with_help()),
        EngineError::NothingToRollBackTo { .. } => {
            request.refuse(StatusCode::CONFLICT, &err.with_help())
        }
        err => request.refuse(StatusCode::INTERNAL_SERVER_ERROR, &err.with_help()),
    }
}

async fn approve(
    state: State<AppState>,
    id: Path<String>,
    principal: Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    decide(state, id, principal, &headers, body, true).await
}

async fn reject(
    state: State<AppState>,
    id: Path<String>,
    principal: Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    decide(state, id, principal, &headers, body, false).await
}

/// An approval or rejection, recorded under the principal's name. The engine decides and, for
/// an approval, carries the deployment out, as the CLI does.
async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(principal): Extension<Principal>,
    headers: &HeaderMap,
    body: Body,
    approve: bool,
) -> Response {
    let request =
        match ActionRequest::read(&state, principal, headers, body, Action::Decide, &[]).await {
            Ok(request) => request,
            Err(response) => return response,
        };
    let deployment = match state.engine.workspace().store.deployment(&id).await {
        Ok(deployment) => deployment,
        Err(err) => return engine_failure(&request, err.into()),
    };
    let id = deployment.id.to_string();
    let by = &request.principal.name;
    let decided = if approve {
        state.engine.approve(&id, by).await
    } else {
        state.engine.reject(&id, by).await
    };
    let action = if approve {
        "deployment.approve"
    } else {
        "deployment.reject"
    };
    match decided {
        Ok(done) => {
            request
                .audit(
                    &state,
                    action,
                    &id,
                    json!({
                        "service": done.service,
                        "environment": done.environment,
                        "version": done.version,
                        "status": done.status,
                    }),
                )
                .await;
            request.done(StatusCode::OK, json!(done))
        }
        Err(err) => {
            if matches!(err, EngineError::FourEyes { .. }) {
                request
                    .audit(
                        &state,
                        &format!("{action}.refused"),
                        &id,
                        json!({ "reason": "four-eyes" }),
                    )
                    .await;
            }
            engine_failure(&request, err)
        }
    }
}

/// Deploys again, in the deployment's service and environment, the version that ran before
/// the current one.
async fn rollback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request =
        match ActionRequest::read(&state, principal, &headers, body, Action::Decide, &[]).await {
            Ok(request) => request,
            Err(response) => return response,
        };
    let of = match state.engine.workspace().store.deployment(&id).await {
        Ok(deployment) => deployment,
        Err(err) => return engine_failure(&request, err.into()),
    };
    match state
        .engine
        .rollback(&of.service, &of.environment, &request.principal.name)
        .await
    {
        Ok(done) => {
            request
                .audit(
                    &state,
                    "deployment.rollback",
                    done.id.as_str(),
                    json!({
                        "service": done.service,
                        "environment": done.environment,
                        "version": done.version,
                        "from": of.id,
                        "status": done.status,
                    }),
                )
                .await;
            request.done(StatusCode::OK, json!(done))
        }
        Err(err) => engine_failure(&request, err),
    }
}

#[derive(Clone, Copy)]
enum TrainAction {
    Retry,
    Resume,
}

async fn retry(
    state: State<AppState>,
    id: Path<String>,
    principal: Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    drive(state, id, principal, &headers, body, TrainAction::Retry).await
}

async fn resume(
    state: State<AppState>,
    id: Path<String>,
    principal: Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    drive(state, id, principal, &headers, body, TrainAction::Resume).await
}

/// Starts a resume or retry in the background (a train runs for minutes) and answers `202`;
/// refused at once when the train succeeded, a live process drives it, or (retry) the
/// repository is not one of its.
async fn drive(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(principal): Extension<Principal>,
    headers: &HeaderMap,
    body: Body,
    what: TrainAction,
) -> Response {
    let allowed: &[&str] = match what {
        TrainAction::Retry => &["repo"],
        TrainAction::Resume => &[],
    };
    let request =
        match ActionRequest::read(&state, principal, headers, body, Action::Release, allowed).await
        {
            Ok(request) => request,
            Err(response) => return response,
        };
    let store = &state.engine.workspace().store;
    let train = match store.train(&id).await {
        Ok(train) => train,
        Err(err) => return engine_failure(&request, err.into()),
    };
    if train.status == TrainStatus::Succeeded {
        return request.refuse(
            StatusCode::CONFLICT,
            &format!(
                "train {} succeeded: there is nothing to run again",
                train.id
            ),
        );
    }
    match DriverState::of(&**store, &train).await {
        Ok(Some(driver)) if driver.live => {
            return request.refuse(
                StatusCode::CONFLICT,
                &format!(
                    "train {} is being driven by pid {} on {}; wait for it to finish",
                    train.id,
                    driver.pid.unwrap_or_default(),
                    driver.host.unwrap_or_default()
                ),
            );
        }
        Ok(_) => {}
        Err(err) => return engine_failure(&request, err),
    }
    let repo = match what {
        TrainAction::Retry => {
            let Some(repo) = request.field("repo").filter(|r| !r.is_empty()) else {
                return request.refuse(StatusCode::BAD_REQUEST, "retry needs the field repo");
            };
            let summary = match state.engine.summary(&train).await {
                Ok(summary) => summary,
                Err(err) => return engine_failure(&request, err),
            };
            if !summary.runs.iter().any(|r| r.repo == repo) {
                return request.refuse(
                    StatusCode::BAD_REQUEST,
                    &format!("{repo} is not part of train {}", train.id),
                );
            }
            Some(repo.to_owned())
        }
        TrainAction::Resume => None,
    };
    let engine = state
        .engine
        .clone()
        .acting_as(request.principal.name.clone());
    let train_id = train.id.to_string();
    let background = train_id.clone();
    let background_repo = repo.clone();
    tokio::spawn(async move {
        let result = match &background_repo {
            Some(repo) => engine.retry(&background, repo).await,
            None => engine.resume(&background).await,
        };
        match result {
            Ok(summary) => {
                tracing::info!(train = %background, status = %summary.status, "train driven from the API");
            }
            Err(err) => {
                tracing::warn!(train = %background, "train driven from the API: {}", err.with_help());
            }
        }
    });
    let (action, detail) = match &repo {
        Some(repo) => ("train.retry", json!({ "repo": repo })),
        None => ("train.resume", json!({})),
    };
    request.audit(&state, action, &train_id, detail).await;
    request.done(
        StatusCode::ACCEPTED,
        json!({ "train": train_id, "action": action, "repo": repo, "status": "started" }),
    )
}

/// Cancels a train: marks it `cancelled` when no live process drives it (200), or asks its
/// driver, on whatever machine, to stop it (202).
async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request =
        match ActionRequest::read(&state, principal, &headers, body, Action::Release, &[]).await {
            Ok(request) => request,
            Err(response) => return response,
        };
    match state.engine.cancel(&id, &request.principal.name).await {
        Ok(outcome) => {
            let train = outcome.train();
            let (status, answer) = match &outcome {
                TrainCancel::Cancelled { train } => (StatusCode::OK, json!(train)),
                // Accepted: the driving process stops the train within about a second.
                TrainCancel::Requested { train, driver } => (
                    StatusCode::ACCEPTED,
                    json!({
                        "id": train.id,
                        "status": "cancel-requested",
                        "driver": driver.to_string(),
                    }),
                ),
            };
            request
                .audit(
                    &state,
                    "train.cancel",
                    train.id.as_str(),
                    json!({
                        "version": train.version,
                        "driven": matches!(outcome, TrainCancel::Requested { .. }),
                    }),
                )
                .await;
            request.done(status, answer)
        }
        Err(err) => engine_failure(&request, err),
    }
}

async fn tokens(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Response {
    if !principal.role.allows(Action::Administer) {
        return error(StatusCode::FORBIDDEN, "only an admin lists tokens");
    }
    match state.engine.workspace().store.tokens().await {
        Ok(tokens) => Json(tokens).into_response(),
        Err(err) => store_error(&err),
    }
}

/// Creates a token; its text is in this answer only.
async fn create_token(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request = match ActionRequest::read(
        &state,
        principal,
        &headers,
        body,
        Action::Administer,
        &["name", "role"],
    )
    .await
    {
        Ok(request) => request,
        Err(response) => return response,
    };
    let name = request.field("name").unwrap_or_default().trim().to_owned();
    if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
        return request.refuse(
            StatusCode::BAD_REQUEST,
            "name must be 1 to 100 characters without control characters",
        );
    }
    let Some(role) = request.field("role").and_then(Role::parse) else {
        return request.refuse(
            StatusCode::BAD_REQUEST,
            "role must be viewer, releaser, approver or admin",
        );
    };
    let Ok(secret) = TokenSecret::generate_token() else {
        return request.refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the system's random source failed; try again",
        );
    };
    let created = state
        .engine
        .workspace()
        .store
        .create_token(&NewApiToken {
            name: name.clone(),
            role: role.as_str().to_owned(),
            hash: secret.hash,
        })
        .await;
    let token = match created {
        Ok(token) => token,
        Err(err @ StoreError::TokenNameTaken { .. }) => {
            return request.refuse(StatusCode::CONFLICT, &err.with_help());
        }
        Err(err) => return engine_failure(&request, err.into()),
    };
    request
        .audit(
            &state,
            "token.create",
            &name,
            json!({ "role": role.as_str() }),
        )
        .await;
    if request.form {
        // The one time the token is shown: a page, not a redirect.
        return page(
            StatusCode::CREATED,
            "Token created",
            &format!(
                "<h1>Token created</h1><p>The token of <strong>{}</strong> ({}) is shown this \
                 once; give it to them now.</p><p><label for=\"new-token\">Token</label>\
                 <input id=\"new-token\" readonly value=\"{}\"></p><p><a href=\"{}\">Back</a></p>",
                escape(&token.name),
                escape(&token.role),
                escape(&secret.text),
                escape(&request.next)
            ),
        );
    }
    (
        StatusCode::CREATED,
        Json(json!({
            "name": token.name,
            "role": token.role,
            "created_at": token.created_at,
            "token": secret.text,
        })),
    )
        .into_response()
}

async fn revoke_token(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request =
        match ActionRequest::read(&state, principal, &headers, body, Action::Administer, &[]).await
        {
            Ok(request) => request,
            Err(response) => return response,
        };
    match state.engine.workspace().store.revoke_token(&name).await {
        Ok(token) => {
            request
                .audit(&state, "token.revoke", &name, json!({}))
                .await;
            request.done(StatusCode::OK, json!(token))
        }
        Err(err) => engine_failure(&request, err.into()),
    }
}

#[derive(Deserialize)]
struct AuditQuery {
    limit: Option<u32>,
}

/// The audit log, newest first.
async fn audit(State(state): State<AppState>, Query(query): Query<AuditQuery>) -> Response {
    let limit = query.limit.unwrap_or(100).clamp(1, 10_000);
    match state.engine.workspace().store.audit_log(limit).await {
        Ok(entries) => Json(entries).into_response(),
        Err(err) => store_error(&err),
    }
}
