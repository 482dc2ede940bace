use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use flotilla_store::{Id, Run, RunStatus, Step, StoreError};
use serde::Serialize;
use serde_json::json;

use crate::app_state::AppState;
use crate::dashboard::format::{took, when};
use crate::dashboard::live_stream::{Frame, LiveStream};
use crate::dashboard::templates::Templates;
use crate::dashboard::viewer::Viewer;

/// The tail of each step log a page shows: a long build's log can be large.
const LOG_TAIL: usize = 256 * 1024;

/// `GET /runs/{id}`: a run's steps with their durations and logs (secrets redacted as
/// `flotilla logs` does), tailing live at `GET /runs/{id}/events` while the run runs.
pub(crate) struct RunPage;

#[derive(Serialize)]
struct StepView {
    idx: u32,
    kind: String,
    description: String,
    status: String,
    attempt: u32,
    started: String,
    took: String,
    exit_code: Option<i32>,
    log: Option<String>,
    truncated: bool,
}

#[derive(Serialize)]
struct RunView {
    id: String,
    train: Option<String>,
    repo: String,
    event: String,
    version: String,
    status: String,
    error: Option<String>,
    blocked_by: Option<String>,
    took: String,
    steps: Vec<StepView>,
}

impl RunPage {
    pub(crate) async fn get(
        State(state): State<AppState>,
        viewer: Viewer,
        Path(id): Path<String>,
    ) -> Response {
        let (run, view) = match read(&state, &id).await {
            Ok(read) => read,
            Err(answer) => return answer,
        };
        Templates::page(
            "run.html",
            &json!({
                "title": format!("Run {} {}", run.repo, run.version),
                "nav": "trains",
                "viewer": viewer.name,
                "csrf": viewer.csrf,
                "live": !finished(&run),
                "run": view,
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
        LiveStream::answer("steps", move || {
            let state = state.clone();
            let id = id.clone();
            async move {
                let reading = async {
                    let (run, view) = read(&state, &id).await.ok()?;
                    let html = Templates::text("run_steps.html", &json!({ "run": view })).ok()?;
                    Some(Frame {
                        html,
                        finished: finished(&run),
                    })
                };
                state.live_frames.get(&format!("run {id}"), reading).await
            }
        })
    }
}

fn finished(run: &Run) -> bool {
    !matches!(run.status, RunStatus::Pending | RunStatus::Running)
}

async fn read(state: &AppState, text: &str) -> Result<(Run, RunView), Response> {
    let Some(id) = Id::parse(text) else {
        return Err(Templates::error(
            StatusCode::BAD_REQUEST,
            &format!("{text:?} is not a run id (26 letters and digits)"),
        ));
    };
    let store = &state.engine.workspace().store;
    let read =
        async { Ok::<_, StoreError>((store.run(&id).await?, store.steps_of_run(&id).await?)) };
    let (run, steps) = match read.await {
        Ok(read) => read,
        Err(StoreError::NotFound { .. }) => {
            return Err(Templates::error(
                StatusCode::NOT_FOUND,
                &format!("no run {id}"),
            ));
        }
        Err(err) => {
            tracing::error!("run page: {err}");
            return Err(Templates::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the run could not be read; see the server's log",
            ));
        }
    };
    let mut views = Vec::with_capacity(steps.len());
    for step in &steps {
        views.push(step_view(state, step).await);
    }
    let redactor = &state.engine.workspace().redactor;
    let view = RunView {
        id: run.id.to_string(),
        train: run.train_id.as_ref().map(ToString::to_string),
        repo: run.repo.clone(),
        event: run.event.clone(),
        version: run.version.clone(),
        status: run.status.to_string(),
        error: run
            .error
            .as_deref()
            .map(|e| redactor.redact(e).into_owned()),
        blocked_by: run.blocked_by.clone(),
        took: took(run.started_at, run.ended_at),
        steps: views,
    };
    Ok((run, view))
}

async fn step_view(state: &AppState, step: &Step) -> StepView {
    // Redacted when written by the engine; again here with the server's secrets, as the API
    // and `flotilla logs` do.
    let (log, truncated) = match &step.log_path {
        Some(path) => match tokio::fs::read(path).await {
            Ok(bytes) => {
                let start = bytes.len().saturating_sub(LOG_TAIL);
                let text = String::from_utf8_lossy(&bytes[start..]);
                (
                    Some(state.engine.workspace().redactor.redact(&text).into_owned()),
                    start > 0,
                )
            }
            Err(_) => (None, false),
        },
        None => (None, false),
    };
    StepView {
        idx: step.idx,
        kind: step.kind.clone(),
        description: step.description.clone(),
        status: step.status.to_string(),
        attempt: step.attempt,
        started: when(step.started_at),
        took: took(step.started_at, step.ended_at),
        exit_code: step.exit_code,
        log,
        truncated,
    }
}
