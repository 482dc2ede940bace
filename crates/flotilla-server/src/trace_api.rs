//! `GET /api/v1/trace?service=S&env=E` or `?digest=D`: the answer of `flotilla trace --json`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flotilla_core::Help;
use flotilla_engine::{EngineError, TraceQuery};
use serde::Deserialize;

use crate::app_state::{AppState, error};

#[derive(Deserialize, Default)]
pub(crate) struct TraceParams {
    pub service: Option<String>,
    pub env: Option<String>,
    pub digest: Option<String>,
}

impl TraceParams {
    /// The query these parameters ask, or what is wrong with them.
    pub(crate) fn query(&self) -> Result<TraceQuery, &'static str> {
        match (&self.service, &self.env, &self.digest) {
            (Some(service), Some(env), None) if !service.is_empty() && !env.is_empty() => {
                Ok(TraceQuery::Service {
                    service: service.clone(),
                    environment: env.clone(),
                })
            }
            (None, None, Some(digest)) if TraceQuery::looks_like_digest(digest) => {
                Ok(TraceQuery::Digest(digest.clone()))
            }
            _ => Err("ask for ?service=NAME&env=ENV or ?digest=sha256:HEX"),
        }
    }
}

/// The HTTP status of a failed trace: what the caller asked wrong is theirs to fix.
pub(crate) fn trace_error(err: &EngineError) -> (StatusCode, String) {
    let status = match err {
        EngineError::NothingDeployed { .. } => StatusCode::NOT_FOUND,
        EngineError::UnknownEnvironment { .. } => StatusCode::BAD_REQUEST,
        _ => {
            tracing::error!("trace: {err}");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    (status, err.with_help())
}

pub(crate) async fn trace(
    State(state): State<AppState>,
    Query(params): Query<TraceParams>,
) -> Response {
    let query = match params.query() {
        Ok(query) => query,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    match state.engine.trace(&query).await {
        Ok(trace) => Json(trace).into_response(),
        Err(err) => {
            let (status, message) = trace_error(&err);
            error(status, message)
        }
    }
}
