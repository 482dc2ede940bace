//! Dashboard benchmark: the fleet page and the trace answer on a large store, and the server's
//! CPU while 100 browsers follow a live train's event stream.
//!
//! The store gets 1,000 services × 3 environments, 500 trains (20 runs each, one image each),
//! 10,000 deployments (every other one of a digest a run published; 50 pending in prd). The
//! traced service's bare repository holds the trains' tags, so the trace reads a real remote. The server runs in this process on its own 2-thread runtime, as `flotilla serve`
//! does here; the client on this thread, its CPU told apart from the server's.
//!
//! `BENCH_REQUESTS` (default 200) requests of each kind after 20 of warm-up;
//! `BENCH_SSE_CLIENTS` (default 100) streams watched for `BENCH_SSE_SECONDS` (default 10).
//!
//! `cargo bench -p flotilla-server --bench dashboard`

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![expect(clippy::unwrap_used, reason = "a benchmark that cannot run fails")]

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use flotilla_engine::{Engine, Workspace};
use flotilla_server::{Secret, ServeConfig};
use flotilla_store::{
    ArtifactKind, DeploymentStatus, NewArtifact, NewDeployment, NewStep, NewTrain, NewTrainRun,
    TrainKind, TrainStatus,
};
use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Frame};
use hyper::client::conn::http1;
use hyper::header::{AUTHORIZATION, HOST, HeaderValue};
use hyper_util::rt::TokioIo;

const TOKEN: &str = "bench-api-token-0123456789abcdef";
const SERVICES: usize = 1000;
const TRAINS: usize = 500;
const RUNS_PER_TRAIN: usize = 20;
const DEPLOYMENTS: usize = 10_000;
const ENVIRONMENTS: [&str; 3] = ["dev", "stg", "prd"];

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time used so far, in seconds, from a `/proc/.../stat` file (100 Hz ticks).
fn cpu_seconds(stat: &str) -> f64 {
    let text = std::fs::read_to_string(stat).unwrap();
    let fields: Vec<&str> = text[text.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    #[expect(clippy::cast_precision_loss)]
    let seconds = ticks as f64 / 100.0;
    seconds
}

fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap();
    text.split(' ').take(3).collect::<Vec<_>>().join(" ")
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn version(train: usize) -> String {
    format!("1.{train}.0")
}

fn service(index: usize) -> String {
    format!("svc-{index:04}")
}

fn digest(kind: char, index: usize) -> String {
    format!("sha256:{kind}{index:063x}")
}

/// The service traced: its remote exists (the others' are never read).
const TRACED: &str = "svc-0040";

/// The manifest: 1,000 services, dev/stg/prd by GitOps.
fn write_fleet(dir: &Path) {
    let mut manifest = String::from("repositories:\n");
    for i in 0..SERVICES {
        let _ = writeln!(
            manifest,
            "  - name: {0}\n    remote: remotes/{0}.git\n    category: backend",
            service(i)
        );
    }
    manifest.push_str(
        "environments:\n\
         \x20 - name: dev\n    channels: [dev]\n    dev_builds: true\n    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/dev.yaml}\n\
         \x20 - name: stg\n    channels: [rc]\n    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/stg.yaml}\n\
         \x20 - name: prd\n    channels: [final, hotfix]\n    approval: true\n    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/prd.yaml}\n",
    );
    std::fs::write(dir.join("flotilla.yaml"), manifest).unwrap();
    // One commit, a tag per train's version: what the trace's ls-remote reads.
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q", "-b", "master"]);
    std::fs::write(work.join("VERSION"), "1.0.0\n").unwrap();
    git(&work, &["add", "VERSION"]);
    git(&work, &["commit", "-q", "-m", "app"]);
    for train in 0..TRAINS {
        git(&work, &["tag", &format!("v{}", version(train))]);
    }
    git(
        dir,
        &[
            "clone",
            "-q",
            "--bare",
            "work",
            &format!("remotes/{TRACED}.git"),
        ],
    );
}

/// Fills the store; returns the id of a train left running, and a traced service.
async fn fill(engine: &Engine) -> String {
    let store = &engine.workspace().store;
    let mut published = Vec::new();
    let mut live = String::new();
    for t in 0..TRAINS {
        let train = store
            .create_train(&NewTrain {
                kind: TrainKind::Final,
                version: version(t),
                request: serde_json::json!({}),
            })
            .await
            .unwrap();
        let runs: Vec<NewTrainRun> = (0..RUNS_PER_TRAIN)
            .map(|r| NewTrainRun {
                repo: service((t * RUNS_PER_TRAIN + r) % SERVICES),
                event: "tag".to_owned(),
                version: version(t),
                wave: u32::try_from(r % 3).unwrap(),
                steps: vec![NewStep {
                    idx: 0,
                    kind: "publish-image".to_owned(),
                    description: "image".to_owned(),
                }],
            })
            .collect();
        let runs = store.add_train_runs(&train.id, &runs).await.unwrap();
        for (r, run) in runs.iter().enumerate() {
            let index = t * RUNS_PER_TRAIN + r;
            let artifact = NewArtifact {
                run_id: run.id.clone(),
                kind: ArtifactKind::Image,
                name: format!("fleet/{}", run.repo),
                version: version(t),
                digest: digest('a', index),
                target: "registry.example.com".to_owned(),
            };
            store.record_artifact(&artifact).await.unwrap();
            published.push((run.repo.clone(), version(t), digest('a', index)));
        }
        let status = if t == TRAINS - 1 {
            live = train.id.to_string();
            TrainStatus::Running
        } else {
            TrainStatus::Succeeded
        };
        store.set_train_status(&train.id, status).await.unwrap();
    }
    for d in 0..DEPLOYMENTS {
        let environment = ENVIRONMENTS[d % 3];
        let pending = environment == "prd" && d >= DEPLOYMENTS - 150;
        let (name, version, digest) = if d % 2 == 0 {
            published[(d / 2) % published.len()].clone()
        } else {
            (
                service((d / 3) % SERVICES),
                format!("0.{d}.0"),
                digest('b', d),
            )
        };
        let deployment = store
            .create_deployment(&NewDeployment {
                service: name.clone(),
                environment: environment.to_owned(),
                version,
                image: format!("fleet/{name}"),
                digest,
                trigger: "bench".to_owned(),
                requested_by: "bench".to_owned(),
                needs_approval: pending,
                expires_at: None,
            })
            .await
            .unwrap();
        if !pending {
            store.deployment_started(&deployment.id).await.unwrap();
            store
                .deployment_finished(&deployment.id, DeploymentStatus::Succeeded, None, None)
                .await
                .unwrap();
        }
    }
    live
}

async fn get(addr: SocketAddr, path: &str) -> (Duration, usize) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let request = hyper::Request::get(path)
        .header(HOST, "bench")
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Empty::<Bytes>::new())
        .unwrap();
    let sent = Instant::now();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (sent.elapsed(), body.len())
}

