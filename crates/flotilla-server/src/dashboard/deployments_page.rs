use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use flotilla_core::fleet::Deploy;
use flotilla_store::{Deployment, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app_state::AppState;
use crate::auth::Action;
use crate::dashboard::format::{short, when};
use crate::dashboard::templates::Templates;
use crate::dashboard::viewer::Viewer;

/// `GET /deployments`: the deployments waiting for an approval, with approve and reject
/// forms; what runs where with a rollback form; and, with `?service=` (and `&env=`), that
/// service's history with each deployment's commit in the deploy repository.
pub(crate) struct DeploymentsPage;

#[derive(Deserialize, Default)]
pub(crate) struct DeploymentsQuery {
    #[serde(default)]
    service: String,
    #[serde(default)]
    env: String,
}

#[derive(Serialize)]
struct DeploymentView {
    id: String,
    service: String,
    environment: String,
    version: String,
    digest: String,
    status: String,
    trigger: String,
    requested_by: String,
    decided_by: Option<String>,
    created: String,
    finished: String,
    expires: String,
    error: Option<String>,
    /// The commit the deployer made in the deploy repository (GitOps).
    commit: Option<String>,
    commit_short: Option<String>,
    /// A web page of that commit, when the deploy repository is on a web host.
    commit_url: Option<String>,
}

impl DeploymentsPage {
    pub(crate) async fn get(
        State(state): State<AppState>,
        viewer: Viewer,
        uri: Uri,
        Query(query): Query<DeploymentsQuery>,
    ) -> Response {
        // A decision brings the browser back to this page, as filtered.
        let here = uri
            .path_and_query()
            .map_or("/deployments", axum::http::uri::PathAndQuery::as_str)
            .to_owned();
        let store = &state.engine.workspace().store;
        let read = async {
            let pending = store.pending_deployments().await?;
            let current = store.deployment_matrix().await?;
            let history = if query.service.is_empty() {
                Vec::new()
            } else {
                let env = (!query.env.is_empty()).then_some(query.env.as_str());
                store.deployment_history(&query.service, env, 100).await?
            };
            Ok::<_, StoreError>((pending, current, history))
        };
        let (pending, current, history) = match read.await {
            Ok(read) => read,
            Err(err) => {
                tracing::error!("deployments page: {err}");
                return Templates::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the deployments could not be read; see the server's log",
                );
            }
        };
        let web: HashMap<&str, String> = state
            .engine
            .workspace()
            .fleet
            .environments
            .iter()
            .filter_map(|e| match &e.deploy {
                Deploy::Gitops { remote, .. } => web_base(remote).map(|w| (e.name.as_str(), w)),
                Deploy::Helm { .. } => None,
            })
            .collect();
        let view = |d: &Deployment| view(d, web.get(d.environment.as_str()));
        let current: Vec<DeploymentView> = current
            .iter()
            .filter(|d| query.service.is_empty() || d.service == query.service)
            .map(view)
            .collect();
        Templates::page(
            "deployments.html",
            &json!({
                "title": "Deployments",
                "nav": "deployments",
                "viewer": viewer.name,
                "csrf": viewer.csrf,
                "may_decide": viewer.may(Action::Decide),
                "here": here,
                "pending": pending.iter().map(view).collect::<Vec<_>>(),
                "current": current,
                "history": history.iter().map(view).collect::<Vec<_>>(),
                "service": query.service,
                "env": query.env,
            }),
        )
    }
}

fn view(d: &Deployment, web: Option<&String>) -> DeploymentView {
    let commit = d
        .detail
        .as_ref()
        .and_then(|detail| detail.get("commit"))
        .and_then(serde_json::Value::as_str)
        .filter(|c| c.len() >= 7 && c.chars().all(|ch| ch.is_ascii_hexdigit()))
        .map(str::to_owned);
    DeploymentView {
        id: d.id.to_string(),
        service: d.service.clone(),
        environment: d.environment.clone(),
        version: d.version.clone(),
        digest: short(&d.digest),
        status: d.status.to_string(),
        trigger: d.trigger.clone(),
        requested_by: d.requested_by.clone(),
        decided_by: d.decided_by.clone(),
        created: when(Some(d.created_at)),
        finished: when(d.finished_at),
        expires: when(d.expires_at),
        error: d.error.clone(),
        commit_short: commit.as_deref().map(|c| c.chars().take(12).collect()),
        commit_url: commit
            .as_deref()
            .and_then(|c| web.map(|base| format!("{base}/commit/{c}"))),
        commit,
    }
}

/// The web page of a deploy repository on a web host (`https://host/owner/repo`), from its
/// remote; `None` for a local path or an ssh remote without a known web form.
fn web_base(remote: &str) -> Option<String> {
    let rest = remote.strip_prefix("https://")?;
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    // Credentials in a remote URL never reach a page.
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    Some(format!("https://{}", rest.trim_end_matches('/')))
}
