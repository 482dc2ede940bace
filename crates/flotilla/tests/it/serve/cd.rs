//! Continuous deployment through real notifications: skopeo pushes to a docker-registry that
//! notifies `flotilla serve`, which writes the version back into the bare deploy repository.
//! The commits are checked with git, byte for byte; `deploy status` must agree at each point.

use std::time::Duration;

use serde_json::Value;

use super::harness::{
    API_TOKEN, Images, REGISTRY_TOKEN, Registry, Server, cd_fleet, deploy_commits, deploy_status,
    envelope, fake_digest, history, http, running, version_line,
};
use crate::support::Sandbox;
use flotilla_testkit::{free_port, wait};

const DEV_BUILD: &str = "0.9.0.20261126.093000";

/// A server and a registry that notifies it, over the CD fleet.
struct Setup {
    sandbox: Sandbox,
    server: Server,
    registry: Registry,
    images: Images,
}

fn setup() -> Setup {
    let sandbox = cd_fleet();
    let server = Server::start(&sandbox, free_port());
    let registry = Registry::start(
        &sandbox.outside("registry"),
        &server.url("/hooks/registry"),
        REGISTRY_TOKEN,
    );
    let images_dir = sandbox.outside("images");
    std::fs::create_dir_all(&images_dir).unwrap();
    let images = Images::new(&images_dir);
    Setup {
        sandbox,
        server,
        registry,
        images,
    }
}

impl Setup {
    /// Pushes `name:tag` and waits until the server has processed its notification; returns
    /// the manifest digest.
    fn push(&self, name: &str, tag: &str) -> String {
        let digest = self.images.push(&self.registry, name, tag);
        let event = self.server.wait_image_event(tag);
        assert_eq!(
            event["payload"]["digest"], digest,
            "the notification names the pushed manifest"
        );
        assert_eq!(
            event["status"],
            "processed",
            "{event:#}\n{}",
            self.server.log()
        );
        digest
    }

    /// The one pending deployment.
    fn pending(&self) -> Value {
        let pending = self
            .sandbox
            .flotilla(&["deploy", "pending", "--json"])
            .success()
            .json();
        let pending = pending.as_array().unwrap();
        assert_eq!(pending.len(), 1, "{pending:#?}");
        pending[0].clone()
    }
}

/// Checks that `commit` changes exactly one line of exactly one file of the deploy repository:
/// identity's version in `file`, from `old` to `new`, every other byte (comments included)
/// as before.
fn assert_only_the_value_changed(
    sandbox: &Sandbox,
    commit: &str,
    file: &str,
    old: &str,
    new: &str,
) {
    let parent = format!("{commit}~1");
    let numstat = sandbox.remote_git("deploy", &["diff", "--numstat", &parent, commit]);
    assert_eq!(numstat, format!("1\t1\t{file}\n"), "one line of one file");
    let before = sandbox.show("deploy", &parent, file).unwrap();
    let after = sandbox.show("deploy", commit, file).unwrap();
    let expected = before.replacen(&version_line(old), &version_line(new), 1);
    assert_ne!(
        expected, before,
        "{file} at {parent} holds {old}:\n{before}"
    );
    assert_eq!(after, expected, "only the version's bytes change");
}

/// The deploy commit at the tip: its subject names service, version and environment, and its
/// body the image digest and the deployment recorded for it.
fn assert_deploy_commit(
    sandbox: &Sandbox,
    commit: &str,
    subject: &str,
    digest: &str,
    deployment: &Value,
) {
    let message = sandbox.remote_git("deploy", &["log", "-1", "--format=%B", commit]);
    assert_eq!(message.lines().next(), Some(subject), "{message}");
    assert!(message.contains(digest), "{message}");
    assert!(
        message.contains(deployment["id"].as_str().unwrap()),
        "{message}"
    );
    assert_eq!(deployment["detail"]["commit"], commit, "{deployment:#}");
}