async fn measure(addr: SocketAddr, path: &str, requests: usize) -> (Vec<Duration>, usize) {
    for _ in 0..20 {
        get(addr, path).await;
    }
    let mut latencies = Vec::with_capacity(requests);
    let mut size = 0;
    for _ in 0..requests {
        let (took, bytes) = get(addr, path).await;
        latencies.push(took);
        size = bytes;
    }
    latencies.sort_unstable();
    (latencies, size)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

/// Holds `clients` event streams of `path` open for `seconds`; returns the events received.
async fn follow(addr: SocketAddr, path: &str, clients: usize, seconds: u64) -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    for _ in 0..clients {
        let path = path.to_owned();
        tasks.spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
            tokio::spawn(connection);
            let request = hyper::Request::get(path.as_str())
                .header(HOST, "bench")
                .header(
                    AUTHORIZATION,
                    HeaderValue::from_static("Bearer bench-api-token-0123456789abcdef"),
                )
                .body(Empty::<Bytes>::new())
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.status(), 200);
            let mut body = response.into_body();
            let mut events = 0;
            loop {
                match tokio::time::timeout_at(deadline, body.frame()).await {
                    Ok(Some(Ok(frame))) => {
                        if frame
                            .data_ref()
                            .is_some_and(|d: &Bytes| d.starts_with(b"event:"))
                        {
                            events += 1;
                        }
                        drop::<Frame<Bytes>>(frame);
                    }
                    Ok(_) | Err(_) => return events,
                }
            }
        });
    }
    let mut events = 0;
    while let Some(count) = tasks.join_next().await {
        events += count.unwrap();
    }
    events
}

