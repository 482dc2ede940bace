//! Deployments a train starts are part of its journal: a refused or interrupted GitOps push
//! fails the run, and `resume` deploys what is missing without committing anything twice.

use crate::support::{self, STG_GITOPS, STG_VALUES as VALUES, Sandbox};

/// identity publishes an image to the local registry; stg deploys rc versions of it.
fn fleet() -> Sandbox {
    let fleet = support::fleet()
        .setting("image_namespace: fleet")
        .section(STG_GITOPS)
        .repo("identity", "plugin")
        .build();
    fleet.create_remote("deploy", [("values/stg.yaml", VALUES)], "Deploy values");
    fleet
}

fn hook(fleet: &Sandbox, name: &str, script: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    let path = fleet.remote("deploy").join("hooks").join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{script}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn remove_hook(fleet: &Sandbox, name: &str) {
    std::fs::remove_file(fleet.remote("deploy").join("hooks").join(name)).unwrap();
}

fn deployed(fleet: &Sandbox) -> String {
    fleet.show("deploy", "master", "values/stg.yaml").unwrap()
}

fn deploy_commits(fleet: &Sandbox) -> usize {
    fleet
        .subjects("deploy", "master")
        .iter()
        .filter(|s| s.contains("identity"))
        .count()
}

fn history(fleet: &Sandbox) -> Vec<String> {
    let json = fleet
        .flotilla(&["deploy", "history", "identity", "--json"])
        .success()
        .json();
    json.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["version"].as_str().unwrap(),
                d["status"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_deploy_repository_that_refuses_the_push_fails_the_train_and_resume_deploys() {
    let fleet = fleet();
    hook(
        &fleet,
        "pre-receive",
        "echo 'deploys to stg are frozen' >&2\nexit 1\n",
    );

    let start = fleet.flotilla(&["release", "start", "1.0.0"]).failure();

    assert_eq!(start.code, Some(1), "{start}");
    assert!(
        start.stderr.contains("deploys to stg are frozen")
            && start.stderr.contains("pre-receive hook declined"),
        "git's own words:\n{start}"
    );
    assert!(!start.stderr.contains("kept moving"), "{start}");
    assert_eq!(deployed(&fleet), VALUES);
    assert_eq!(history(&fleet), ["1.0.0rc1 failed"]);

    remove_hook(&fleet, "pre-receive");
    let resumed = fleet.flotilla(&["release", "resume"]).success();

    assert_eq!(
        deployed(&fleet),
        VALUES.replace("0.1.0", "1.0.0rc1"),
        "{resumed}"
    );
    assert_eq!(deploy_commits(&fleet), 1);
    assert_eq!(history(&fleet), ["1.0.0rc1 succeeded", "1.0.0rc1 failed"]);
}

#[test]
fn an_unpack_failure_fails_at_once_with_gits_words() {
    let fleet = fleet();
    fleet.git(
        &fleet.remote("deploy"),
        &["config", "receive.maxInputSize", "10"],
    );

    let start = fleet.flotilla(&["release", "start", "1.0.0"]).failure();

    assert_eq!(start.code, Some(1), "{start}");
    assert!(
        start.stderr.contains("remote unpack failed") && start.stderr.contains("unpacker error"),
        "{start}"
    );
    assert!(!start.stderr.contains("kept moving"), "{start}");
    assert_eq!(history(&fleet), ["1.0.0rc1 failed"]);
}

/// `kill -9` of flotilla from a hook of the deploy repository, so that it dies at a known
/// point of the deployment: `pre-receive` (which then refuses the push) before the commit is
/// accepted, `post-receive` after.
fn killed_during_the_push(fleet: &Sandbox, hook_name: &str) {
    let pid_file = fleet.outside("flotilla.pid");
    hook(
        fleet,
        hook_name,
        &format!("kill -9 \"$(cat '{}')\"\nexit 1\n", pid_file.display()),
    );
    let args = ["release", "start", "1.0.0"];
    let mut child = fleet.spawn(&args);
    std::fs::write(&pid_file, child.id().to_string()).unwrap();
    let status = flotilla_testkit::wait::for_exit(&mut child);
    assert_eq!(status.code(), None, "flotilla was killed by the hook");
    remove_hook(fleet, hook_name);
    assert_eq!(history(fleet), ["1.0.0rc1 running"]);
}

fn resume_deploys_once(fleet: &Sandbox) {
    let resumed = fleet.flotilla(&["release", "resume"]).success();
    assert_eq!(
        deployed(fleet),
        VALUES.replace("0.1.0", "1.0.0rc1"),
        "{resumed}"
    );
    assert_eq!(deploy_commits(fleet), 1, "nothing committed twice");
    assert_eq!(history(fleet), ["1.0.0rc1 succeeded"]);
    let status = fleet.flotilla(&["deploy", "status"]).success();
    assert!(status.stdout.contains("identity  1.0.0rc1"), "{status}");
}

#[test]
fn killed_before_the_deploy_commit_resume_makes_it() {
    let fleet = fleet();
    killed_during_the_push(&fleet, "pre-receive");
    assert_eq!(deploy_commits(&fleet), 0);
    resume_deploys_once(&fleet);
}

#[test]
fn killed_after_the_deploy_commit_resume_records_it_without_a_second_commit() {
    let fleet = fleet();
    killed_during_the_push(&fleet, "post-receive");
    assert_eq!(deploy_commits(&fleet), 1);
    resume_deploys_once(&fleet);
}
