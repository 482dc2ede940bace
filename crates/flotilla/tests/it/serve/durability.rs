//! `flotilla serve` SIGKILLed after it acknowledged a registry event, while the deploy commit
//! of that event is being pushed: after a restart on the same state the event is processed
//! once, and the deploy repository gets exactly one commit.
//!
//! The deploy repository's pre-receive hook holds the server's push until the test has killed
//! the server, so the kill lands mid-deployment every time, not by luck of timing.

use std::os::unix::fs::PermissionsExt as _;

use serde_json::Value;

use super::harness::{
    REGISTRY_TOKEN, Server, cd_fleet, deploy_commits, deploy_status, envelope, fake_digest,
    history, running, version_line,
};
use crate::support::Sandbox;
use flotilla_testkit::{free_port, wait};

/// What the held push does once the server is dead.
#[derive(Clone, Copy)]
enum HeldPush {
    /// The push lands: the commit is in, but the server never learned it.
    Lands,
    /// The push is refused: nothing of the deployment happened.
    IsRefused,
}

/// Holds the first push to the deploy repository until `decision` exists, then exits with the
/// code it holds; later pushes pass.
fn install_holding_hook(sandbox: &Sandbox) {
    let hook = sandbox.remote("deploy").join("hooks").join("pre-receive");
    let dir = sandbox.outside("hold");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\ndir='{}'\nif [ ! -e \"$dir/held\" ]; then\n  : > \"$dir/held\"\n  while [ ! -e \"$dir/decision\" ]; do sleep 0.02; done\n  code=$(cat \"$dir/decision\")\n  : > \"$dir/released\"\n  exit \"$code\"\nfi\n",
            dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Sends an rc1 notification, kills the server while its deploy commit is being pushed, lets
/// the push land or not, and restarts the server on the same port and state.
fn killed_mid_deployment(push: HeldPush) -> (Sandbox, Server, usize) {
    let sandbox = cd_fleet();
    install_holding_hook(&sandbox);
    let seed = deploy_commits(&sandbox).len();
    let port = free_port();
    let server = Server::start(&sandbox, port);
    let body = envelope("crash-1", "fleet/identity", "1.0.0rc1", &fake_digest('c'));
    let reply = server.post_registry(&body, REGISTRY_TOKEN);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["recorded"].as_array().unwrap().len(), 1);

    let hold_dir = sandbox.outside("hold");
    wait::until(
        "the deploy commit's push to reach the deploy repository",
        || hold_dir.join("held").exists().then_some(()),
    );
    server.kill9();
    let code = match push {
        HeldPush::Lands => "0",
        HeldPush::IsRefused => "1",
    };
    std::fs::write(hold_dir.join("decision"), code).unwrap();
    wait::until("the held push to end", || {
        let landed = deploy_commits(&sandbox).len() > seed;
        let done = match push {
            HeldPush::Lands => landed,
            HeldPush::IsRefused => hold_dir.join("released").exists(),
        };
        done.then_some(())
    });

    let server = Server::start(&sandbox, port);
    let event = server.wait_image_event("1.0.0rc1");
    assert_eq!(event["status"], "processed", "{event:#}\n{}", server.log());
    (sandbox, server, seed)
}

/// Exactly one commit, to stg, with rc1; the event stored and handled once.
fn assert_deployed_once(sandbox: &Sandbox, server: &Server, seed: usize) {
    let commits = deploy_commits(sandbox);
    assert_eq!(commits.len(), seed + 1, "exactly one deploy commit");
    assert_eq!(
        sandbox.remote_git(
            "deploy",
            &[
                "diff",
                "--name-only",
                &format!("{}~1", commits[0]),
                &commits[0]
            ]
        ),
        "values/stg.yaml\n"
    );
    assert!(
        sandbox
            .show("deploy", "master", "values/stg.yaml")
            .unwrap()
            .contains(&version_line("1.0.0rc1"))
    );
    let events: Vec<Value> = server
        .events()
        .into_iter()
        .filter(|e| e["delivery_id"] == "crash-1")
        .collect();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(deploy_status(sandbox), running(&[("stg", "1.0.0rc1")]));
    let succeeded = history(sandbox, Some("stg"))
        .into_iter()
        .filter(|d| d["status"] == "succeeded")
        .count();
    assert_eq!(succeeded, 1, "{:#?}", history(sandbox, None));
}

#[test]
fn killed_after_its_deploy_commit_landed_the_server_does_not_commit_again_after_restart() {
    let (sandbox, server, seed) = killed_mid_deployment(HeldPush::Lands);
    assert_deployed_once(&sandbox, &server, seed);
}

#[test]
fn killed_before_its_deploy_commit_landed_the_server_deploys_after_restart() {
    let (sandbox, server, seed) = killed_mid_deployment(HeldPush::IsRefused);
    assert_deployed_once(&sandbox, &server, seed);
}

#[test]
fn a_deployment_interrupted_by_a_kill_is_finished_after_restart_not_recorded_twice() {
    let (sandbox, _server, _) = killed_mid_deployment(HeldPush::Lands);
    let stg = history(&sandbox, Some("stg"));
    assert_eq!(stg.len(), 1, "one event, one deployment: {stg:#?}");
    assert_eq!(stg[0]["status"], "succeeded", "{stg:#?}");
}
