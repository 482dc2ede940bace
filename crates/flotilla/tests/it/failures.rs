//! A failing build in one repository: its dependents are blocked, the others go on, and after
//! the fix `resume` finishes without doing anything twice.

use crate::support::{Sandbox, fails_until_file_exists, fleet, run_id, run_states, states};

const FIX_VAR: &str = "FLOTILLA_E2E_FIX";

/// a (broken until fixed) ← c, and b ← d, all without artifacts.
fn broken_fleet() -> Sandbox {
    let mut fleet = fleet()
        .category("svc")
        .repo("a", "svc")
        .file("scripts/build.sh", &fails_until_file_exists(FIX_VAR))
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .repo("b", "svc")
        .repo("c", "svc")
        .depends_on(&["a"])
        .repo("d", "svc")
        .depends_on(&["b"])
        .build();
    let fix = fleet.outside("fix");
    fleet.set_env(FIX_VAR, fix);
    fleet
}

fn fix(fleet: &Sandbox) {
    std::fs::write(fleet.outside("fix"), "fixed\n").unwrap();
}

#[test]
fn failing_build_blocks_its_dependents_and_the_others_succeed() {
    let fleet = broken_fleet();

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure();

    let summary = out.json();
    assert_eq!(
        run_states(&summary),
        states(&[
            ("a", "failed"),
            ("b", "succeeded"),
            ("c", "blocked"),
            ("d", "succeeded"),
        ])
    );
    assert_eq!(summary["status"], "failed");
    let train = summary["train"].as_str().unwrap();
    assert!(
        out.stderr
            .contains(&format!("flotilla release resume {train}")),
        "stderr tells how to continue:\n{}",
        out.stderr
    );
    let a = summary["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == "a")
        .unwrap();
    assert!(
        a["error"].as_str().unwrap().contains("build"),
        "a's error names the failed command: {a}"
    );
    let logs = fleet
        .flotilla(&["logs", &run_id(&summary, "a"), "run"])
        .success();
    assert!(
        logs.stdout.contains("build of a broken"),
        "the command's stderr is in the logs:\n{}",
        logs.stdout
    );
    assert_eq!(fleet.branches("c"), ["master"], "c is not started");
    assert!(fleet.tags("c").is_empty());
    for repo in ["b", "d"] {
        assert_eq!(fleet.tags(repo), ["v1.0.0rc1"]);
    }
    let status = fleet
        .flotilla(&["release", "status", train, "--json"])
        .success();
    assert_eq!(run_states(&status.json()), run_states(&summary));
}

#[test]
fn resume_after_the_fix_completes_without_a_duplicate_commit_or_tag() {
    let fleet = broken_fleet();
    let failed = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure()
        .json();
    let train = failed["train"].as_str().unwrap().to_owned();
    let done_before = fleet.snapshot();
    fix(&fleet);

    let resumed = fleet
        .flotilla(&["release", "resume", &train, "--json"])
        .success()
        .json();

    assert_eq!(resumed["train"], train.as_str());
    assert_eq!(
        run_states(&resumed),
        states(&[
            ("a", "succeeded"),
            ("b", "succeeded"),
            ("c", "succeeded"),
            ("d", "succeeded"),
        ])
    );
    let after = fleet.snapshot();
    for repo in ["b", "d"] {
        assert_eq!(
            after.refs[repo], done_before.refs[repo],
            "{repo} had succeeded; resume leaves it alone"
        );
    }
    for repo in ["a", "b", "c", "d"] {
        assert_eq!(fleet.tags(repo), ["v1.0.0rc1"], "{repo}");
        assert_eq!(
            fleet.rev(repo, "v1.0.0rc1"),
            fleet.rev(repo, "release-1.0.0")
        );
        for (rev, subject) in [
            ("release-1.0.0", "[CI/CD] release version v1.0.0rc1"),
            ("release-1.0.0", "[CI/CD] remove CI from the release branch"),
            ("master", "[CI/CD] reflect version v1.0.0rc1"),
        ] {
            assert_eq!(
                fleet.count_subject(repo, rev, subject),
                1,
                "{repo}: exactly one {subject:?} on {rev}"
            );
        }
        assert_eq!(
            fleet
                .remote_git(repo, &["rev-list", "--count", "release-1.0.0"])
                .trim(),
            "3",
            "{repo}: initial, strip and release commits"
        );
    }
}

#[test]
fn retry_runs_only_the_named_repository_and_resume_finishes_the_rest() {
    let fleet = broken_fleet();
    let failed = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure()
        .json();
    let train = failed["train"].as_str().unwrap().to_owned();
    fix(&fleet);

    let retried = fleet
        .flotilla(&["release", "retry", &train, "--repo", "a", "--json"])
        .json();

    assert_eq!(
        run_states(&retried),
        states(&[
            ("a", "succeeded"),
            ("b", "succeeded"),
            ("c", "blocked"),
            ("d", "succeeded"),
        ])
    );
    assert_eq!(fleet.branches("c"), ["master"], "retry left c alone");
    assert_eq!(
        fleet.count_subject("a", "release-1.0.0", "[CI/CD] release version v1.0.0rc1"),
        1
    );

    fleet.flotilla(&["release", "resume", &train]).success();

    assert_eq!(fleet.tags("c"), ["v1.0.0rc1"]);
}

#[test]
fn failed_core_library_does_not_hold_back_repositories_that_do_not_depend_on_it() {
    let fleet = fleet()
        .category("svc")
        .setting("gate_timeout_secs: 3")
        .repo("lib-bad", "backend-core")
        .file("scripts/build.sh", &fails_until_file_exists(FIX_VAR))
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .repo("lib-ok", "backend-core")
        .repo("x", "svc")
        .depends_on(&["lib-bad"])
        .repo("y", "svc")
        .depends_on(&["lib-ok"])
        .build();

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .failure();

    assert_eq!(
        run_states(&out.json()),
        states(&[
            ("lib-bad", "failed"),
            ("lib-ok", "succeeded"),
            ("x", "blocked"),
            ("y", "succeeded"),
        ]),
        "{out}"
    );
    assert_eq!(fleet.tags("y"), ["v1.0.0rc1"]);
}
