use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::app_state::AppState;
use crate::dashboard::format::when;
use crate::dashboard::templates::Templates;
use crate::dashboard::viewer::Viewer;

/// `GET /audit`: who did what, newest first: the audit log `flotilla audit` prints.
pub(crate) struct AuditPage;

#[derive(Deserialize)]
pub(crate) struct AuditQuery {
    limit: Option<u32>,
}

#[derive(Serialize)]
struct AuditLine {
    at: String,
    actor: String,
    action: String,
    target: String,
    /// A link for targets that have a page (a deployment, a train).
    href: Option<String>,
    detail: String,
}

impl AuditPage {
    pub(crate) async fn get(
        State(state): State<AppState>,
        viewer: Viewer,
        Query(query): Query<AuditQuery>,
    ) -> Response {
        let limit = query.limit.unwrap_or(200).clamp(1, 5000);
        let entries = match state.engine.workspace().store.audit_log(limit).await {
            Ok(entries) => entries,
            Err(err) => {
                tracing::error!("audit page: {err}");
                return Templates::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the audit log could not be read; see the server's log",
                );
            }
        };
        let lines: Vec<AuditLine> = entries
            .into_iter()
            .map(|e| {
                let href = match e.action.split('.').next() {
                    Some("deployment") => Some(deployment_history(e.detail.as_ref())),
                    Some("train") => Some(format!("/trains/{}", e.target)),
                    _ => None,
                };
                AuditLine {
                    at: when(Some(e.at)),
                    actor: e.actor,
                    action: e.action,
                    target: e.target,
                    href,
                    detail: e.detail.map(|d| d.to_string()).unwrap_or_default(),
                }
            })
            .collect();
        Templates::page(
            "audit.html",
            &serde_json::json!({
                "title": "Audit log",
                "nav": "audit",
                "viewer": viewer.name,
                "csrf": viewer.csrf,
                "entries": lines,
                "limit": limit,
            }),
        )
    }
}

/// The history of the deployment's service in its environment, where it stays listed whatever
/// happened after.
fn deployment_history(detail: Option<&serde_json::Value>) -> String {
    let field = |name: &str| {
        detail
            .and_then(|d| d.get(name))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("service", &field("service"))
        .append_pair("env", &field("environment"))
        .finish();
    format!("/deployments?{query}#history")
}
