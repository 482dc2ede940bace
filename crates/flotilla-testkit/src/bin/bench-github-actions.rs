//! Benchmark of the GitHub Actions executor against the fake GitHub: a train of N repositories
//! (all in flight at once) whose builds each take a simulated run of the fake, with a dispatch
//! latency. Reports flotilla's wall time per run over the fake's own (the `run` step's time,
//! from the store, minus dispatch latency and run duration) and the API calls per run.
//!
//! usage: bench-github-actions FLOTILLA [REPOS] [DISPATCH_MS] [RUN_SECS] [POLL_SECS]
//! (defaults 200, 300, 30, 1). `scripts/bench/github-actions.sh` builds and runs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::process::Command;
use std::time::{Duration, Instant};

use flotilla_testkit::fake_github::RunnerResult;
use flotilla_testkit::{FakeGithub, Fleet};

fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .map_or(default, |a| a.parse().expect("a number"))
}

fn main() {
    let flotilla = std::env::args().nth(1).expect(
        "usage: bench-github-actions FLOTILLA [REPOS] [DISPATCH_MS] [RUN_SECS] [POLL_SECS]",
    );
    let repos = arg(2, 200);
    let dispatch = Duration::from_millis(arg(3, 300));
    let run = Duration::from_secs(arg(4, 30));
    let poll = arg(5, 1);

    let github = FakeGithub::start();
    github.require_token("bench-token");
    github.set_dispatch_latency(dispatch);
    github.set_run_duration(Duration::ZERO, run);
    github
        .set_runner(|d| RunnerResult::success(format!("built {} on the fake's runner\n", d.repo)));

    let mut fleet = Fleet::new().binary(&flotilla).section(&format!(
        "categories:\n  svc: {{max_parallel: {repos}, executor: github-actions}}\n\
             github:\n  owner: bench\n  api_url: {}\n  insecure: true\n  \
             auth: {{token_env: BENCH_GITHUB_TOKEN}}\n  poll_interval_secs: {poll}\n  \
             dispatch_timeout_secs: 60",
        github.url
    ));
    for i in 0..repos {
        fleet = fleet
            .repo(&format!("svc{i:03}"), "svc")
            .command("build", &["true"], &["tag"]);
    }
    let mut sandbox = fleet.build();
    sandbox.set_env("BENCH_GITHUB_TOKEN", "bench-token");

    let started = Instant::now();
    let out = sandbox.flotilla(&["release", "start", "1.0.0", "--json"]);
    let wall = started.elapsed();
    assert_eq!(
        out.code,
        Some(0),
        "the train failed:\n{}\n{}",
        out.stdout,
        out.stderr
    );

    // The `run` step of each run is the whole remote part: find, dispatch, wait, logs.
    let db = sandbox.root().join(".flotilla/state.db");
    let rows = Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT ended_ms - started_ms FROM steps WHERE kind = 'run' AND status = 'succeeded'")
        .output()
        .expect("sqlite3 reads the store");
    let mut step_ms: Vec<i64> = String::from_utf8(rows.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert_eq!(step_ms.len() as u64, repos, "one run step per repository");
    let own = i64::try_from((dispatch + run).as_millis()).unwrap();
    let mut added: Vec<i64> = step_ms.iter().map(|ms| ms - own).collect();
    added.sort_unstable();
    step_ms.sort_unstable();
    let pick = |v: &[i64], q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((v.len() - 1) as f64 * q).round() as usize;
        v[i]
    };
    let calls = github.total_calls();
    let dispatches = github.dispatches().len();
    println!(
        "repos {repos}, dispatch latency {} ms, simulated run {} s, poll {poll} s",
        dispatch.as_millis(),
        run.as_secs()
    );
    println!("train wall: {:.1} s", wall.as_secs_f64());
    println!(
        "run step (remote part): median {} ms, p95 {} ms, max {} ms; the fake's own {own} ms",
        pick(&step_ms, 0.5),
        pick(&step_ms, 0.95),
        pick(&step_ms, 1.0)
    );
    println!(
        "added wall per run over the fake's own: median {} ms, p95 {} ms, max {} ms",
        pick(&added, 0.5),
        pick(&added, 0.95),
        pick(&added, 1.0)
    );
    #[allow(clippy::cast_precision_loss)]
    let per_run = calls as f64 / repos as f64;
    println!("API calls: {calls} ({per_run:.1} per run); dispatches: {dispatches}");
}
