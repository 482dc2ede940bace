//! `flotilla hook install` on a bare repository, then plain `git push`es to it: the hook tells
//! the running `flotilla serve`, which starts the flow the push asks for. And GitHub's format of
//! the same push, replayed.

use std::os::unix::fs::PermissionsExt as _;

use serde_json::{Value, json};

use super::harness::{HOOK_SECRET, Server, http, set_secrets, sign};
use crate::support::{Sandbox, fleet};
use flotilla_testkit::{free_port, wait};

const BUILDS_VAR: &str = "FLOTILLA_E2E_BUILDS";

/// `app`, a service whose build (on pushes and tags) appends `EVENT VERSION` to a file outside
/// the repository; its release line 1.0.0 is already branched. The server runs with the hook
/// installed.
fn setup() -> (Sandbox, Server) {
    let (sandbox, server) = setup_without_hook();
    let remote = sandbox.remote("app").display().to_string();
    let installed = sandbox
        .flotilla(&[
            "hook",
            "install",
            &remote,
            "--url",
            &server.url(""),
            "--json",
        ])
        .success()
        .json();
    assert_eq!(installed["repo"], "app");
    let hook = sandbox.remote("app").join("hooks").join("post-receive");
    let mode = std::fs::metadata(&hook).unwrap().permissions().mode();
    assert_ne!(mode & 0o111, 0, "the hook is executable");
    (sandbox, server)
}

/// [`setup`] without the hook: pushes reach the server only as the test sends them.
fn setup_without_hook() -> (Sandbox, Server) {
    let mut sandbox = fleet()
        .category("svc")
        .repo("app", "svc")
        .command(
            "build",
            &[
                "sh",
                "-c",
                &format!("echo \"$FLOTILLA_EVENT $FLOTILLA_VERSION\" >> \"${BUILDS_VAR}\""),
            ],
            &["push", "tag"],
        )
        .build();
    set_secrets(&mut sandbox);
    let builds = sandbox.outside("builds.txt");
    sandbox.set_env(BUILDS_VAR, builds);
    // Made in the bare repository itself: no push, so no hook, and the server sees nothing.
    sandbox.remote_git("app", &["branch", "release-1.0.0", "master"]);
    let server = Server::start(&sandbox, free_port());
    (sandbox, server)
}

/// The trains of `release list --json`, newest first, once `count` of them have finished.
fn finished_trains(sandbox: &Sandbox, count: usize) -> Vec<Value> {
    wait::until(&format!("{count} finished trains"), || {
        let trains = sandbox
            .flotilla(&["release", "list", "--json"])
            .success()
            .json();
        let trains = trains.as_array().unwrap().clone();
        let done = trains
            .iter()
            .filter(|t| t["status"] == "succeeded" || t["status"] == "failed")
            .count();
        (done >= count).then_some(trains)
    })
}

