//! `flotilla serve` SIGKILLed while the push train of a git event runs: restarted on the same
//! state, it resumes the train it left without a driver, and the event (still `received`) is
//! processed once, attached to that train: one train, one dev image, one build.

use serde_json::Value;

use super::harness::{Server, set_secrets};
use crate::support::{
    Sandbox, fleet, layout_tags, process_alive, waiting_build, wire_waiting_builds,
};
use flotilla_testkit::{free_port, wait};

/// `console` (a frontend: a dev image per master push), whose build waits for a file; the
/// server runs with the hook installed in its remote.
fn setup(port: u16) -> (Sandbox, Server) {
    let mut sandbox = waiting_build(fleet().repo("console", "frontend"), &["push"]).build();
    set_secrets(&mut sandbox);
    wire_waiting_builds(&mut sandbox);
    let server = Server::start(&sandbox, port);
    let remote = sandbox.remote("console").display().to_string();
    sandbox
        .flotilla(&["hook", "install", &remote, "--url", &server.url("")])
        .success();
    (sandbox, server)
}

fn trains(sandbox: &Sandbox) -> Vec<Value> {
    sandbox
        .flotilla(&["release", "list", "--json"])
        .success()
        .json()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_push_train_interrupted_by_a_killed_server_finishes_once_after_restart() {
    let port = free_port();
    let (sandbox, server) = setup(port);
    sandbox.push_commit(
        "console",
        "master",
        &[("README.md", "# console\n\nv2\n")],
        "Docs",
    );
    let started = sandbox.outside("started.console");
    wait::for_file(&started);
    let orphan = std::fs::read_to_string(&started).unwrap();
    server.kill9();
    // The build the dead server started would finish on its own; only the resumed one may.
    let killed = std::process::Command::new("kill")
        .args(["-9", orphan.trim()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait::until_true("the orphaned build to end", || !process_alive(&orphan));
    let left = trains(&sandbox);
    assert_eq!(left.len(), 1, "{left:#?}");
    assert_eq!(left[0]["status"], "running", "{left:#?}");
    assert_eq!(left[0]["driver"]["live"], false, "{left:#?}");
    std::fs::write(sandbox.outside("release"), "").unwrap();

    let server = Server::start(&sandbox, port);
    let finished = wait::until("the push train to finish", || {
        let listed = trains(&sandbox);
        listed
            .iter()
            .all(|t| t["status"] != "running" && t["status"] != "pending")
            .then_some(listed)
    });
    let events = wait::until("the event to be handled", || {
        let events = server.events();
        events
            .iter()
            .all(|e| e["status"] != "received")
            .then_some(events)
    });

    assert_eq!(
        finished.len(),
        1,
        "one train: {finished:#?}\n{}",
        server.log()
    );
    assert_eq!(finished[0]["id"], left[0]["id"]);
    assert_eq!(
        finished[0]["status"],
        "succeeded",
        "{}\n{}",
        sandbox.flotilla(&["release", "status"]),
        server.log()
    );
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(
        events[0]["status"],
        "processed",
        "{events:#?}\n{}",
        server.log()
    );
    let tags = layout_tags(&sandbox.artifacts().join("oci/fleet-dev/console"));
    assert_eq!(tags.len(), 2, "latest and one stamped dev tag: {tags:?}");
}
