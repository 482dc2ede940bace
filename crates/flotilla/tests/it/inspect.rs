//! Looking at trains after the fact: `release list`, `release status` and `logs`, by full id or
//! by a unique prefix.

use crate::support::{Sandbox, fleet, run_id};

/// A fleet with one finished train whose build printed a known line.
fn released() -> (Sandbox, serde_json::Value) {
    let fleet = fleet()
        .category("svc")
        .repo("a", "svc")
        .command(
            "build",
            &["sh", "-c", "echo compiled $FLOTILLA_REPO"],
            &["tag"],
        )
        .build();
    let summary = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success()
        .json();
    (fleet, summary)
}

#[test]
fn trains_are_listed_and_found_by_a_unique_prefix() {
    let (fleet, summary) = released();
    let train = summary["train"].as_str().unwrap();

    let list = fleet
        .flotilla(&["release", "list", "--json"])
        .success()
        .json();
    let status = fleet
        .flotilla(&["release", "status", &train[..20], "--json"])
        .success()
        .json();

    assert_eq!(list[0]["id"], train);
    assert_eq!(list[0]["status"], "succeeded");
    assert_eq!(status, summary);
}

#[test]
fn logs_show_each_step_of_a_run_and_one_step_on_request() {
    let (fleet, summary) = released();
    let run = run_id(&summary, "a");

    let all = fleet.flotilla(&["logs", &run]).success();
    let build = fleet.flotilla(&["logs", &run, "run"]).success();

    for step in ["create-branch", "tag-and-push", "reflect", "run"] {
        assert!(all.stdout.contains(step), "{step} in:\n{}", all.stdout);
    }
    assert!(build.stdout.contains("compiled a"), "{}", build.stdout);
    assert!(!build.stdout.contains("tag-and-push"), "{}", build.stdout);
}

#[test]
fn logs_accept_a_unique_prefix_of_the_run_id() {
    let (fleet, summary) = released();
    let run = run_id(&summary, "a");

    let logs = fleet.flotilla(&["logs", &run[..20], "run"]).success();

    assert!(logs.stdout.contains("compiled a"), "{}", logs.stdout);
}
