use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;

use crate::app_state::AppState;
use crate::auth::role::Role;
use crate::auth::{Action, PagePrincipal};

/// The person a page is rendered for, and the CSRF token its forms carry.
///
/// Every page takes this extractor, so that how a page finds its principal is decided here
/// only: a bearer token or a signed-in session ([`PagePrincipal`]); a browser without either is
/// sent to `/login`.
pub(crate) struct Viewer {
    pub name: String,
    pub role: Role,
    /// The session's CSRF token, for the hidden `csrf` field of every form; empty for bearer
    /// requests, which need none.
    pub csrf: String,
}

impl Viewer {
    pub(crate) fn may(&self, action: Action) -> bool {
        self.role.allows(action)
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let PagePrincipal(principal) = PagePrincipal::from_request_parts(parts, state).await?;
        Ok(Self {
            csrf: principal.csrf.clone().unwrap_or_default(),
            name: principal.name,
            role: principal.role,
        })
    }
}
