//! A state-changing request, as JSON with a bearer token or as an HTML form of a signed-in
//! browser: read, checked (CSRF, role, fields) before anything changes, and answered the
//! way it came (JSON, or `303` to the form's `next`).

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use flotilla_store::NewAuditEntry;

use crate::app_state::{AppState, error};
use crate::auth::local_path::local_path;
use crate::auth::{Action, Principal, csrf};
use crate::html_page;
use crate::raw_body::{self, BodyError};

/// An action's body is a few short fields.
const ACTION_LIMIT: usize = 64 * 1024;

/// A checked state-changing request.
pub(crate) struct ActionRequest {
    /// An HTML form (`application/x-www-form-urlencoded`), answered with a redirect or a page.
    pub form: bool,
    fields: BTreeMap<String, String>,
    /// Where a form goes afterwards: its `next` when that is a local path, else `/`.
    pub next: String,
    pub principal: Principal,
}

impl ActionRequest {
    /// Reads the body and checks, in order, the CSRF token (a browser's request), that the
    /// principal's role allows `needed`, and that the fields are among `allowed` (plus `csrf`
    /// and `next`). `by` is refused: what is done is recorded under the principal's name.
    pub(crate) async fn read(
        state: &AppState,
        principal: Principal,
        headers: &HeaderMap,
        body: Body,
        needed: Action,
        allowed: &[&str],
    ) -> Result<Self, Response> {
        let form = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let refuse = |status, text: String| refusal(form, "/", status, &text);
        let body = match raw_body::read(body, headers, ACTION_LIMIT, state.body_timeout).await {
            Ok(body) => body,
            Err(BodyError::TooLarge) => {
                return Err(refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("an action's body is under {ACTION_LIMIT} bytes"),
                ));
            }
            Err(BodyError::TimedOut) => {
                return Err(refuse(
                    StatusCode::REQUEST_TIMEOUT,
                    "the body did not arrive within the body timeout".to_owned(),
                ));
            }
            Err(BodyError::Unreadable(reason)) => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    format!("the body could not be read: {reason}"),
                ));
            }
        };
        let fields = if form {
            form_urlencoded::parse(&body).into_owned().collect()
        } else {
            json_fields(&body).map_err(|text| refuse(StatusCode::BAD_REQUEST, text))?
        };
        let next = fields
            .get("next")
            .and_then(|n| local_path(n))
            .unwrap_or("/")
            .to_owned();
        let request = Self {
            form,
            fields,
            next,
            principal,
        };
        if let Some(expected) = &request.principal.csrf {
            let given = request
                .field(csrf::FIELD)
                .or_else(|| headers.get(csrf::HEADER).and_then(|v| v.to_str().ok()))
                .unwrap_or_default();
            if !csrf::matches(expected, given) {
                return Err(request.refuse(
                    StatusCode::FORBIDDEN,
                    "this form is missing its CSRF token (or has a wrong one): nothing was \
                     changed; reload the page and try again",
                ));
            }
        }
        if !request.principal.role.allows(needed) {
            return Err(request.refuse(
                StatusCode::FORBIDDEN,
                &format!(
                    "{} is a {} and may not do this (it needs {}): nothing was changed",
                    request.principal.name,
                    request.principal.role.as_str(),
                    needed.needs()
                ),
            ));
        }
        if request.fields.contains_key("by") {
            return Err(request.refuse(
                StatusCode::BAD_REQUEST,
                "`by` is not accepted: the action is recorded under the name of the token (or \
                 signed-in person) that sends it",
            ));
        }
        if let Some(unknown) = request
            .fields
            .keys()
            .find(|k| !allowed.contains(&k.as_str()) && *k != csrf::FIELD && *k != "next")
        {
            return Err(request.refuse(
                StatusCode::BAD_REQUEST,
                &format!(
                    "unknown field {unknown:?}; this action takes {}",
                    if allowed.is_empty() {
                        "no fields".to_owned()
                    } else {
                        allowed.join(", ")
                    }
                ),
            ));
        }
        Ok(request)
    }

    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// A refusal or failure, as JSON or as a page with a link back to `next`.
    pub(crate) fn refuse(&self, status: StatusCode, text: &str) -> Response {
        refusal(self.form, &self.next, status, text)
    }

    /// Success: `answer` as JSON (with `status`), or a form's `303` to `next`.
    pub(crate) fn done(&self, status: StatusCode, answer: serde_json::Value) -> Response {
        if self.form {
            (StatusCode::SEE_OTHER, [(LOCATION, self.next.clone())]).into_response()
        } else {
            (status, Json(answer)).into_response()
        }
    }

    /// Appends to the audit log under the principal's name. The action is done: a failure to
    /// record it is logged, not answered.
    pub(crate) async fn audit(
        &self,
        state: &AppState,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) {
        let entry = NewAuditEntry {
            actor: self.principal.name.clone(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: Some(detail),
        };
        if let Err(err) = state.engine.workspace().store.record_audit(&entry).await {
            tracing::error!(
                "the audit entry {action} {target} by {} was not recorded: {err}",
                entry.actor
            );
        }
    }
}

fn refusal(form: bool, back: &str, status: StatusCode, text: &str) -> Response {
    if form {
        html_page::message(status, text, back)
    } else {
        error(status, text)
    }
}

/// A JSON body's fields: empty, or an object whose values are strings (others as their JSON).
fn json_fields(body: &[u8]) -> Result<BTreeMap<String, String>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(BTreeMap::new());
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|err| format!("the body must be empty or a JSON object: {err}"))?;
    let serde_json::Value::Object(object) = value else {
        return Err("the body must be empty or a JSON object".to_owned());
    };
    Ok(object
        .into_iter()
        .map(|(key, value)| {
            let text = match value {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            };
            (key, text)
        })
        .collect())
}
