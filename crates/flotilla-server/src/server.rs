//! The server's life: recover the backlog, listen, route, shut down in order.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use flotilla_engine::Engine;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{Service as _, service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::app_state::{AppState, Shared, error};
use crate::auth::login;
use crate::connection_clock::ConnectionClock;
use crate::connections::Connections;
use crate::serve_config::ServeConfig;
use crate::server_error::ServerError;
use crate::store_writer::StoreWriter;
use crate::timed_io::TimedIo;
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
    let (writer, writer_task) = StoreWriter::start(store, config.replay_window);
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
        auth: config.auth,
        body_limit: config.body_limit,
        body_timeout: config.body_timeout,
        metrics: config.metrics,
        writer: writer.clone(),
        worker: worker.clone(),
        fleet_cache: crate::dashboard::fleet_cache::FleetCache::default(),
        live_frames: crate::dashboard::live_frames::LiveFrames::default(),
    });
    if let Ok(addr) = listener.local_addr() {
        tracing::info!("flotilla serve listening on http://{addr}");
    }
    let limits = Limits {
        header_timeout: config.header_timeout,
        idle_timeout: config.idle_timeout,
        connections: Connections::new(config.max_connections),
    };
    accept(listener, router(state), limits, shutdown).await;
    // Every handler has answered; the lanes finish their current event (its mark goes through
    // the writer), then the last handles go and the writer ends after the queued writes.
    worker.shutdown().await;
    drop(worker);
    drop(writer);
    if let Err(err) = writer_task.await {
        tracing::error!("the store writer ended abnormally: {err}");
    }
    Ok(())
}

/// What the accept loop holds each connection to.
struct Limits {
    header_timeout: Duration,
    idle_timeout: Duration,
    connections: Arc<Connections>,
}

/// Accepts connections until `shutdown`, then closes the idle ones, lets those with a request
/// in progress answer it, and returns once every connection is closed.
async fn accept(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut http = http1::Builder::new();
    // The connection's own clock enforces the header and idle deadlines (hyper's header timer
    // would also cut a kept-alive connection after the header timeout, idle or not).
    http.timer(TokioTimer::new())
        .header_read_timeout(None)
        .keep_alive(true);
    let (stopping, stop) = watch::channel(false);
    // Every connection task holds a sender; `recv` gives `None` once all have ended.
    let (alive, mut all_closed) = mpsc::channel::<()>(1);
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    refused_accept(&err, &limits.connections).await;
                    continue;
                }
            },
        };
        // Deliveries are one small request and one small answer: no reason to wait for Nagle.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY: {err}");
        }
        let clock = Arc::new(ConnectionClock::new(
            limits.header_timeout,
            limits.idle_timeout,
        ));
        let Some(slot) = limits.connections.admit(clock.clone()) else {
            tracing::warn!(
                "refused a connection: all {} are answering requests",
                limits.connections.len()
            );
            continue;
        };
        let io = TokioIo::new(TimedIo::new(stream, clock.clone()));
        let app = TowerToHyperService::new(router.clone());
        let service = service_fn(move |request: hyper::Request<Incoming>| {
            clock.request_started();
            let answer = app.call(request);
            let clock = clock.clone();
            async move {
                let response = answer.await;
                clock.request_answered();
                response
            }
        });
        let connection = http.serve_connection(io, service);
        let mut stop = stop.clone();
        let alive = alive.clone();
        tokio::spawn(async move {
            let mut connection = pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                () = slot.close.notified() => return,
                () = async { drop(stop.wait_for(|stopping| *stopping).await) } => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(err) = ended {
                tracing::debug!("connection closed: {err}");
            }
            drop((slot, alive));
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    drop(alive);
    all_closed.recv().await;
}

/// `accept(2)` errors of a process (`EMFILE`) or system (`ENFILE`) out of file descriptors, as
/// Linux and the BSDs number them.
const EMFILE: i32 = 24;
const ENFILE: i32 = 23;

/// An accept that failed. Out of files (the process's limit), the oldest idle connection is
/// closed so that the next accept succeeds; either way a short pause keeps a persistent error
/// from spinning.
async fn refused_accept(err: &std::io::Error, connections: &Connections) {
    let out_of_files = matches!(err.raw_os_error(), Some(EMFILE | ENFILE));
    if out_of_files && connections.make_room() {
        tracing::warn!("out of files: closed the oldest idle connection to accept new ones");
        tokio::task::yield_now().await;
        return;
    }
    tracing::warn!("accepting a connection failed: {err}");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/hooks/git", post(hooks::git))
        .route("/hooks/registry", post(hooks::registry))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/login", get(login::form).post(login::sign_in))
        .route("/logout", post(login::sign_out))
        .nest("/api/v1", api::router(state.clone()))
        .merge(crate::dashboard::router())
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
