//! What the binary prints, pinned whole: exit code, stdout and stderr of representative
//! commands as insta snapshots (`snapshots/`), with temporary paths, times, ids, build stamps,
//! commit hashes and digests filtered out. `cargo insta review` shows a changed output.

use flotilla_testkit::SnapshotFilters;

use crate::support::{self, Outcome, Sandbox, fleet};

/// The filters for this sandbox's output.
pub fn filters(sandbox: &Sandbox) -> SnapshotFilters {
    SnapshotFilters::new().path(sandbox.root(), "SANDBOX")
}

/// Pins `outcome` as the snapshot `name`.
#[track_caller]
pub fn assert_outcome(sandbox: &Sandbox, name: &str, outcome: &Outcome) {
    filters(sandbox).bind(|| insta::assert_snapshot!(name, outcome.to_string()));
}

/// Pins `outcome`, a table with a column of times, as the snapshot `name`.
#[track_caller]
pub fn assert_table_with_times(sandbox: &Sandbox, name: &str, outcome: &Outcome) {
    filters(sandbox)
        .columns()
        .bind(|| insta::assert_snapshot!(name, outcome.to_string()));
}

/// A core library, a service depending on it and a plain repository.
fn small_fleet() -> Sandbox {
    fleet()
        .category("svc")
        .repo("core", "backend-core")
        .repo("identity", "backend")
        .depends_on(&["core"])
        .repo("docs", "svc")
        .build()
}

#[test]
fn check_of_a_valid_manifest() {
    let fleet = small_fleet();
    let out = fleet.flotilla(&["check"]).success();
    assert_outcome(&fleet, "check_valid", &out);
}

#[test]
fn check_of_an_invalid_manifest_reports_every_error_with_its_position() {
    let fleet = small_fleet();
    std::fs::write(
        fleet.manifest(),
        "repositories:\n  - name: a\n    remote: remotes/a.git\n    category: svcc\n  \
         - name: a\n    remote: remotes/b.git\n    category: backend\n    depends_on: [zz]\n",
    )
    .unwrap();
    let out = fleet.flotilla(&["check"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert_outcome(&fleet, "check_invalid", &out);
}

#[test]
fn plan_of_a_release_start_shows_the_waves() {
    let fleet = small_fleet();
    let out = fleet
        .flotilla(&["plan", "release", "start", "1.0.0"])
        .success();
    assert_outcome(&fleet, "plan_release_start", &out);
    let steps = fleet
        .flotilla(&["plan", "--steps", "release", "start", "1.0.0"])
        .success();
    assert_outcome(&fleet, "plan_release_start_steps", &steps);
}

#[test]
fn release_start_and_status() {
    let fleet = small_fleet();
    let start = fleet.flotilla(&["release", "start", "1.0.0"]).success();
    assert_outcome(&fleet, "release_start", &start);
    let status = fleet.flotilla(&["release", "status"]).success();
    assert_outcome(&fleet, "release_status", &status);
    let list = fleet.flotilla(&["release", "list"]).success();
    assert_table_with_times(&fleet, "release_list", &list);
}

/// stg takes finals by GitOps into `remotes/deploy.git`; prd needs an approval.
const ENVIRONMENTS: &str = "environments:
  - name: stg
    channels: [rc, final]
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/stg.yaml}
  - name: prd
    channels: [final]
    approval: true
    deploy: {kind: gitops, remote: remotes/deploy.git, file: values/prd.yaml}";

#[test]
fn deploy_image_and_deploy_status() {
    let fleet = fleet()
        .setting("image_namespace: fleet")
        .section(ENVIRONMENTS)
        .repo("identity", "plugin")
        .build();
    let values = "identity:\n  image:\n    version: 0.1.0\n";
    fleet.create_remote(
        "deploy",
        [("values/stg.yaml", values), ("values/prd.yaml", values)],
        "Deploy values",
    );
    let digest = support::oci_image(
        &fleet.artifacts().join("oci/fleet/identity"),
        "1.0.0",
        "identity 1.0.0\n",
    );

    let before = fleet.flotilla(&["deploy", "status"]).success();
    assert_outcome(&fleet, "deploy_status_empty", &before);
    let image = fleet
        .flotilla(&[
            "deploy",
            "image",
            "fleet/identity:1.0.0",
            "--digest",
            &digest,
        ])
        .success();
    assert_outcome(&fleet, "deploy_image", &image);
    let status = fleet.flotilla(&["deploy", "status"]).success();
    assert_outcome(&fleet, "deploy_status", &status);
    let pending = fleet.flotilla(&["deploy", "pending"]).success();
    assert_table_with_times(&fleet, "deploy_pending", &pending);
}

/// Command lines clap refuses; flotilla's own refusals are pinned in `bad_input`.
#[test]
fn malformed_command_lines_are_refused_with_exit_code_2() {
    let fleet = small_fleet();
    for (name, args) in [
        ("bad_command", &["relase", "start", "1.0.0"][..]),
        ("missing_argument", &["release", "tag"]),
    ] {
        let out = fleet.flotilla(args);
        assert_eq!(out.code, Some(2), "{out}");
        assert_outcome(&fleet, &format!("refused_{name}"), &out);
    }
}
