//! The same request twice changes nothing: no ref, no commit, no artifact byte.

use crate::support::{Sandbox, fleet};

/// Runs `args` again on `fleet` and asserts it succeeds without changing anything.
#[track_caller]
fn assert_again_changes_nothing(fleet: &Sandbox, args: &[&str]) {
    let before = fleet.snapshot();
    fleet.flotilla(args).success();
    assert_eq!(
        fleet.snapshot(),
        before,
        "`flotilla {}` a second time changed the remotes or the targets",
        args.join(" ")
    );
}

#[test]
fn release_start_twice_changes_nothing() {
    let fleet = fleet()
        .category("svc")
        .repo("a", "svc")
        .repo("b", "svc")
        .depends_on(&["a"])
        .build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();

    assert_again_changes_nothing(&fleet, &["release", "start", "1.0.0"]);
}

#[test]
fn release_final_twice_changes_nothing() {
    let fleet = fleet()
        .repo("api", "backend-core")
        .repo("design", "frontend-core")
        .repo("identity", "backend")
        .depends_on(&["api"])
        .build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    fleet.flotilla(&["release", "final", "1.0.0"]).success();

    assert_again_changes_nothing(&fleet, &["release", "final", "1.0.0"]);
}

#[test]
fn rc2_twice_changes_nothing() {
    let fleet = fleet().category("svc").repo("a", "svc").build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    fleet.flotilla(&["release", "tag", "1.0.0rc2"]).success();

    assert_again_changes_nothing(&fleet, &["release", "tag", "1.0.0rc2"]);
}

#[test]
fn hotfix_twice_changes_nothing() {
    let fleet = fleet().category("svc").repo("a", "svc").build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    fleet.flotilla(&["release", "final", "1.0.0"]).success();
    fleet
        .flotilla(&["release", "hotfix", "1.0.0.1", "--repo", "a"])
        .success();

    assert_again_changes_nothing(&fleet, &["release", "hotfix", "1.0.0.1", "--repo", "a"]);
}

#[test]
fn development_version_twice_changes_nothing() {
    let fleet = fleet().repo("api", "backend-core").build();
    fleet.flotilla(&["release", "tag", "1.1.0dev1"]).success();

    assert_again_changes_nothing(&fleet, &["release", "tag", "1.1.0dev1"]);
}

#[test]
fn republishing_a_released_version_rebuilds_identical_artifacts() {
    let fleet = fleet()
        .repo("design", "frontend-core")
        .repo("identity", "backend")
        .build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();
    fleet.flotilla(&["release", "final", "1.0.0"]).success();

    assert_again_changes_nothing(&fleet, &["release", "tag", "1.0.0", "--republish"]);
}

#[test]
fn resuming_a_finished_train_changes_nothing() {
    let fleet = fleet()
        .category("svc")
        .repo("a", "svc")
        .repo("b", "svc")
        .build();
    fleet.flotilla(&["release", "start", "1.0.0"]).success();

    assert_again_changes_nothing(&fleet, &["release", "resume"]);
}
