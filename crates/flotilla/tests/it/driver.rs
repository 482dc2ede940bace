//! One process drives a train: `resume` and `retry` refuse while the driver lives, saying who
//! it is, and take over from a driver killed with SIGKILL; `status` tells a dead train from a
//! live one.

use std::collections::BTreeMap;

use crate::support::{self, Sandbox, run_states, states, waiting_build, wire_waiting_builds};
use flotilla_testkit::wait;

/// `a`, whose build waits for a file, and `b`, which depends on it.
fn fleet() -> Sandbox {
    let mut fleet = waiting_build(support::fleet().category("svc").repo("a", "svc"), &["tag"])
        .repo("b", "svc")
        .depends_on(&["a"])
        .build();
    wire_waiting_builds(&mut fleet);
    fleet
}

/// Per repository: its tags and the subjects of its release branch.
fn git_state(fleet: &Sandbox) -> BTreeMap<&'static str, (Vec<String>, Vec<String>)> {
    ["a", "b"]
        .into_iter()
        .map(|repo| {
            (
                repo,
                (fleet.tags(repo), fleet.subjects(repo, "release-1.0.0")),
            )
        })
        .collect()
}

#[test]
fn resume_refuses_a_live_driver_and_takes_over_a_killed_one_doing_nothing_twice() {
    let uninterrupted = fleet();
    std::fs::write(uninterrupted.outside("release"), "").unwrap();
    uninterrupted
        .flotilla(&["release", "start", "1.0.0"])
        .success();
    let expected = git_state(&uninterrupted);

    let fleet = fleet();
    let mut first = fleet.spawn(&["release", "start", "1.0.0"]);
    wait::for_file_from(&fleet.outside("started.a"), &mut first);
    let pid = first.id().to_string();
    let driven = fleet
        .flotilla(&["release", "status", "--json"])
        .success()
        .json();
    let train = driven["train"].as_str().unwrap().to_owned();

    let refused = fleet.flotilla(&["release", "resume", &train]).failure();
    let retry_refused = fleet
        .flotilla(&["release", "retry", &train, "--repo", "a"])
        .failure();
    let unchanged = fleet
        .flotilla(&["release", "status", "--json"])
        .success()
        .json();

    assert_eq!(driven["driver"]["live"], true, "{driven:#}");
    assert_eq!(driven["driver"]["pid"].to_string(), pid);
    for refusal in [&refused, &retry_refused] {
        assert_eq!(refusal.code, Some(1), "{refusal}");
        assert!(
            refusal.stderr.contains(&format!("pid {pid} on "))
                && refusal.stderr.contains("driving since")
                && refusal.stderr.contains("help:"),
            "the refusal names the live driver and what to do:\n{refusal}"
        );
    }
    assert_eq!(unchanged["status"], driven["status"]);
    assert_eq!(run_states(&unchanged), run_states(&driven));
    assert_eq!(unchanged["driver"], driven["driver"]);

    first.kill().unwrap();
    assert_eq!(first.wait().unwrap().code(), None, "killed by a signal");
    let orphan = std::fs::read_to_string(fleet.outside("started.a")).unwrap();
    let dead = fleet
        .flotilla(&["release", "status", "--json"])
        .success()
        .json();
    let listed = fleet.flotilla(&["release", "list"]).success();
    // The killed build script goes away with its file; the resumed run builds again.
    std::fs::write(fleet.outside("release"), "").unwrap();
    wait::until("the orphaned build to end", || {
        (!support::process_alive(&orphan)).then_some(())
    });
    let resumed = fleet
        .flotilla(&["release", "resume", &train, "--json"])
        .success()
        .json();

    assert_eq!(dead["status"], "running", "{dead:#}");
    assert_eq!(dead["driver"]["live"], false, "{dead:#}");
    assert!(dead["driver"]["since"].is_string(), "{dead:#}");
    assert!(
        listed.stdout.contains("no live driver since"),
        "release list says the train has no driver:\n{listed}"
    );
    assert_eq!(
        run_states(&resumed),
        states(&[("a", "succeeded"), ("b", "succeeded")])
    );
    assert!(resumed.get("driver").is_none(), "{resumed:#}");
    assert_eq!(git_state(&fleet), expected);
}
