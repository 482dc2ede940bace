use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flotilla_core::Version;
use flotilla_store::{Deployment, DeploymentStatus};
use serde::{Deserialize, Serialize};

use crate::app_state::AppState;
use crate::dashboard::format::{short, when};
use crate::dashboard::templates::Templates;
use crate::dashboard::viewer::Viewer;

/// `GET /`: services × environments, what runs in each cell, since when, from which train and
/// tag, and the deployments waiting for an approval.
pub(crate) struct FleetPage;

#[derive(Deserialize, Default)]
pub(crate) struct FleetFilter {
    /// Part of a service's name.
    #[serde(default)]
    q: String,
    /// A category, exactly.
    #[serde(default)]
    category: String,
}

#[derive(Serialize)]
struct Cell {
    version: String,
    since: String,
    status: String,
    tag: Option<String>,
    train: Option<String>,
    train_short: Option<String>,
    digest: String,
    /// A later deployment that did not settle (approved, running, failed).
    later: Option<String>,
    /// A deployment waiting for an approval.
    pending: Option<Pending>,
}

#[derive(Serialize)]
struct Pending {
    id: String,
    version: String,
}

#[derive(Serialize)]
struct Row {
    service: String,
    category: String,
    cells: Vec<Option<Cell>>,
}

impl FleetPage {
    pub(crate) async fn get(
        State(state): State<AppState>,
        viewer: Viewer,
        Query(filter): Query<FleetFilter>,
    ) -> Response {
        let workspace = state.engine.workspace();
        let store = &workspace.store;
        let cache = &state.fleet_cache;
        let data = match cache.current(&**store).await {
            Ok(data) => data,
            Err(err) => {
                tracing::error!("fleet page: {err}");
                return Templates::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the state database failed; see the server's log",
                );
            }
        };
        // The session's CSRF token is in the page (its sign-out form), so a rendered page is
        // kept for one session only.
        let key = format!(
            "{}\n{}\n{}\n{}\n{}",
            data.version(),
            filter.q,
            filter.category,
            viewer.name,
            viewer.csrf
        );
        if let Some(html) = cache.page(&key) {
            return Templates::html(&html);
        }
        let fleet = &workspace.fleet;
        let environments: Vec<String> = fleet.environments.iter().map(|e| e.name.clone()).collect();
        let tag_templates: HashMap<&str, &flotilla_core::Template> = fleet
            .repos
            .iter()
            .map(|r| (r.name.as_str(), &r.tag_template))
            .collect();
        let categories: BTreeMap<String, String> = fleet
            .repos
            .iter()
            .map(|r| (r.name.clone(), r.category.clone()))
            .collect();
        let services: BTreeSet<&str> = data.pairs.keys().map(|(s, _)| s.as_str()).collect();
        let pending_count: usize = data.pairs.values().map(|p| p.pending.len()).sum();
        let needle = filter.q.trim().to_lowercase();
        let mut rows = Vec::new();
        for service in services {
            let category = categories.get(service).cloned().unwrap_or_default();
            if !needle.is_empty() && !service.to_lowercase().contains(&needle) {
                continue;
            }
            if !filter.category.is_empty() && category != filter.category {
                continue;
            }
            let cells = environments
                .iter()
                .map(|environment| {
                    let key = (service.to_owned(), environment.clone());
                    let pair = data.pairs.get(&key);
                    let now = pair.and_then(|p| p.current.as_ref());
                    // The newest request waiting is the one an approval would deploy.
                    let pending = pair.and_then(|p| p.pending.last()).map(|d| Pending {
                        id: d.id.to_string(),
                        version: d.version.clone(),
                    });
                    let later = pair
                        .and_then(|p| p.latest.as_ref())
                        .filter(|d| unsettled(d) && now.is_none_or(|n| n.id != d.id))
                        .map(|d| format!("{} {}", d.version, d.status));
                    if now.is_none() && pending.is_none() && later.is_none() {
                        return None;
                    }
                    Some(match now {
                        Some(d) => Cell {
                            version: d.version.clone(),
                            since: when(d.finished_at),
                            status: d.status.to_string(),
                            tag: tag_templates.get(service).and_then(|template| {
                                Version::parse(&d.version)
                                    .ok()
                                    .map(|v| v.render_tag(template))
                            }),
                            train: data.trains.get(&d.digest).map(ToString::to_string),
                            train_short: data
                                .trains
                                .get(&d.digest)
                                .map(|t| t.as_str().chars().skip(16).collect()),
                            digest: short(&d.digest),
                            later,
                            pending,
                        },
                        None => Cell {
                            version: String::new(),
                            since: String::new(),
                            status: String::new(),
                            tag: None,
                            train: None,
                            train_short: None,
                            digest: String::new(),
                            later,
                            pending,
                        },
                    })
                })
                .collect();
            rows.push(Row {
                service: service.to_owned(),
                category,
                cells,
            });
        }
        let mut all_categories: Vec<&String> = categories
            .values()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        all_categories.sort();
        let html = match Templates::text(
            "fleet.html",
            &serde_json::json!({
                "title": "Fleet",
                "nav": "fleet",
                "viewer": viewer.name,
                "csrf": viewer.csrf,
                "environments": environments,
                "rows": rows,
                "pending_count": pending_count,
                "q": filter.q,
                "category": filter.category,
                "categories": all_categories,
            }),
        ) {
            Ok(html) => Arc::<str>::from(html),
            Err(message) => {
                return Templates::error(StatusCode::INTERNAL_SERVER_ERROR, &message);
            }
        };
        cache.keep_page(key, Arc::clone(&html));
        Templates::html(&html)
    }
}

/// A latest deployment worth showing next to what runs, as `flotilla deploy status` does.
fn unsettled(deployment: &Deployment) -> bool {
    matches!(
        deployment.status,
        DeploymentStatus::Approved | DeploymentStatus::Running | DeploymentStatus::Failed
    )
}
