//! The repositories' own commands: what they are told, and how they are stopped.

use std::collections::BTreeMap;
use std::process::Command;

use crate::support::{fleet, key_values, process_alive, run_states, states, waits_for_file};
use flotilla_testkit::wait;

const ENV_OUT_VAR: &str = "FLOTILLA_E2E_ENV_OUT";

/// Writes the variables flotilla passes to commands into a file outside the repository.
const ENV_SCRIPT: &str = "#!/bin/sh\n\
printf 'repo=%s\\nversion=%s\\npep440=%s\\nsemver=%s\\nevent=%s\\n' \"$FLOTILLA_REPO\" \
\"$FLOTILLA_VERSION\" \"$FLOTILLA_PEP440\" \"$FLOTILLA_SEMVER\" \"$FLOTILLA_EVENT\" \
> \"$FLOTILLA_E2E_ENV_OUT.$FLOTILLA_REPO\"\n";

fn read_env(path: &std::path::Path) -> BTreeMap<String, String> {
    key_values(
        &std::fs::read_to_string(path)
            .unwrap_or_else(|err| panic!("the command did not run ({}: {err})", path.display())),
    )
}

#[test]
fn commands_see_the_version_in_every_spelling() {
    let mut fleet = fleet()
        .repo("design", "frontend-core")
        .file("scripts/env.sh", ENV_SCRIPT)
        .command("env", &["sh", "scripts/env.sh"], &["tag"])
        .repo("console", "frontend")
        .file("scripts/env.sh", ENV_SCRIPT)
        .command("env", &["sh", "scripts/env.sh"], &["push"])
        .build();
    let out = fleet.outside("env");
    fleet.set_env(ENV_OUT_VAR, &out);

    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    let push = fleet.flotilla(&["push", "console", "--json"]).success();

    let design = read_env(&fleet.outside("env.design"));
    assert_eq!(design["repo"], "design");
    assert_eq!(design["version"], "1.0.0rc1");
    assert_eq!(design["pep440"], "1.0.0rc1");
    assert_eq!(design["semver"], "1.0.0-rc.1");
    let console = read_env(&fleet.outside("env.console"));
    assert_eq!(console["event"], "push");
    assert_eq!(
        console["version"],
        push.json()["runs"][0]["version"].as_str().unwrap(),
        "a master-push build is told the stamped dev version"
    );
    assert!(console["version"].starts_with("1.0.0rc1."), "{console:?}");
}

/// Starts a child that lives about half a minute, records its id, and leaves a mark if it
/// lives to the end; then waits for it.
const SPAWNING_SCRIPT: &str = "#!/bin/sh\n\
(i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo outlived > \"$FLOTILLA_E2E_OUTLIVED\") &\n\
echo $! > \"$FLOTILLA_E2E_CHILD\"\n\
wait\n";

#[test]
fn timed_out_command_is_stopped_with_the_processes_it_started() {
    let mut fleet = fleet()
        .category("svc")
        .repo("a", "svc")
        .file("scripts/build.sh", SPAWNING_SCRIPT)
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .timeout_secs(1)
        .build();
    let outlived = fleet.outside("outlived");
    let child_pid = fleet.outside("child.pid");
    fleet.set_env("FLOTILLA_E2E_OUTLIVED", &outlived);
    fleet.set_env("FLOTILLA_E2E_CHILD", &child_pid);

    let out = fleet.flotilla(&["release", "start", "1.0.0", "--json"]);

    let child_running = process_alive(&std::fs::read_to_string(&child_pid).unwrap());
    let out = out.failure();
    assert_eq!(run_states(&out.json()), states(&[("a", "failed")]));
    assert!(out.stdout.contains("timed out"), "{out}");
    assert!(
        !child_running && !outlived.exists(),
        "the command's child outlived the timeout"
    );
}

#[test]
fn interrupt_stops_the_running_step_and_records_the_train_as_cancelled() {
    let mut fleet = fleet()
        .category("svc")
        .repo("a", "svc")
        .file(
            "scripts/build.sh",
            &waits_for_file("FLOTILLA_E2E_STARTED", "FLOTILLA_E2E_RELEASE"),
        )
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .repo("b", "svc")
        .depends_on(&["a"])
        .build();
    let started = fleet.outside("started");
    let release = fleet.outside("release");
    fleet.set_env("FLOTILLA_E2E_STARTED", &started);
    fleet.set_env("FLOTILLA_E2E_RELEASE", &release);
    let args = ["release", "start", "1.0.0"];
    let mut flotilla = fleet.spawn(&args);
    let marker = fleet.outside("started.a");
    wait::for_file_from(&marker, &mut flotilla);

    let sent = Command::new("kill")
        .args(["-INT", &flotilla.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = fleet.finish(flotilla, &args);
    let script_running = process_alive(&std::fs::read_to_string(&marker).unwrap());
    std::fs::write(&release, "").unwrap();

    out.failure();
    assert!(!script_running, "the running command was stopped");
    let status = fleet
        .flotilla(&["release", "status", "--json"])
        .success()
        .json();
    assert_eq!(status["status"], "cancelled");
    assert_eq!(run_states(&status)["a"], "cancelled");
    assert_ne!(run_states(&status)["b"], "succeeded");
    assert!(fleet.tags("b").is_empty(), "b never started");
}
