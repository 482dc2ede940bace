//! Store errors as HTTP answers.

use axum::http::StatusCode;
use axum::response::Response;
use flotilla_core::Help;
use flotilla_store::StoreError;

use crate::app_state::error;

/// A store error as an HTTP answer: what the caller can fix is 4xx with the store's message.
pub(crate) fn store_error(err: &StoreError) -> Response {
    let status = match err {
        StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
        StoreError::AmbiguousPrefix { .. } => StatusCode::BAD_REQUEST,
        StoreError::InvalidTransition { .. }
        | StoreError::DeploymentExpired { .. }
        | StoreError::TrainConflict { .. }
        | StoreError::TrainDriven { .. }
        | StoreError::TokenNameTaken { .. } => StatusCode::CONFLICT,
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
