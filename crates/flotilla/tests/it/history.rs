//! Version truth from a repository's history, shaped like the platform's real repositories
//! (REFERENCE.md §D): a 2.x master that carries no version file and lives in tags such as
//! `2.0.dev249`, releases tagged without `v` (`1.12.0`), plugins' two-part `v1.13`.

use std::path::Path;

use crate::support::{Sandbox, fleet, run_id};

/// Tags `names` on the tip of `branch` of the remote `repo`, as the original's workflows did.
fn tag_remote(fleet: &Sandbox, repo: &str, branch: &str, names: &[&str]) {
    let tip = fleet.rev(repo, branch);
    for name in names {
        fleet.remote_git(repo, &["tag", name, &tip]);
    }
}

/// Removes `path` from `branch` of the remote `repo` in a commit, as the 2.x masters did.
fn remove_file(fleet: &Sandbox, repo: &str, branch: &str, path: &str) {
    let work = tempfile::tempdir_in(fleet.root()).unwrap();
    let remote = fleet.remote(repo).display().to_string();
    let dir: &Path = work.path();
    fleet.git(dir, &["clone", "--quiet", "--branch", branch, &remote, "."]);
    fleet.git(dir, &["rm", "--quiet", path]);
    fleet.git(dir, &["commit", "--quiet", "-m", "version only in tags"]);
    fleet.git(dir, &["push", "--quiet", "origin", branch]);
}

/// The original's bug (REFERENCE.md §A, reflect to master): a hotfix of the 1.x line wrote
/// `1.11.0.N` onto a master whose line was 2.0 in its tags only.
#[test]
fn hotfix_of_an_old_line_is_not_reflected_onto_a_master_whose_tags_are_newer() {
    let fleet = fleet().category("svc").repo("identity", "svc").build();
    fleet.flotilla(&["release", "start", "1.11.0"]).success();
    fleet.flotilla(&["release", "final", "1.11.0"]).success();
    remove_file(&fleet, "identity", "master", "VERSION");
    tag_remote(
        &fleet,
        "identity",
        "master",
        &["1.12.0", "1.12.1", "2.0.dev248", "2.0.dev249", "latest"],
    );
    let master_before = fleet.rev("identity", "master");

    let plan = fleet
        .flotilla(&[
            "plan", "release", "hotfix", "1.11.0.1", "--repo", "identity",
        ])
        .success();
    assert!(
        plan.stdout
            .contains("master keeps 2.0.0dev249 (tag 2.0.dev249 is newer than 1.11.0.1)"),
        "the plan says why master is left alone:\n{}",
        plan.stdout
    );

    let out = fleet
        .flotilla(&[
            "release", "hotfix", "1.11.0.1", "--repo", "identity", "--json",
        ])
        .success();

    assert!(fleet.tags("identity").contains(&"v1.11.0.1".to_owned()));
    assert_eq!(
        fleet
            .show("identity", "release-1.11.0", "VERSION")
            .as_deref(),
        Some("v1.11.0.1\n"),
        "the hotfix is on its line"
    );
    assert_eq!(
        fleet.rev("identity", "master"),
        master_before,
        "master does not move"
    );
    assert_eq!(fleet.show("identity", "master", "VERSION"), None);
    let run = run_id(&out.json(), "identity");
    let logs = fleet.flotilla(&["logs", &run, "reflect"]).success();
    assert!(
        logs.stdout
            .contains("tag 2.0.dev249 is newer than 1.11.0.1"),
        "the reflect step says why master stays:\n{}",
        logs.stdout
    );
}

/// The engine checks the tags again when the step runs: a newer tag that appears between
/// planning and the reflect step (here pushed by the remote's hook when the hotfix tag
/// arrives) still keeps master.
#[test]
fn reflect_checks_the_remote_tags_again_when_it_runs() {
    let fleet = fleet().category("svc").repo("a", "svc").build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    fleet.flotilla(&["release", "final", "1.0.0"]).success();
    let plan = fleet
        .flotilla(&["plan", "release", "hotfix", "1.0.0.1", "--repo", "a"])
        .success();
    assert!(
        plan.stdout.contains("master ← 1.0.0.1"),
        "as planned, master would take the hotfix: {}",
        plan.stdout
    );
    let hook = fleet.remote("a").join("hooks/post-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\nwhile read old new ref; do\n  if [ \"$ref\" = refs/tags/v1.0.0.1 ]; then git tag v1.1 refs/heads/master; fi\ndone\n",
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let master_before = fleet.rev("a", "master");

    let out = fleet
        .flotilla(&["release", "hotfix", "1.0.0.1", "--repo", "a", "--json"])
        .success();

    assert!(fleet.tags("a").contains(&"v1.1".to_owned()), "the hook ran");
    assert_eq!(
        fleet.rev("a", "master"),
        master_before,
        "master does not move"
    );
    assert_eq!(
        fleet.show("a", "master", "VERSION").as_deref(),
        Some("v1.0.0\n")
    );
    let run = run_id(&out.json(), "a");
    let logs = fleet.flotilla(&["logs", &run, "reflect"]).success();
    assert!(
        logs.stdout.contains("tag v1.1 is newer than 1.0.0.1"),
        "{}",
        logs.stdout
    );
}

/// `1.12.0`, `1.12.1`, `1.12.2` without `v` are released versions, exactly as with `v`.
#[test]
fn release_start_of_a_line_released_without_v_is_refused_as_with_v() {
    let fleet = fleet()
        .category("svc")
        .repo("bare", "svc")
        .repo("prefixed", "svc")
        .build();
    tag_remote(&fleet, "bare", "master", &["1.12.0", "1.12.1", "1.12.2"]);
    tag_remote(
        &fleet,
        "prefixed",
        "master",
        &["v1.12.0", "v1.12.1", "v1.12.2"],
    );
    let before = fleet.snapshot();

    let out = fleet.flotilla(&["release", "start", "1.12.0"]);

    assert_eq!(out.code, Some(2), "a refusal is a user mistake:\n{out}");
    for repo in ["bare", "prefixed"] {
        assert!(
            out.stderr.contains(&format!(
                "{repo}: 1.12.0rc1 comes before 1.12.0, which is already released"
            )),
            "{repo} refused as released:\n{}",
            out.stderr
        );
    }
    assert_eq!(fleet.snapshot(), before, "nothing changed");
    assert!(!fleet.tags("bare").iter().any(|t| t.contains("rc")));
}

/// `status` shows each repository's newest version across spellings.
#[test]
fn status_shows_the_newest_version_in_any_spelling() {
    let fleet = fleet()
        .category("svc")
        .repo("identity", "svc")
        .repo("plugin", "svc")
        .build();
    tag_remote(
        &fleet,
        "identity",
        "master",
        &[
            "v1.11.0-rc1",
            "v1.11.0",
            "v1.11.0.12",
            "1.12.0",
            "1.12.19",
            "2.0.dev9",
            "2.0.dev10",
        ],
    );
    tag_remote(
        &fleet,
        "plugin",
        "master",
        &["v1.12", "v1.13-rc1", "v1.13", "stable"],
    );

    let status = fleet.flotilla(&["status", "--json"]).success().json();

    let repo = |name: &str| {
        status
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["repo"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(repo("identity")["newest_version"], "2.0.0dev10");
    assert_eq!(repo("identity")["last_tag"], "2.0.dev10");
    assert_eq!(repo("plugin")["newest_version"], "1.13.0");
    assert_eq!(repo("plugin")["last_tag"], "v1.13");
    let table = fleet.flotilla(&["status"]).success();
    assert!(table.stdout.contains("2.0.0dev10"), "{}", table.stdout);
}
