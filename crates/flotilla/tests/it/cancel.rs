//! Cancelling a train that another process drives: from a second CLI (as from another
//! machine: through the store, no signal) and from the API as the dashboard's button does.
//! The driver stops the running command, records the train `cancelled`, lets go of it, and
//! `release resume` finishes it later without doing anything twice.

use flotilla_testkit::{free_port, wait};

use crate::serve::harness::{API_TOKEN, Server, http, set_secrets};
use crate::support::{
    self, Sandbox, create_token, process_alive, run_states, waiting_build, wire_waiting_builds,
};

/// `a` builds until the test lets it go; `b` depends on it.
fn waiting_fleet() -> Sandbox {
    let fleet = support::fleet().category("svc");
    let mut sandbox = waiting_build(fleet.repo("a", "svc"), &["tag"])
        .repo("b", "svc")
        .depends_on(&["a"])
        .build();
    wire_waiting_builds(&mut sandbox);
    sandbox.set_env("USER", "carol");
    sandbox
}

/// After the cancel: the build that ran is gone, the train is `cancelled` with `a` cancelled
/// and `b` never started; then a resume finishes it, tagging each repository once.
fn assert_cancelled_then_resumed(sandbox: &Sandbox, build_pid: &str) {
    assert!(!process_alive(build_pid), "the running build was stopped");
    let status = sandbox
        .flotilla(&["release", "status", "--json"])
        .success()
        .json();
    assert_eq!(status["status"], "cancelled", "{status:#}");
    assert_eq!(run_states(&status)["a"], "cancelled", "{status:#}");
    assert!(sandbox.tags("b").is_empty(), "b never started");

    std::fs::write(sandbox.outside("release"), "").unwrap();
    let resumed = sandbox
        .flotilla(&["release", "resume", "--json"])
        .success()
        .json();
    assert_eq!(resumed["status"], "succeeded", "{resumed:#}");
    assert_eq!(sandbox.tags("a"), ["v1.0.0rc1"]);
    assert_eq!(sandbox.tags("b"), ["v1.0.0rc1"]);
}

#[test]
fn a_second_cli_cancels_a_train_that_another_process_drives() {
    let sandbox = waiting_fleet();
    let args = ["release", "start", "1.0.0"];
    let mut driver = sandbox.spawn(&args);
    let started = sandbox.outside("started.a");
    wait::for_file_from(&started, &mut driver);
    let build_pid = std::fs::read_to_string(&started).unwrap();

    let cancelled = sandbox.flotilla(&["release", "cancel"]).success();
    assert!(
        cancelled.stdout.contains("cancelled (stopped by pid"),
        "{cancelled:?}"
    );
    // The driver was not signalled: it read the request and ended the train itself.
    sandbox.finish(driver, &args).failure();
    assert_cancelled_then_resumed(&sandbox, build_pid.trim());
}

#[test]
fn the_api_asks_the_driver_to_cancel_and_answers_202_under_the_callers_name() {
    let mut sandbox = waiting_fleet();
    set_secrets(&mut sandbox);
    let rita = create_token(&sandbox, "rita", "releaser");
    let server = Server::start(&sandbox, free_port());
    let args = ["release", "start", "1.0.0"];
    let mut driver = sandbox.spawn(&args);
    let started = sandbox.outside("started.a");
    wait::for_file_from(&started, &mut driver);
    let build_pid = std::fs::read_to_string(&started).unwrap();
    let train = support::latest_train(&sandbox);

    let bearer = format!("Bearer {rita}");
    let reply = http(
        "POST",
        &server.url(&format!("/api/v1/trains/{train}/cancel")),
        &[("Authorization", &bearer)],
        None,
    );
    assert_eq!(reply.status, 202, "{}", reply.body);
    let answer: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(answer["status"], "cancel-requested");
    assert!(
        answer["driver"]
            .as_str()
            .unwrap()
            .contains(&driver.id().to_string()),
        "{answer}"
    );
    sandbox.finish(driver, &args).failure();
    assert_cancelled_then_resumed(&sandbox, build_pid.trim());

    let audit = sandbox.flotilla(&["audit", "--json"]).success().json();
    let entry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "train.cancel")
        .unwrap();
    assert_eq!(entry["actor"], "rita");
    assert_eq!(entry["detail"]["driven"], true);
}

#[test]
fn a_train_that_serve_drives_is_cancelled_and_serve_goes_on() {
    let mut sandbox =
        waiting_build(support::fleet().repo("console", "frontend"), &["push"]).build();
    set_secrets(&mut sandbox);
    wire_waiting_builds(&mut sandbox);
    let server = Server::start(&sandbox, free_port());
    let remote = sandbox.remote("console").display().to_string();
    sandbox
        .flotilla(&["hook", "install", &remote, "--url", &server.url("")])
        .success();
    let push = |text: &str| {
        sandbox.push_commit("console", "master", &[("README.md", text)], "Docs");
    };
    push("# console\n\nv2\n");
    let started = sandbox.outside("started.console");
    wait::for_file(&started);
    let build_pid = std::fs::read_to_string(&started).unwrap();
    let first = support::latest_train(&sandbox);

    let bearer = format!("Bearer {API_TOKEN}");
    let reply = http(
        "POST",
        &server.url(&format!("/api/v1/trains/{first}/cancel")),
        &[("Authorization", &bearer)],
        None,
    );
    assert_eq!(reply.status, 202, "{}", reply.body);
    let stopped = wait::until("serve to stop the train", || {
        let status = sandbox
            .flotilla(&["release", "status", &first, "--json"])
            .success()
            .json();
        (status["status"] != "running").then_some(status)
    });
    assert_eq!(
        stopped["status"],
        "cancelled",
        "{stopped:#}\n{}",
        server.log()
    );
    assert!(
        !process_alive(build_pid.trim()),
        "the running build was stopped"
    );

    // The server was not interrupted: the next push builds and finishes.
    std::fs::remove_file(&started).unwrap();
    std::fs::write(sandbox.outside("release"), "").unwrap();
    push("# console\n\nv3\n");
    let second = wait::until("a second train to succeed", || {
        let latest = support::latest_train(&sandbox);
        let status = sandbox
            .flotilla(&["release", "status", &latest, "--json"])
            .success()
            .json();
        (latest != first && status["status"] == "succeeded").then_some(latest)
    });
    assert_ne!(second, first);
    assert_eq!(http("GET", &server.url("/healthz"), &[], None).status, 200);
}
