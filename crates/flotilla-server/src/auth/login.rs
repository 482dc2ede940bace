//! `GET /login`, `POST /login` (a token for a session cookie) and `POST /logout`.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use flotilla_store::NewAuditEntry;
use serde::Deserialize;

use crate::app_state::AppState;
use crate::auth::local_path::local_path;
use crate::auth::principal::Principal;
use crate::auth::role::Role;
use crate::auth::token_secret::TokenSecret;
use crate::auth::{csrf, session_cookie};
use crate::html_page::{escape, message, page};
use crate::raw_body;

/// A sign-in form is a token and a path: anything longer is not one.
const FORM_LIMIT: usize = 16 * 1024;

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
}

/// The sign-in form.
pub(crate) async fn form(Query(query): Query<LoginQuery>) -> Response {
    let next = query.next.as_deref().and_then(local_path).unwrap_or("/");
    login_page(StatusCode::OK, next, None)
}

fn login_page(status: StatusCode, next: &str, problem: Option<&str>) -> Response {
    let (alert, described) = match problem {
        Some(text) => (
            format!(
                "<p id=\"login-error\" class=\"error\" role=\"alert\">{}</p>",
                escape(text)
            ),
            " aria-describedby=\"login-error\" aria-invalid=\"true\"",
        ),
        None => (String::new(), ""),
    };
    page(
        status,
        "Sign in",
        &format!(
            "<h1>Sign in to flotilla</h1>{alert}\
             <form method=\"post\" action=\"/login\">\
             <label for=\"token\">Token</label>\
             <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" \
             required autofocus{described}>\
             <input type=\"hidden\" name=\"next\" value=\"{}\">\
             <button type=\"submit\">Sign in</button></form>\
             <p class=\"hint\">Your token was printed once by <code>flotilla token create</code>; \
             ask an admin for one.</p>",
            escape(next)
        ),
    )
}

/// Whether this request reached the server over TLS, as far as the server is told.
fn over_tls(state: &AppState, headers: &HeaderMap) -> bool {
    state.auth.behind_tls
        || (state.auth.trust_forwarded_proto
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|proto| proto.eq_ignore_ascii_case("https")))
}

/// A token from the form: a session, its cookie and a redirect to `next`.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Ok(body) = raw_body::read(body, &headers, FORM_LIMIT, state.body_timeout).await else {
        return login_page(
            StatusCode::BAD_REQUEST,
            "/",
            Some("the form could not be read"),
        );
    };
    let mut token = String::new();
    let mut next = String::from("/");
    for (key, value) in form_urlencoded::parse(&body) {
        match &*key {
            "token" => token = value.trim().to_owned(),
            "next" => next = value.into_owned(),
            _ => {}
        }
    }
    let next = local_path(&next).unwrap_or("/").to_owned();
    let store = &state.engine.workspace().store;
    let found = match store.token_by_hash(&TokenSecret::hash(&token)).await {
        Ok(found) => found.filter(|t| Role::parse(&t.role).is_some()),
        Err(err) => {
            tracing::error!("sign-in: {err}");
            return login_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &next,
                Some("the state database failed; see the server's log"),
            );
        }
    };
    let Some(found) = found.filter(|_| !token.is_empty()) else {
        return login_page(
            StatusCode::UNAUTHORIZED,
            &next,
            Some("That token is unknown or revoked. Check it, or ask an admin for a new one."),
        );
    };
    let (Ok(id), Ok(csrf)) = (TokenSecret::generate(), TokenSecret::generate()) else {
        return login_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &next,
            Some("the system's random source failed; try again"),
        );
    };
    let ttl = state.auth.session_ttl;
    let expires = jiff::Timestamp::now()
        + jiff::SignedDuration::try_from(ttl).unwrap_or(jiff::SignedDuration::from_hours(12));
    let recorded = store
        .create_session(&id.hash, &found.id, &csrf.text, expires)
        .await
        .and(
            store
                .record_audit(&NewAuditEntry {
                    actor: found.name.clone(),
                    action: "session.sign-in".to_owned(),
                    target: found.name.clone(),
                    detail: None,
                })
                .await,
        );
    if let Err(err) = recorded {
        tracing::error!("sign-in: {err}");
        return login_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &next,
            Some("the state database failed; see the server's log"),
        );
    }
    let cookie = session_cookie::set(&id.text, ttl.as_secs(), over_tls(&state, &headers));
    (
        StatusCode::SEE_OTHER,
        [(SET_COOKIE, cookie), (LOCATION, next)],
    )
        .into_response()
}

/// Ends the session (its form carries the CSRF token) and clears the cookie.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let secure = over_tls(&state, &headers);
    let Some(id) = session_cookie::from_headers(&headers).map(str::to_owned) else {
        return (StatusCode::SEE_OTHER, [(LOCATION, "/login")]).into_response();
    };
    let principal = match Principal::of(&headers, &state).await {
        Ok(principal) => principal,
        Err(response) => return response,
    };
    if let Some(expected) = principal.as_ref().and_then(|p| p.csrf.clone()) {
        let body = raw_body::read(body, &headers, FORM_LIMIT, state.body_timeout)
            .await
            .unwrap_or_default();
        let given = form_urlencoded::parse(&body)
            .find(|(key, _)| key == csrf::FIELD)
            .map(|(_, value)| value.into_owned())
            .or_else(|| {
                headers
                    .get(csrf::HEADER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        if !csrf::matches(&expected, &given) {
            return message(
                StatusCode::FORBIDDEN,
                "this form is missing its CSRF token (or has a wrong one); reload the page and try again",
                "/",
            );
        }
    }
    let store = &state.engine.workspace().store;
    if let Err(err) = store
        .delete_session(&TokenSecret::hash(&id), jiff::Timestamp::now())
        .await
    {
        tracing::error!("sign-out: {err}");
    }
    (
        StatusCode::SEE_OTHER,
        [
            (SET_COOKIE, session_cookie::clear(secure)),
            (LOCATION, "/login".to_owned()),
        ],
    )
        .into_response()
}
