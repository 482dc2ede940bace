//! The identity behind a request.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::Response;

use crate::app_state::{AppState, error};
use crate::auth::role::Role;

/// Who made a request: the name recorded on what they do (an approval, an audit entry), and
/// their role. Never taken from a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = Response;

    /// The server's API token is an administrator named `api-token`.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
        match bearer {
            Some(token) if state.api_token.matches(token) => Ok(Self {
                name: "api-token".to_owned(),
                role: Role::Admin,
            }),
            _ => Err(error(
                StatusCode::UNAUTHORIZED,
                "missing or wrong bearer token: send Authorization: Bearer <the API token>",
            )),
        }
    }
}