#[test]
fn pushed_images_reach_the_environments_their_channels_follow_and_a_final_waits_for_approval() {
    let setup = setup();
    let sandbox = &setup.sandbox;
    assert!(deploy_status(sandbox).is_empty());
    let seed = deploy_commits(sandbox);

    // A master build in the dev namespace goes to dev.
    let digest = setup.push("fleet-dev/identity", DEV_BUILD);
    let commits = deploy_commits(sandbox);
    assert_eq!(commits.len(), seed.len() + 1);
    assert_only_the_value_changed(sandbox, &commits[0], "values/dev.yaml", "latest", DEV_BUILD);
    let dev = &history(sandbox, Some("dev"))[0];
    assert_eq!(dev["version"], DEV_BUILD);
    assert_eq!(dev["digest"], digest);
    assert_eq!(dev["status"], "succeeded");
    assert_deploy_commit(
        sandbox,
        &commits[0],
        &format!("[CI/CD] deploy identity {DEV_BUILD} to dev"),
        &digest,
        dev,
    );
    assert_eq!(deploy_status(sandbox), running(&[("dev", DEV_BUILD)]));

    // A release candidate goes to stg, and only there.
    let digest = setup.push("fleet/identity", "1.0.0rc1");
    let commits = deploy_commits(sandbox);
    assert_eq!(commits.len(), seed.len() + 2);
    assert_only_the_value_changed(
        sandbox,
        &commits[0],
        "values/stg.yaml",
        "latest",
        "1.0.0rc1",
    );
    let stg = &history(sandbox, Some("stg"))[0];
    assert_deploy_commit(
        sandbox,
        &commits[0],
        "[CI/CD] deploy identity 1.0.0rc1 to stg",
        &digest,
        stg,
    );
    assert_eq!(
        deploy_status(sandbox),
        running(&[("dev", DEV_BUILD), ("stg", "1.0.0rc1")])
    );

    // A final waits for approval: nothing is written, nothing is reported as running.
    let digest = setup.push("fleet/identity", "1.0.0");
    let pending = setup.pending();
    assert_eq!(pending["environment"], "prd");
    assert_eq!(pending["version"], "1.0.0");
    assert_eq!(pending["status"], "pending");
    assert_eq!(deploy_commits(sandbox).len(), seed.len() + 2);
    assert_eq!(
        sandbox.show("deploy", "master", "values/prd.yaml").unwrap(),
        super::harness::values("prd")
    );
    assert_eq!(
        deploy_status(sandbox),
        running(&[("dev", DEV_BUILD), ("stg", "1.0.0rc1")])
    );

    // Approved, it is written to prd.
    let id = pending["id"].as_str().unwrap();
    let approved = sandbox
        .flotilla(&["deploy", "approve", id, "--by", "alice", "--json"])
        .success()
        .json();
    assert_eq!(approved[0]["status"], "succeeded", "{approved:#}");
    let commits = deploy_commits(sandbox);
    assert_eq!(commits.len(), seed.len() + 3);
    assert_only_the_value_changed(sandbox, &commits[0], "values/prd.yaml", "latest", "1.0.0");
    let prd = &history(sandbox, Some("prd"))[0];
    assert_eq!(prd["id"], id);
    assert_eq!(prd["decided_by"], "alice");
    assert_deploy_commit(
        sandbox,
        &commits[0],
        "[CI/CD] deploy identity 1.0.0 to prd",
        &digest,
        prd,
    );
    assert!(
        sandbox
            .flotilla(&["deploy", "pending", "--json"])
            .success()
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        deploy_status(sandbox),
        running(&[("dev", DEV_BUILD), ("stg", "1.0.0rc1"), ("prd", "1.0.0")])
    );
}

