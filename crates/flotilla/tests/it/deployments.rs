//! Deployments a train starts are part of its journal: a refused or interrupted GitOps push
//! fails the run, and `resume` deploys what is missing without committing anything twice.

use crate::serve::harness::{Server, set_secrets};
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
fn killed_during_the_push(fleet: &Sandbox, hook_name: &str, args: &[&str], version: &str) {
    let pid_file = fleet.outside("flotilla.pid");
    hook(
        fleet,
        hook_name,
        &format!("kill -9 \"$(cat '{}')\"\nexit 1\n", pid_file.display()),
    );
    let mut child = fleet.spawn(args);
    std::fs::write(&pid_file, child.id().to_string()).unwrap();
    let status = flotilla_testkit::wait::for_exit(&mut child);
    assert_eq!(status.code(), None, "flotilla was killed by the hook");
    remove_hook(fleet, hook_name);
    assert_eq!(history(fleet), [format!("{version} running")]);
}

const RELEASE: [&str; 3] = ["release", "start", "1.0.0"];

fn resume_deploys_once(fleet: &Sandbox) {
    let resumed = fleet.flotilla(&["release", "resume"]).success();
    assert_eq!(
        deployed(fleet),
        VALUES.replace("0.1.0", "1.0.0rc1"),
        "{resumed}"
    );
    assert_eq!(deploy_commits(fleet), 1, "nothing committed twice");
    assert_eq!(history(fleet), ["1.0.0rc1 succeeded"]);
    assert_records_its_commit(fleet);
    let status = fleet.flotilla(&["deploy", "status"]).success();
    assert!(status.stdout.contains("identity  1.0.0rc1"), "{status}");
}

/// The record names the commit that deployed, whichever process pushed it: the same record as
/// an uninterrupted deployment's.
fn assert_records_its_commit(fleet: &Sandbox) {
    let json = fleet
        .flotilla(&["deploy", "history", "identity", "--json"])
        .success()
        .json();
    let detail = &json[0]["detail"];
    let head = fleet.git(&fleet.remote("deploy"), &["rev-parse", "master"]);
    assert_eq!(detail["commit"].as_str(), Some(head.trim()), "{json}");
    assert_eq!(detail["changed"], true, "{json}");
}

#[test]
fn killed_before_the_deploy_commit_resume_makes_it() {
    let fleet = fleet();
    killed_during_the_push(&fleet, "pre-receive", &RELEASE, "1.0.0rc1");
    assert_eq!(deploy_commits(&fleet), 0);
    resume_deploys_once(&fleet);
}

#[test]
fn killed_after_the_deploy_commit_resume_records_it_without_a_second_commit() {
    let fleet = fleet();
    killed_during_the_push(&fleet, "post-receive", &RELEASE, "1.0.0rc1");
    assert_eq!(deploy_commits(&fleet), 1);
    resume_deploys_once(&fleet);
}

/// `deploy image` killed mid-push leaves its deployment `running`: `deploy status` still shows
/// the service, and `serve` finishes it at start, once.
fn serve_reconciles(hook_name: &str) {
    let mut fleet = fleet();
    let digest = support::oci_image(
        &fleet.artifacts().join("oci/fleet/identity"),
        "1.0.0",
        "identity 1.0.0\n",
    );
    let args = [
        "deploy",
        "image",
        "fleet/identity:1.0.0",
        "--digest",
        &digest,
    ];
    killed_during_the_push(&fleet, hook_name, &args, "1.0.0");
    let status = fleet.flotilla(&["deploy", "status"]).success();
    assert!(
        status.stdout.contains("identity  - (1.0.0 running)"),
        "{status}"
    );

    set_secrets(&mut fleet);
    let server = Server::start(&fleet, flotilla_testkit::free_port());

    assert_eq!(history(&fleet), ["1.0.0 succeeded"], "{}", server.log());
    assert_eq!(deployed(&fleet), VALUES.replace("0.1.0", "1.0.0"));
    assert_eq!(deploy_commits(&fleet), 1, "nothing committed twice");
    assert_records_its_commit(&fleet);
    let status = fleet.flotilla(&["deploy", "status"]).success();
    assert!(status.stdout.contains("identity  1.0.0"), "{status}");
}

#[test]
fn a_deployment_killed_before_its_commit_is_made_by_serve_at_start() {
    serve_reconciles("pre-receive");
}

#[test]
fn a_deployment_killed_after_its_commit_is_recorded_by_serve_at_start() {
    serve_reconciles("post-receive");
}

#[test]
fn deploy_commands_exit_1_when_the_deployment_they_start_fails() {
    let fleet = support::fleet()
        .setting("image_namespace: fleet")
        .section(&format!(
            "{STG_GITOPS}\n  - name: prd\n    channels: [final]\n    approval: true\n    \
             deploy: {{kind: gitops, remote: remotes/deploy.git, file: values/prd.yaml}}"
        ))
        .repo("identity", "plugin")
        .build();
    fleet.create_remote(
        "deploy",
        [("values/stg.yaml", VALUES), ("values/prd.yaml", VALUES)],
        "Deploy values",
    );
    let digest = support::oci_image(
        &fleet.artifacts().join("oci/fleet/identity"),
        "1.0.0",
        "identity 1.0.0\n",
    );
    hook(
        &fleet,
        "pre-receive",
        "echo 'deploys are frozen' >&2\nexit 1\n",
    );

    let image = fleet.flotilla(&[
        "deploy",
        "image",
        "fleet/identity:1.0.0",
        "--digest",
        &digest,
    ]);

    assert_eq!(image.code, Some(1), "{image}");
    assert!(image.stderr.contains("deploys are frozen"), "{image}");
    let pending = fleet
        .flotilla(&["deploy", "pending", "--json"])
        .success()
        .json();
    let id = pending[0]["id"].as_str().unwrap();
    let approve = fleet.flotilla(&["deploy", "approve", id, "--by", "alice"]);
    assert_eq!(approve.code, Some(1), "{approve}");
    assert_eq!(deploy_commits(&fleet), 0);
}
