use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::app_state::AppState;
use crate::dashboard::format::when;
use crate::dashboard::templates::Templates;
use crate::dashboard::viewer::Viewer;
use crate::trace_api::{TraceParams, trace_error};

/// `GET /trace?service=S&env=E` or `?digest=D`: the chain `flotilla trace` prints, from the
/// deployment back to the commit and the train; without a query, the form that asks one.
pub(crate) struct TracePage;

impl TracePage {
    pub(crate) async fn get(
        State(state): State<AppState>,
        viewer: Viewer,
        Query(params): Query<TraceParams>,
    ) -> Response {
        let environments: Vec<String> = state
            .engine
            .workspace()
            .fleet
            .environments
            .iter()
            .map(|e| e.name.clone())
            .collect();
        let mut context = json!({
            "title": "Trace",
            "nav": "trace",
            "viewer": viewer.name,
            "csrf": viewer.csrf,
            "environments": environments,
            "service": params.service.clone().unwrap_or_default(),
            "env": params.env.clone().unwrap_or_default(),
            "digest": params.digest.clone().unwrap_or_default(),
        });
        let asked = params.service.is_some() || params.env.is_some() || params.digest.is_some();
        if !asked {
            return Templates::page("trace.html", &context);
        }
        let query = match params.query() {
            Ok(query) => query,
            Err(message) => return Templates::error(StatusCode::BAD_REQUEST, message),
        };
        match state.engine.trace(&query).await {
            Ok(trace) => {
                let deployed = trace.deployment.as_ref().map(|d| {
                    json!({
                        "when": when(d.finished_at.or(Some(d.created_at))),
                        "commit": d.detail.as_ref().and_then(|x| x.get("commit")).cloned(),
                    })
                });
                let approvals: Vec<_> = trace
                    .approvals
                    .iter()
                    .map(|a| {
                        json!({
                            "approval": a,
                            "decided": when(a.decided_at),
                            "created": when(Some(a.created_at)),
                        })
                    })
                    .collect();
                context["trace"] = json!(trace);
                context["deployed"] = json!(deployed);
                context["path"] = json!(approvals);
                Templates::page("trace.html", &context)
            }
            Err(err) => {
                let (status, message) = trace_error(&err);
                Templates::error(status, &message)
            }
        }
    }
}