#[test]
fn an_older_release_candidate_is_ignored_and_rollback_restores_the_previous_final() {
    let setup = setup();
    let sandbox = &setup.sandbox;
    let seed = deploy_commits(sandbox).len();

    setup.push("fleet/identity", "1.0.0rc2");
    assert_eq!(deploy_commits(sandbox).len(), seed + 1);

    // rc1 arrives after rc2: processed, but nothing older replaces what runs.
    setup.push("fleet/identity", "1.0.0rc1");
    assert_eq!(deploy_commits(sandbox).len(), seed + 1, "no commit for rc1");
    assert_eq!(deploy_status(sandbox), running(&[("stg", "1.0.0rc2")]));
    let versions: Vec<Value> = history(sandbox, None)
        .iter()
        .map(|d| d["version"].clone())
        .collect();
    assert_eq!(versions, vec!["1.0.0rc2"], "no deployment recorded for rc1");
    assert_eq!(
        sandbox.show("deploy", "master", "values/stg.yaml").unwrap(),
        super::harness::values("stg").replacen(
            &version_line("latest"),
            &version_line("1.0.0rc2"),
            1
        )
    );

    for version in ["1.0.0", "1.0.1"] {
        setup.push("fleet/identity", version);
        let id = setup.pending()["id"].as_str().unwrap().to_owned();
        sandbox
            .flotilla(&["deploy", "approve", &id, "--by", "alice"])
            .success();
    }
    assert_eq!(deploy_commits(sandbox).len(), seed + 3);
    assert_eq!(
        deploy_status(sandbox),
        running(&[("stg", "1.0.0rc2"), ("prd", "1.0.1")])
    );

    // Rollback: 1.0.0 again, as one more commit that changes only the value back.
    let rolled = sandbox
        .flotilla(&[
            "deploy", "rollback", "identity", "--env", "prd", "--by", "bob", "--json",
        ])
        .success()
        .json();
    assert_eq!(rolled[0]["version"], "1.0.0", "{rolled:#}");
    assert_eq!(rolled[0]["status"], "succeeded");
    let commits = deploy_commits(sandbox);
    assert_eq!(commits.len(), seed + 4);
    assert_only_the_value_changed(sandbox, &commits[0], "values/prd.yaml", "1.0.1", "1.0.0");
    let subject = sandbox.remote_git("deploy", &["log", "-1", "--format=%s", &commits[0]]);
    assert_eq!(subject, "[CI/CD] roll back identity to 1.0.0 in prd\n");
    let prd = history(sandbox, Some("prd"));
    assert_eq!(prd[0]["trigger"], "rollback by bob");
    assert_eq!(prd[0]["digest"], prd[2]["digest"], "the 1.0.0 image again");
    assert_eq!(
        deploy_status(sandbox),
        running(&[("stg", "1.0.0rc2"), ("prd", "1.0.0")])
    );
}

/// Approving through the API (`POST /api/v1/deployments/{id}/approve`) must deploy, as
/// `flotilla deploy approve` does, recorded under the token's name.
#[test]
fn approving_through_the_api_deploys() {
    let sandbox = cd_fleet();
    let server = Server::start(&sandbox, free_port());
    let body = envelope(
        "api-approve-1",
        "fleet/identity",
        "1.0.0",
        &fake_digest('a'),
    );
    assert_eq!(server.post_registry(&body, REGISTRY_TOKEN).status, 200);
    server.wait_image_event("1.0.0");
    let pending = server.api("/deployments/pending");
    let id = pending[0]["id"].as_str().unwrap();
    let reply = http(
        "POST",
        &server.url(&format!("/api/v1/deployments/{id}/approve")),
        &[("Authorization", &format!("Bearer {API_TOKEN}"))],
        None,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["decided_by"], "api-token");
    wait::within(Duration::from_secs(30), "prd to run 1.0.0", || {
        (deploy_status(&sandbox).get("prd").map(String::as_str) == Some("1.0.0")).then_some(())
    });
    assert_eq!(
        sandbox
            .show("deploy", "master", "values/prd.yaml")
            .unwrap()
            .matches(&version_line("1.0.0"))
            .count(),
        1
    );
}
