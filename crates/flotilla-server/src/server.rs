//! The server's life: recover the backlog, listen, route, shut down in order.

use std::future::Future;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt as _;
use flotilla_engine::Engine;
use tokio::net::TcpListener;

use crate::app_state::{AppState, Shared, error};
use crate::serve_config::ServeConfig;
use crate::server_error::ServerError;
use crate::store_writer::StoreWriter;
use crate::worker::Worker;
use crate::{api, hooks};

/// Runs the server on `config.listen` until `shutdown` completes; see [`serve_on`].
pub async fn serve(
    engine: Engine,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
    serve_on(listener, engine, config, shutdown).await
}

/// Runs the server on a bound listener until `shutdown` completes.
///
/// Before accepting anything, it hands the events that a previous run stored but did not
/// finish to the worker, and resumes the trains that run was driving when it died (an event
/// processed again attaches to the train it started). At shutdown it stops accepting, answers
/// the requests in progress (their events are committed), lets the worker finish the event it
/// is processing and the trains it resumed, and returns; queued events stay `received` in the
/// store for the next start.
pub async fn serve_on(
    listener: TcpListener,
    engine: Engine,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let engine = config.guard_secrets(engine);
    let store = engine.workspace().store.clone();
    let backlog = store
        .unhandled_events()
        .await
        .map_err(ServerError::Backlog)?;
    let (writer, writer_task) = StoreWriter::start(store);
    let worker = Worker::new(engine.clone(), writer.clone());
    worker.resume_interrupted();
    if !backlog.is_empty() {
        tracing::info!(
            "processing {} events left unhandled by the previous run",
            backlog.len()
        );
    }
    for event in backlog {
        worker.submit(event);
    }
    let state = AppState::new(Shared {
        engine,
        hook_secret: config.hook_secret,
        registry_token: config.registry_token,
        api_token: config.api_token,
        body_limit: config.body_limit,
        metrics: config.metrics,
        writer: writer.clone(),
        worker: worker.clone(),
    });
    if let Ok(addr) = listener.local_addr() {
        tracing::info!("flotilla serve listening on http://{addr}");
    }
    // Deliveries are one small request and one small answer: no reason to wait for Nagle.
    let listener = listener.tap_io(|stream| {
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY: {err}");
        }
    });
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    // Every handler has answered; the lanes finish their current event (its mark goes through
    // the writer), then the last handles go and the writer ends after the queued writes.
    worker.shutdown().await;
    drop(worker);
    drop(writer);
    if let Err(err) = writer_task.await {
        tracing::error!("the store writer ended abnormally: {err}");
    }
    served.map_err(ServerError::Serve)
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/hooks/git", post(hooks::git))
        .route("/hooks/registry", post(hooks::registry))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .nest("/api/v1", api::router(state.clone()))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state
        .engine
        .workspace()
        .store
        .count_events_by_status()
        .await
    {
        Ok(_) => "ok\n".into_response(),
        Err(err) => {
            tracing::error!("health check: {err}");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the state database does not answer",
            )
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let store = &state.engine.workspace().store;
    let runs = store
        .count_runs_by_status()
        .await
        .inspect_err(|err| tracing::warn!("metrics: counting runs: {err}"))
        .ok();
    let events = store
        .count_events_by_status()
        .await
        .inspect_err(|err| tracing::warn!("metrics: counting events: {err}"))
        .ok();
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(runs.as_deref(), events.as_deref()),
    )
        .into_response()
}
