//! Bad input gives a clear error on stderr, a non-zero exit and changes nothing anywhere. The
//! errors are pinned whole as snapshots (`snapshots/refused__*.snap`).

use crate::cli_output::assert_outcome;
use crate::support::{Outcome, Sandbox, fleet};

fn two_repos() -> Sandbox {
    fleet()
        .category("svc")
        .repo("a", "svc")
        .repo("b", "svc")
        .build()
}

/// The snapshot of the refusal of `args`: `refused__` and the arguments.
fn snapshot_name(args: &[&str]) -> String {
    let words: Vec<String> = args
        .iter()
        .map(|a| {
            a.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect()
        })
        .collect();
    format!("refused__{}", words.join("_"))
}

/// Runs `args`, expects a refusal with exit code 2 whose error is the snapshot named after
/// the arguments, and asserts nothing changed and no train was recorded.
#[track_caller]
fn assert_refused(fleet: &Sandbox, args: &[&str]) -> Outcome {
    let before = fleet.snapshot();
    let trains_before = fleet
        .flotilla(&["release", "list", "--json"])
        .success()
        .json();
    let out = fleet.flotilla(args);
    assert_eq!(out.code, Some(2), "`flotilla {}`:\n{out}", args.join(" "));
    assert!(
        out.stderr.starts_with("error: "),
        "the error is on stderr:\n{out}"
    );
    assert_outcome(fleet, &snapshot_name(args), &out);
    assert_eq!(
        fleet.snapshot(),
        before,
        "`flotilla {}` changed something",
        args.join(" ")
    );
    let trains_after = fleet
        .flotilla(&["release", "list", "--json"])
        .success()
        .json();
    assert_eq!(
        trains_after, trains_before,
        "a refused request records no train"
    );
    out
}

#[test]
fn invalid_versions_are_refused() {
    let fleet = two_repos();
    for args in [
        &["release", "start", "1.0"][..],
        &["release", "start", "banana"],
        &["release", "start", "1.0.0rc1"],
        &["release", "final", "1.0.0.1"],
    ] {
        assert_refused(&fleet, args);
    }
}

#[test]
fn invalid_versions_to_tag_are_refused() {
    let fleet = two_repos();
    for args in [
        &["release", "tag", "1.0.0-rc.1"][..],
        &["release", "tag", "1.0.0.0"],
        &["release", "hotfix", "1.0.0", "--repo", "a"],
        &["release", "hotfix", "1.0.0.1"],
    ] {
        assert_refused(&fleet, args);
    }
}

#[test]
fn unknown_repositories_are_refused_with_the_known_ones() {
    let fleet = two_repos();
    for args in [
        &["release", "start", "1.0.0", "--repo", "nope"][..],
        &["release", "start", "1.0.0", "--repo", "a", "--repo", "nope"],
        &["push", "nope"],
    ] {
        assert_refused(&fleet, args);
    }
}

#[test]
fn requests_the_fleet_state_does_not_allow_are_refused() {
    let fleet = fleet()
        .category("svc")
        .repo("api", "backend-core")
        .repo("a", "svc")
        .build();
    assert_refused(&fleet, &["push", "api"]);
    assert_refused(&fleet, &["release", "tag", "1.0.0rc1", "--repo", "a"]);
    assert_refused(&fleet, &["release", "tag", "1.1.0dev1", "--repo", "a"]);
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    assert_refused(&fleet, &["release", "hotfix", "1.0.0.1", "--repo", "a"]);
    fleet.flotilla(&["release", "final", "1.0.0"]).success();
    assert_refused(&fleet, &["release", "tag", "1.0.0rc2", "--repo", "a"]);
}

#[test]
fn invalid_manifest_is_refused_with_its_position() {
    let fleet = two_repos();
    std::fs::write(
        fleet.manifest(),
        "repositories:\n  - name: a\n    remote: remotes/a.git\n    category: svcc\n",
    )
    .unwrap();
    let before = fleet.snapshot();

    let out = fleet.flotilla(&["release", "start", "1.0.0"]);

    assert_eq!(out.code, Some(2), "{out}");
    // The position and the problem.
    assert_outcome(&fleet, "refused_invalid_manifest", &out);
    assert_eq!(fleet.snapshot(), before);
    assert!(
        !fleet.root().join(".flotilla").exists(),
        "no state is created for an invalid manifest"
    );
}

/// `release-1.0.0` of b holds a commit master does not have, and master moved on.
fn diverge(fleet: &Sandbox, repo: &str) {
    let base = fleet.rev(repo, "master");
    fleet.remote_git(repo, &["branch", "release-1.0.0", &base]);
    fleet.push_commit(
        repo,
        "release-1.0.0",
        &[("hack.txt", "x\n")],
        "a stray commit",
    );
    fleet.push_commit(repo, "master", &[("feature.txt", "y\n")], "a feature");
}

#[test]
fn diverged_release_branch_is_a_clear_error_and_changes_nothing() {
    let fleet = fleet().category("svc").repo("b", "svc").build();
    diverge(&fleet, "b");
    let before = fleet.snapshot();

    let out = fleet.flotilla(&["release", "start", "1.0.0"]).failure();

    // The branch and the problem.
    assert_outcome(&fleet, "failed_diverged_release_branch", &out);
    assert_eq!(fleet.snapshot(), before);
}

#[test]
fn diverged_release_branch_in_one_repository_changes_no_other_repository() {
    let fleet = two_repos();
    diverge(&fleet, "b");

    assert_refused(&fleet, &["release", "start", "1.0.0"]);
}

/// A manifest path that names a huge file, or endless data, fails at once with the path and
/// the size limit, never with the hint for a missing file.
#[test]
fn a_manifest_over_the_size_limit_is_refused_naming_the_path_and_the_limit() {
    let fleet = two_repos();
    let huge = fleet.outside("huge.yaml");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(5 * 1024 * 1024).unwrap();
    for path in [huge.to_str().unwrap(), "/dev/urandom"] {
        let out = fleet.flotilla(&["check", "-f", path]);
        assert_eq!(out.code, Some(2), "{out}");
        assert!(
            out.stderr.contains(&format!(
                "the manifest {path} is larger than the limit of 4 MiB"
            )),
            "{out}"
        );
        assert!(!out.stderr.contains("flotilla init"), "{out}");
    }
}

/// A byte that is not UTF-8 is reported at its line and column, like every manifest error.
#[test]
fn a_manifest_that_is_not_utf8_is_refused_at_the_line_and_column_of_the_bad_byte() {
    let fleet = two_repos();
    let mut text = std::fs::read(fleet.manifest()).unwrap();
    text.extend_from_slice(b"# caf\xe9 au lait\n");
    let line = String::from_utf8_lossy(&text).lines().count();
    std::fs::write(fleet.manifest(), &text).unwrap();

    let out = fleet.flotilla(&["check"]);

    assert_eq!(out.code, Some(2), "{out}");
    let at = format!("{}:{line}:6: ", fleet.manifest().display());
    assert!(
        out.stderr.contains(&at) && out.stderr.contains("not UTF-8"),
        "the error is at {at}:\n{out}"
    );
    assert!(!out.stderr.contains("flotilla init"), "{out}");
}

#[test]
fn a_missing_manifest_still_suggests_flotilla_init() {
    let fleet = two_repos();
    let missing = fleet.outside("missing.yaml");
    let out = fleet.flotilla(&["check", "-f", missing.to_str().unwrap()]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("flotilla init"), "{out}");
}
