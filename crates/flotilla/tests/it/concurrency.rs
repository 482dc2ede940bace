//! A second train for the same version while the first runs is refused, and the first is not
//! disturbed.

use crate::support::{fleet, run_states, states, waits_for_file};
use flotilla_testkit::wait;

const STARTED_VAR: &str = "FLOTILLA_E2E_STARTED";
const RELEASE_VAR: &str = "FLOTILLA_E2E_RELEASE";

#[test]
fn second_train_for_the_same_version_is_refused_while_the_first_runs() {
    let mut fleet = fleet()
        .category("svc")
        .repo("a", "svc")
        .file(
            "scripts/build.sh",
            &waits_for_file(STARTED_VAR, RELEASE_VAR),
        )
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .build();
    let started = fleet.outside("started");
    let release = fleet.outside("release");
    fleet.set_env(STARTED_VAR, &started);
    fleet.set_env(RELEASE_VAR, &release);
    let args = ["release", "start", "1.0.0", "--json"];
    let mut first = fleet.spawn(&args);
    wait::for_file_from(&fleet.outside("started.a"), &mut first);
    let running = fleet
        .flotilla(&["release", "list", "--json"])
        .success()
        .json();
    let first_id = running[0]["id"].as_str().unwrap().to_owned();
    let before = fleet.snapshot();

    let second = fleet.flotilla(&["release", "start", "1.0.0"]);
    let during = fleet.snapshot();

    std::fs::write(&release, "").unwrap();
    let first_out = fleet.finish(first, &args).success();
    let second = second.failure();
    assert!(
        second.stderr.contains(&first_id),
        "the refusal names the running train:\n{second}"
    );
    assert_eq!(
        during, before,
        "the refused train changed nothing while the first was blocked"
    );
    assert_eq!(run_states(&first_out.json()), states(&[("a", "succeeded")]));
    assert_eq!(fleet.tags("a"), ["v1.0.0rc1"]);
    assert_eq!(
        fleet.count_subject("a", "release-1.0.0", "[CI/CD] release version v1.0.0rc1"),
        1
    );
    let trains = fleet
        .flotilla(&["release", "list", "--json"])
        .success()
        .json();
    assert_eq!(
        trains.as_array().unwrap().len(),
        1,
        "the refused train was not recorded: {trains:#}"
    );
}

/// On a tag: announces it started, waits for the release file, then marks the build done. On a
/// push: succeeds only if the tag build is done, i.e. if the push ran after it.
const SERIAL_SCRIPT: &str = "#!/bin/sh\n\
if [ \"$FLOTILLA_EVENT\" = push ]; then\n  test -f \"$FLOTILLA_E2E_DONE\"; exit $?\nfi\n\
: > \"$FLOTILLA_E2E_STARTED\"\n\
while [ ! -f \"$FLOTILLA_E2E_RELEASE\" ]; do sleep 0.05; done\n\
: > \"$FLOTILLA_E2E_DONE\"\n";

#[test]
fn an_operation_on_a_busy_repository_waits_for_the_other_to_finish() {
    let mut fleet = fleet()
        .category("svc")
        .setting("gate_timeout_secs: 150")
        .repo("a", "svc")
        .file("scripts/build.sh", SERIAL_SCRIPT)
        .command("build", &["sh", "scripts/build.sh"], &["tag", "push"])
        .build();
    for (var, file) in [
        ("FLOTILLA_E2E_STARTED", "started"),
        ("FLOTILLA_E2E_RELEASE", "release"),
        ("FLOTILLA_E2E_DONE", "done"),
    ] {
        let path = fleet.outside(file);
        fleet.set_env(var, path);
    }
    let release_args = ["release", "start", "1.0.0"];
    let mut release = fleet.spawn(&release_args);
    wait::for_file_from(&fleet.outside("started"), &mut release);
    let push_args = ["push", "a", "--json"];
    let mut push = fleet.spawn(&push_args);
    fleet.wait_for_stderr(&push_args, "waiting for the repository", &mut push);

    std::fs::write(fleet.outside("release"), "").unwrap();

    fleet.finish(release, &release_args).success();
    let push = fleet.finish(push, &push_args).success();
    assert_eq!(run_states(&push.json()), states(&[("a", "succeeded")]));
}