fn main() {
    let requests = env_number("BENCH_REQUESTS", 200);
    let clients = env_number("BENCH_SSE_CLIENTS", 100);
    let seconds = env_number("BENCH_SSE_SECONDS", 10) as u64;
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("BENCH_DIR").map_or_else(|| temp.path().to_path_buf(), Into::into);
    std::fs::create_dir_all(dir.join("remotes")).unwrap();
    write_fleet(&dir);
    let manifest = dir.join("flotilla.yaml");

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let filling = Instant::now();
    let (addr, live, stop, served, engine) = server_rt.block_on(async {
        let text = std::fs::read_to_string(&manifest).unwrap();
        let fleet = flotilla_core::manifest::load("flotilla.yaml", &text).unwrap();
        let workspace = Workspace::open(fleet, &manifest).await.unwrap();
        let engine = Engine::new(
            workspace,
            flotilla_engine::progress::silent(),
            Arc::new(AtomicBool::new(false)),
        );
        let live = fill(&engine).await;
        let secret = Secret::new("BENCH", TOKEN).unwrap();
        let config = ServeConfig::new(
            ServeConfig::DEFAULT_LISTEN,
            secret.clone(),
            secret.clone(),
            secret,
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(flotilla_server::serve_on(
            listener,
            engine.clone(),
            config,
            async move {
                let _ = stopped.await;
            },
        ));
        (addr, live, stop, served, engine)
    });
    println!(
        "dashboard: {SERVICES} services × 3 environments, {DEPLOYMENTS} deployments, {TRAINS} trains ({:.1} s to fill)",
        filling.elapsed().as_secs_f64()
    );

    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("  load avg  {} before", load_average());
    for (what, path) in [
        ("fleet page", "/".to_owned()),
        (
            "trace API ",
            format!("/api/v1/trace?service={TRACED}&env=prd"),
        ),
        ("trace page", format!("/trace?service={TRACED}&env=prd")),
    ] {
        let (latencies, size) = client_rt.block_on(measure(addr, &path, requests));
        println!(
            "  {what}  p50 {:.1} ms   p99 {:.1} ms   max {:.1} ms   ({} requests, {} KiB)",
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99),
            percentile(&latencies, 1.0),
            latencies.len(),
            size / 1024
        );
    }

    // The fleet page right after a change (a deployment recorded before each request): what
    // it costs when nothing of it can be reused.
    let mut cold = Vec::with_capacity(requests);
    for i in 0..requests {
        server_rt.block_on(async {
            engine
                .workspace()
                .store
                .create_deployment(&NewDeployment {
                    service: service(i % SERVICES),
                    environment: "prd".to_owned(),
                    version: format!("9.{i}.0"),
                    image: "fleet/changed".to_owned(),
                    digest: digest('c', i),
                    trigger: "bench".to_owned(),
                    requested_by: "bench".to_owned(),
                    needs_approval: true,
                    expires_at: None,
                })
                .await
                .unwrap();
        });
        cold.push(client_rt.block_on(get(addr, "/")).0);
    }
    cold.sort_unstable();
    println!(
        "  fleet page after each change  p50 {:.1} ms   p99 {:.1} ms   max {:.1} ms   ({} requests)",
        percentile(&cold, 0.50),
        percentile(&cold, 0.99),
        percentile(&cold, 1.0),
        cold.len()
    );

    let (process_before, client_before) = (
        cpu_seconds("/proc/self/stat"),
        cpu_seconds("/proc/thread-self/stat"),
    );
    let started = Instant::now();
    let events = client_rt.block_on(follow(
        addr,
        &format!("/trains/{live}/events"),
        clients,
        seconds,
    ));
    let elapsed = started.elapsed().as_secs_f64();
    let client_cpu = cpu_seconds("/proc/thread-self/stat") - client_before;
    let server_cpu = cpu_seconds("/proc/self/stat") - process_before - client_cpu;
    println!(
        "  SSE       {clients} clients on a live train for {elapsed:.1} s: server CPU {server_cpu:.2} s = {:.1} % of one core ({events} events)",
        server_cpu / elapsed * 100.0
    );
    println!("  load avg  {} after", load_average());
    stop.send(()).unwrap();
    server_rt.block_on(served).unwrap().unwrap();
}