fn builds(sandbox: &Sandbox) -> Vec<String> {
    std::fs::read_to_string(sandbox.outside("builds.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Pushes tag `v{version}` at the tip of `branch`, as a developer would.
fn push_tag(sandbox: &Sandbox, branch: &str, version: &str) {
    push_tag_named(sandbox, branch, &format!("v{version}"));
}

/// Pushes tag `tag` at the tip of `branch`.
fn push_tag_named(sandbox: &Sandbox, branch: &str, tag: &str) {
    let work = tempfile::tempdir_in(sandbox.root()).unwrap();
    let remote = sandbox.remote("app").display().to_string();
    sandbox.git(
        work.path(),
        &["clone", "--quiet", "--branch", branch, &remote, "."],
    );
    sandbox.git(work.path(), &["tag", tag]);
    sandbox.git(work.path(), &["push", "--quiet", "origin", tag]);
}

#[test]
fn a_push_to_master_starts_the_master_push_flow_and_a_version_tag_the_tagging_flow() {
    let (sandbox, server) = setup();

    let commit = sandbox.push_commit("app", "master", &[("README.md", "# app\n\nv2\n")], "Docs");
    let trains = finished_trains(&sandbox, 1);
    assert_eq!(trains.len(), 1, "{trains:#?}\n{}", server.log());
    let push = &trains[0];
    assert_eq!(push["kind"], "push");
    assert_eq!(push["status"], "succeeded", "{push:#}");
    assert_eq!(
        push["request"]["request"],
        json!({"repo": "app", "request": "push"})
    );
    // The train ends before its event is marked handled; `events()` reads one status after
    // the other, so an event changing status in between would be seen twice.
    let events = wait::until("the push event to be handled", || {
        let events = server.events();
        events
            .iter()
            .all(|e| e["status"] != "received")
            .then_some(events)
    });
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["source"], "git");
    assert_eq!(events[0]["payload"]["git_ref"], "refs/heads/master");
    assert_eq!(events[0]["payload"]["after"], commit);
    let built = builds(&sandbox);
    assert_eq!(built.len(), 1, "{built:?}");
    assert!(built[0].starts_with("push 0.9.0."), "{built:?}");

    push_tag(&sandbox, "release-1.0.0", "1.0.0rc1");
    let trains = finished_trains(&sandbox, 2);
    assert_eq!(trains.len(), 2, "{trains:#?}\n{}", server.log());
    let tag = &trains[0];
    assert_eq!(tag["kind"], "tag");
    assert_eq!(tag["version"], "1.0.0rc1");
    assert_eq!(tag["status"], "succeeded", "{tag:#}");
    assert_eq!(
        tag["request"]["request"],
        json!({"request": "release-tag", "version": "1.0.0rc1", "repos": ["app"], "republish": true})
    );
}

#[test]
fn a_version_tag_pushed_by_a_developer_is_built() {
    let (sandbox, server) = setup();
    push_tag(&sandbox, "release-1.0.0", "1.0.0rc1");
    let trains = finished_trains(&sandbox, 1);
    assert_eq!(trains[0]["kind"], "tag", "{}", server.log());
    assert_eq!(builds(&sandbox), vec!["tag 1.0.0rc1".to_owned()]);
}

/// A tag pushed in another spelling than the template's (`1.0.0rc1` where `app` tags
/// `v{canonical}`) is that version, as every history is read (docs/versions.md): the tag flow
/// builds it from that tag and does not tag it again as `v1.0.0rc1`. A tag that is no version
/// is ignored and starts nothing.
#[test]
fn a_tag_in_another_spelling_is_built_as_its_version_and_a_tag_that_is_none_is_ignored() {
    let (sandbox, server) = setup();
    push_tag_named(&sandbox, "release-1.0.0", "latest");
    let ignored = wait::until("the tag latest to be handled", || {
        server
            .events()
            .into_iter()
            .find(|e| e["payload"]["git_ref"] == "refs/tags/latest" && e["status"] != "received")
    });
    assert_eq!(ignored["status"], "ignored", "{ignored:#}");
    // Why is the server's info log line and the unit test's (fleet_event.rs) to pin.
    assert!(
        server.events().len() == 1 && finished_trains(&sandbox, 0).is_empty(),
        "nothing started"
    );

    push_tag_named(&sandbox, "release-1.0.0", "1.0.0rc1");
    let trains = finished_trains(&sandbox, 1);
    assert_eq!(trains.len(), 1, "{trains:#?}\n{}", server.log());
    let tag = &trains[0];
    assert_eq!(tag["kind"], "tag");
    assert_eq!(tag["version"], "1.0.0rc1");
    assert_eq!(tag["status"], "succeeded", "{tag:#}");
    assert_eq!(builds(&sandbox), vec!["tag 1.0.0rc1".to_owned()]);
    let tags = sandbox.tags("app");
    assert!(tags.contains(&"1.0.0rc1".to_owned()), "{tags:?}");
    assert!(
        !tags.contains(&"v1.0.0rc1".to_owned()),
        "the version is not tagged twice: {tags:?}"
    );
}

/// A new release branch starts the line: flotilla tags rc1 and builds it. Its own pushes (the
/// tag, the reflect commit on master) reach the hook too; the tag must not build rc1 again.
#[test]
fn a_release_branch_pushed_by_a_developer_starts_the_line_and_builds_its_candidate_once() {
    let (sandbox, server) = setup();
    let work = tempfile::tempdir_in(sandbox.root()).unwrap();
    let remote = sandbox.remote("app").display().to_string();
    sandbox.git(work.path(), &["clone", "--quiet", &remote, "."]);
    sandbox.git(
        work.path(),
        &[
            "push",
            "--quiet",
            "origin",
            "master:refs/heads/release-1.1.0",
        ],
    );
    let start = wait::until("the release-start train", || {
        finished_trains(&sandbox, 1)
            .into_iter()
            .find(|t| t["kind"] == "release-start")
    });
    assert_eq!(start["version"], "1.1.0", "{start:#}\n{}", server.log());
    assert_eq!(start["status"], "succeeded", "{start:#}");
    assert!(sandbox.tags("app").contains(&"v1.1.0rc1".to_owned()));
    // Everything the train's own pushes start has run once the server has no event left.
    wait::until("every event to be handled", || {
        let events = server.events();
        let trains = sandbox
            .flotilla(&["release", "list", "--json"])
            .success()
            .json();
        let idle = trains
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "succeeded" || t["status"] == "failed");
        (idle && events.iter().all(|e| e["status"] != "received")).then_some(())
    });
    let rc1_builds: Vec<String> = builds(&sandbox)
        .into_iter()
        .filter(|b| b.ends_with(" 1.1.0rc1"))
        .collect();
    assert_eq!(
        rc1_builds.len(),
        1,
        "{:?}\n{}",
        builds(&sandbox),
        server.log()
    );
}

/// A signed GitHub push captured and sent again under a new `X-GitHub-Delivery` (a header the
/// signature does not cover) is the same delivery: acknowledged as a duplicate, stored and
/// built once.
#[test]
fn a_github_push_replayed_under_a_new_delivery_id_is_a_duplicate_and_builds_once() {
    let (sandbox, server) = setup_without_hook();
    let before = sandbox
        .remote_git("app", &["rev-parse", "master"])
        .trim()
        .to_owned();
    let after = sandbox.push_commit("app", "master", &[("README.md", "# app\n\nv2\n")], "Docs");
    let body = json!({
        "ref": "refs/heads/master", "before": before, "after": after, "created": false,
        "repository": {"id": 1, "name": "app", "full_name": "fleet/app"},
        "pusher": {"name": "octocat"}, "commits": [],
    })
    .to_string();
    let signature = sign(HOOK_SECRET, body.as_bytes());
    let deliver = |delivery: &str| {
        http(
            "POST",
            &server.url("/hooks/git"),
            &[
                ("Content-Type", "application/json"),
                ("X-GitHub-Event", "push"),
                ("X-GitHub-Delivery", delivery),
                ("X-Hub-Signature-256", &signature),
            ],
            Some(body.as_bytes()),
        )
    };

    let first = deliver("11111111-cc78-11e3-81ab-4c9367dc0958");
    assert_eq!(first.status, 200, "{}", first.body);
    let trains = finished_trains(&sandbox, 1);
    assert_eq!(trains[0]["kind"], "push", "{trains:#?}\n{}", server.log());

    let replay = deliver("22222222-cc78-11e3-81ab-4c9367dc0958");
    assert_eq!(replay.status, 200, "acknowledged, so the sender stops");

    // Events are processed in order: once a later delivery is handled, anything the replay
    // might have started has run.
    let marker = json!({"repo": "app", "delivery": "marker-1", "updates": [{
        "ref": "refs/heads/feature-x", "before": before, "after": after}]})
    .to_string();
    let after_replay = http(
        "POST",
        &server.url("/hooks/git"),
        &[(
            "X-Flotilla-Signature-256",
            &sign(HOOK_SECRET, marker.as_bytes()),
        )],
        Some(marker.as_bytes()),
    );
    assert_eq!(after_replay.status, 200, "{}", after_replay.body);
    wait::until("every event to be handled", || {
        let events = server.events();
        (events.iter().any(|e| e["delivery_id"] == "marker-1:0")
            && events.iter().all(|e| e["status"] != "received"))
        .then_some(())
    });
    let trains = finished_trains(&sandbox, 1);
    let events = server.events();
    let github: Vec<&Value> = events.iter().filter(|e| e["source"] == "github").collect();
    assert_eq!(github.len(), 1, "{events:#?}");
    assert_eq!(
        trains.iter().filter(|t| t["kind"] == "push").count(),
        1,
        "{trains:#?}"
    );
    let built = builds(&sandbox);
    assert_eq!(built.len(), 1, "{built:?}\n{}", server.log());
    assert!(built[0].starts_with("push 0.9.0."), "{built:?}");
    // And the answers said so.
    assert_eq!(first.json()["status"], "recorded", "{}", first.body);
    let replay = replay.json();
    assert_eq!(replay["status"], "duplicate", "{replay}");
    assert_eq!(replay["recorded"], json!([]), "{replay}");
}
