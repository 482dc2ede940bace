//! The identity behind a page request: like [`Principal`], but a browser that is not signed
//! in is sent to the sign-in page.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use crate::app_state::AppState;
use crate::auth::local_path::{local_path, login_url};
use crate::auth::principal::Principal;

/// The principal of a page request. Without one (no session, expired, revoked), the answer
/// is `303 See Other` to `/login?next=<this page>`; a wrong bearer token is still 401.
#[derive(Debug, Clone)]
pub struct PagePrincipal(pub Principal);

impl FromRequestParts<AppState> for PagePrincipal {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(Self(principal.clone()));
        }
        if let Some(principal) = Principal::of(&parts.headers, state).await? {
            parts.extensions.insert(principal.clone());
            return Ok(Self(principal));
        }
        let here = parts
            .uri
            .path_and_query()
            .map_or("/", axum::http::uri::PathAndQuery::as_str);
        let next = local_path(here).unwrap_or("/");
        Err(Redirect::to(&login_url(next)).into_response())
    }
}
