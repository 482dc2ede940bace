//! Webhook ingestion benchmark: verified (HMAC-SHA256) git deliveries per second and their
//! latency, from a hyper load generator over loopback to a server in the same process.
//!
//! The server runs on its own 2-thread runtime, as `flotilla serve` does on this machine; the
//! load generator on a 1-thread runtime. Every request has its own delivery id, so each one is
//! verified, parsed, stored (group commit into SQLite, synchronous=FULL) and answered; they name
//! a repository outside the manifest, so the worker processes each (as ignored) without
//! starting a flow. Bodies and signatures are made before the clock starts.
//!
//! Bounded in count and time: `BENCH_REQUESTS` (default 100000), `BENCH_SECONDS` (default 60),
//! `BENCH_CONNECTIONS` (default 64); `BENCH_DIR` puts the state elsewhere than a temporary
//! directory.
//!
//! `cargo bench -p flotilla-server --bench webhooks`

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![expect(clippy::unwrap_used, reason = "a benchmark that cannot run fails")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flotilla_engine::{Engine, Workspace};
use flotilla_server::{Secret, ServeConfig};
use flotilla_store::EventStatus;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::header::{CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use hyper::{Method, Uri};
use hyper_util::rt::TokioIo;
use sha2::Sha256;

const SECRET: &str = "bench-secret-0123456789abcdef";
const WARMUP: usize = 2000;
const SIGNATURE: HeaderName = HeaderName::from_static("x-flotilla-signature-256");

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A signed delivery of flotilla's hook: (body, signature header).
fn delivery(index: usize) -> (Bytes, HeaderValue) {
    let body = format!(
        r#"{{"repo":"not-in-the-fleet","delivery":"bench-{index}","updates":[{{"ref":"refs/heads/master","before":"{}","after":"{:040x}"}}]}}"#,
        "1".repeat(40),
        index
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    (Bytes::from(body), HeaderValue::try_from(signature).unwrap())
}

/// CPU time used so far, in seconds, from a `/proc/.../stat` file: user + system, in the
/// kernel's fixed 100 Hz ticks.
fn cpu_seconds(stat: &str) -> f64 {
    let text = std::fs::read_to_string(stat).unwrap();
    // Fields after the command name (which may hold spaces) start at the state, field 3.
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

fn main() {
    let requests = env_number("BENCH_REQUESTS", 100_000);
    let seconds = env_number("BENCH_SECONDS", 60);
    let connections = env_number("BENCH_CONNECTIONS", 64);
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("BENCH_DIR").map_or_else(|| temp.path().to_path_buf(), Into::into);
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("flotilla.yaml");
    std::fs::write(
        &manifest,
        "repositories:\n  - name: identity\n    remote: remotes/identity.git\n    category: backend\n",
    )
    .unwrap();

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (addr, engine, stop, served) = server_rt.block_on(async {
        let text = std::fs::read_to_string(&manifest).unwrap();
        let fleet = flotilla_core::manifest::load("flotilla.yaml", &text).unwrap();
        let workspace = Workspace::open(fleet, &manifest).await.unwrap();
        let engine = Engine::new(
            workspace,
            flotilla_engine::progress::silent(),
            Arc::new(AtomicBool::new(false)),
        );
        let secret = Secret::new("BENCH", SECRET).unwrap();
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
        (addr, engine, stop, served)
    });

    let total = WARMUP + requests;
    let deliveries: Arc<Vec<(Bytes, HeaderValue)>> = Arc::new((0..total).map(delivery).collect());
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    client_rt.block_on(load(
        addr,
        Arc::clone(&deliveries),
        0..WARMUP,
        connections,
        seconds,
    ));
    let load_before = load_average();
    // The load generator runs on this thread: its CPU is told apart from the server's.
    let (process_before, client_before) = (
        cpu_seconds("/proc/self/stat"),
        cpu_seconds("/proc/thread-self/stat"),
    );
    let started = Instant::now();
    let mut latencies =
        client_rt.block_on(load(addr, deliveries, WARMUP..total, connections, seconds));
    let elapsed = started.elapsed();
    let client_cpu = cpu_seconds("/proc/thread-self/stat") - client_before;
    let server_cpu = cpu_seconds("/proc/self/stat") - process_before - client_cpu;

    latencies.sort_unstable();
    let done = latencies.len();
    let percentile = |p: f64| {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let index = ((done as f64 * p).ceil() as usize).clamp(1, done) - 1;
        latencies[index]
    };
    #[expect(clippy::cast_precision_loss)]
    let rate = done as f64 / elapsed.as_secs_f64();
    let backlog = server_rt.block_on(async {
        let counts = engine
            .workspace()
            .store
            .count_events_by_status()
            .await
            .unwrap();
        counts
            .iter()
            .find(|(s, _)| *s == EventStatus::Received)
            .map_or(0, |(_, n)| *n)
    });
    println!("webhook ingestion: {done} verified deliveries over {connections} connections");
    println!("  elapsed   {:.2} s", elapsed.as_secs_f64());
    println!("  rate      {rate:.0} req/s");
    println!(
        "  latency   p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms",
        ms(percentile(0.50)),
        ms(percentile(0.99)),
        ms(latencies[done - 1])
    );
    #[expect(clippy::cast_precision_loss)]
    let per_request = |cpu: f64| cpu / done as f64 * 1e6;
    println!(
        "  CPU       server {server_cpu:.2} s ({:.0} µs/request)   load generator {client_cpu:.2} s ({:.0} µs/request)",
        per_request(server_cpu),
        per_request(client_cpu)
    );
    println!("  load avg  {load_before} before, {} after", load_average());
    println!("  worker backlog at the end: {backlog} events still to process");
    stop.send(()).unwrap();
    server_rt.block_on(served).unwrap().unwrap();
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Sends the deliveries of `range` over `connections` keep-alive connections until done or
/// `seconds` have passed; returns each request's latency. Every answer must be 200.
async fn load(
    addr: SocketAddr,
    deliveries: Arc<Vec<(Bytes, HeaderValue)>>,
    range: std::ops::Range<usize>,
    connections: usize,
    seconds: usize,
) -> Vec<Duration> {
    let next = Arc::new(AtomicUsize::new(range.start));
    let deadline = Instant::now() + Duration::from_secs(seconds as u64);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let next = Arc::clone(&next);
        let deliveries = Arc::clone(&deliveries);
        let end = range.end;
        tasks.spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
            tokio::spawn(connection);
            let mut latencies = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= end || Instant::now() >= deadline {
                    return latencies;
                }
                let (body, signature) = &deliveries[index];
                let mut request = hyper::Request::new(Full::new(body.clone()));
                *request.method_mut() = Method::POST;
                *request.uri_mut() = Uri::from_static("/hooks/git");
                let headers = request.headers_mut();
                headers.insert(HOST, HeaderValue::from_static("bench"));
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                headers.insert(SIGNATURE, signature.clone());
                sender.ready().await.unwrap();
                let sent = Instant::now();
                let response = sender.send_request(request).await.unwrap();
                let status = response.status();
                response.into_body().collect().await.unwrap();
                latencies.push(sent.elapsed());
                assert_eq!(status, 200, "delivery {index}");
            }
        });
    }
    let mut all = Vec::new();
    while let Some(latencies) = tasks.join_next().await {
        all.extend(latencies.unwrap());
    }
    all
}
