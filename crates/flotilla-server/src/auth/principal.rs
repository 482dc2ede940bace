//! The identity behind a request.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::app_state::{AppState, error};
use crate::auth::role::Role;
use crate::auth::token_secret::TokenSecret;
use crate::auth::{csrf, session_cookie};

/// Who made a request: the name recorded on what they do (an approval, an audit entry), and
/// their role. Never taken from a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
    /// The CSRF token every form post of this principal must carry in its `csrf` field:
    /// `Some` for a browser (a session cookie, the trusted proxy's header), `None` for a
    /// bearer token, which a browser never sends on its own and so needs none.
    pub csrf: Option<String>,
}

impl Principal {
    /// The principal of a request, or `Ok(None)` when it names nobody. A bearer token that
    /// is unknown or revoked is an error (401), not an anonymous request.
    pub(crate) async fn of(
        headers: &HeaderMap,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        let bearer = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
        if let Some(token) = bearer {
            // The server's API token is an administrator named `api-token`.
            if state.api_token.matches(token) {
                return Ok(Some(Self {
                    name: "api-token".to_owned(),
                    role: Role::Admin,
                    csrf: None,
                }));
            }
            let hash = TokenSecret::hash(&String::from_utf8_lossy(token));
            let found = state
                .engine
                .workspace()
                .store
                .token_by_hash(&hash)
                .await
                .map_err(|err| store_failure(&err))?;
            return match found.and_then(|t| Role::parse(&t.role).map(|role| (t.name, role))) {
                Some((name, role)) => Ok(Some(Self {
                    name,
                    role,
                    csrf: None,
                })),
                None => Err(error(
                    StatusCode::UNAUTHORIZED,
                    "unknown or revoked bearer token: send Authorization: Bearer <a token of \
                     `flotilla token create`, or the API token>",
                )),
            };
        }
        if let Some(id) = session_cookie::from_headers(headers) {
            let session = state
                .engine
                .workspace()
                .store
                .session(&TokenSecret::hash(id), jiff::Timestamp::now())
                .await
                .map_err(|err| store_failure(&err))?;
            if let Some(session) = session
                && let Some(role) = Role::parse(&session.token.role)
            {
                return Ok(Some(Self {
                    name: session.token.name,
                    role,
                    csrf: Some(session.csrf),
                }));
            }
        }
        if let Some(header) = &state.auth.proxy_user_header
            && let Some(name) = headers.get(header.as_str()).and_then(|v| v.to_str().ok())
        {
            let name = name.trim();
            if !name.is_empty() && name.len() <= 100 && !name.chars().any(char::is_control) {
                return Ok(Some(Self {
                    name: name.to_owned(),
                    role: state.auth.proxy_user_role,
                    csrf: Some(csrf::for_proxy_user(state.api_token.expose(), name)),
                }));
            }
        }
        Ok(None)
    }
}

fn store_failure(err: &flotilla_store::StoreError) -> Response {
    tracing::error!("authentication: {err}");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the state database failed; see the server's log",
    )
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = Response;

    /// A bearer token (of the store, or the server's API token), a session cookie, or the
    /// trusted proxy's header; else 401 with a JSON error. Found once per request.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if let Some(principal) = parts.extensions.get::<Self>() {
            return Ok(principal.clone());
        }
        match Self::of(&parts.headers, state).await? {
            Some(principal) => {
                parts.extensions.insert(principal.clone());
                Ok(principal)
            }
            None => Err(error(
                StatusCode::UNAUTHORIZED,
                "sign in: send Authorization: Bearer <a token of `flotilla token create`, or the \
                 API token>, or sign in at /login",
            )),
        }
    }
}
