use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::app_state::AppState;
use crate::dashboard::format::when;
use crate::dashboard::templates::Templates;
use crate::dashboard::viewer::Viewer;

/// `GET /trains`: the latest trains, newest first.
pub(crate) struct TrainsPage;

#[derive(Deserialize)]
pub(crate) struct TrainsQuery {
    limit: Option<u32>,
}

#[derive(Serialize)]
struct TrainLine {
    id: String,
    kind: String,
    version: String,
    status: String,
    created: String,
    driver: Option<String>,
}

impl TrainsPage {
    pub(crate) async fn get(
        State(state): State<AppState>,
        viewer: Viewer,
        Query(query): Query<TrainsQuery>,
    ) -> Response {
        let limit = query.limit.unwrap_or(100).clamp(1, 1000);
        let trains = match state.engine.train_overviews(limit).await {
            Ok(trains) => trains,
            Err(err) => {
                tracing::error!("trains page: {err}");
                return Templates::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the trains could not be read; see the server's log",
                );
            }
        };
        let lines: Vec<TrainLine> = trains
            .iter()
            .map(|t| TrainLine {
                id: t.train.id.to_string(),
                kind: t.train.kind.to_string(),
                version: t.train.version.clone(),
                status: t.train.status.to_string(),
                created: when(Some(t.train.created_at)),
                driver: t.driver.as_ref().map(ToString::to_string),
            })
            .collect();
        Templates::page(
            "trains.html",
            &serde_json::json!({
                "title": "Trains",
                "nav": "trains",
                "viewer": viewer.name,
                "csrf": viewer.csrf,
                "trains": lines,
            }),
        )
    }
}
