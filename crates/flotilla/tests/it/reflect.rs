//! Reflecting a released version to master happens only when it is newer than master's: the
//! original overwrote master with an older line's hotfix.

use crate::support::{fleet, run_id};

#[test]
fn hotfix_of_an_older_line_leaves_master_at_the_newer_release() {
    let fleet = fleet().category("svc").repo("a", "svc").build();
    for args in [
        ["release", "start", "1.0.0"],
        ["release", "final", "1.0.0"],
        ["release", "start", "1.1.0"],
        ["release", "final", "1.1.0"],
    ] {
        fleet.flotilla(&args).success();
    }
    let master_before = fleet.rev("a", "master");

    let out = fleet
        .flotilla(&["release", "hotfix", "1.0.0.1", "--repo", "a", "--json"])
        .success();

    assert!(fleet.tags("a").contains(&"v1.0.0.1".to_owned()));
    assert_eq!(fleet.rev("a", "v1.0.0.1"), fleet.rev("a", "release-1.0.0"));
    assert_eq!(
        fleet.show("a", "release-1.0.0", "VERSION").as_deref(),
        Some("v1.0.0.1\n")
    );
    assert_eq!(
        fleet.rev("a", "master"),
        master_before,
        "master does not move"
    );
    assert_eq!(
        fleet.show("a", "master", "VERSION").as_deref(),
        Some("v1.1.0\n")
    );
    let run = run_id(&out.json(), "a");
    let logs = fleet.flotilla(&["logs", &run, "reflect"]).success();
    assert!(
        logs.stdout.contains("1.1.0"),
        "the reflect step says why master stays:\n{}",
        logs.stdout
    );
}

#[test]
fn release_of_the_newer_line_moves_master_after_an_older_hotfix() {
    let fleet = fleet().category("svc").repo("a", "svc").build();
    for args in [
        &["release", "start", "1.0.0"][..],
        &["release", "final", "1.0.0"],
        &["release", "start", "1.1.0"],
        &["release", "hotfix", "1.0.0.1", "--repo", "a"],
    ] {
        fleet.flotilla(args).success();
    }
    assert_eq!(
        fleet.show("a", "master", "VERSION").as_deref(),
        Some("v1.1.0rc1\n"),
        "1.0.0.1 is older than 1.1.0rc1"
    );

    fleet.flotilla(&["release", "final", "1.1.0"]).success();

    assert_eq!(
        fleet.show("a", "master", "VERSION").as_deref(),
        Some("v1.1.0\n")
    );
}
