use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use flotilla_store::StoreError;
use serde_json::json;

use crate::app_state::AppState;
use crate::auth::Action;
use crate::dashboard::live_stream::{Frame, LiveStream};
use crate::dashboard::templates::Templates;
use crate::dashboard::train_view::TrainView;
use crate::dashboard::viewer::Viewer;

/// `GET /trains/{id}`: a train's waves and each repository's state, with its live updates at
/// `GET /trains/{id}/events` and the retry, resume and cancel forms.
pub(crate) struct TrainPage;

impl TrainPage {
    pub(crate) async fn get(
        State(state): State<AppState>,
        viewer: Viewer,
        Path(id): Path<String>,
    ) -> Response {
        let view = match read(&state, &id).await {
            Ok(view) => view,
            Err(answer) => return answer,
        };
        Templates::page(
            "train.html",
            &json!({
                "title": format!("Train {} {}", view.kind, view.version),
                "nav": "trains",
                "viewer": viewer.name,
                "csrf": viewer.csrf,
                "may_release": viewer.may(Action::Release),
                "train": view,
            }),
        )
    }

    pub(crate) async fn events(
        State(state): State<AppState>,
        _viewer: Viewer,
        Path(id): Path<String>,
    ) -> Response {
        if let Err(answer) = read(&state, &id).await {
            return answer;
        }
        LiveStream::answer("waves", move || {
            let state = state.clone();
            let id = id.clone();
            async move {
                let reading = async {
                    let view = read(&state, &id).await.ok()?;
                    let finished = !view.active;
                    let html =
                        Templates::text("train_waves.html", &json!({ "train": view })).ok()?;
                    Some(Frame { html, finished })
                };
                state.live_frames.get(&format!("train {id}"), reading).await
            }
        })
    }
}

async fn read(state: &AppState, id: &str) -> Result<TrainView, Response> {
    let train = match state.engine.workspace().store.train(id).await {
        Ok(train) => train,
        Err(StoreError::NotFound { .. }) => {
            return Err(Templates::error(
                StatusCode::NOT_FOUND,
                &format!("no train {id}; the Trains page lists them"),
            ));
        }
        Err(err @ StoreError::AmbiguousPrefix { .. }) => {
            return Err(Templates::error(StatusCode::BAD_REQUEST, &err.to_string()));
        }
        Err(err) => {
            tracing::error!("train page: {err}");
            return Err(Templates::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the train could not be read; see the server's log",
            ));
        }
    };
    match state.engine.summary(&train).await {
        Ok(summary) => Ok(TrainView::of(&summary)),
        Err(err) => {
            tracing::error!("train page: {err}");
            Err(Templates::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the train could not be read; see the server's log",
            ))
        }
    }
}
