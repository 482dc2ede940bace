//! A real `git push` into a bare repository with the installed hook reaches the server, starts
//! the repository's master-push flow, and a graceful shutdown lets that flow finish.

use std::os::unix::fs::PermissionsExt as _;

use flotilla_engine::FleetEvent;
use flotilla_server::{ServerError, install_hook_with_secret};
use flotilla_store::{EventStatus, TrainKind};
use flotilla_testkit::{free_port, wait};
use serde_json::Value;

use crate::support::{GIT, HOOK_SECRET, TestServer, all_events, demo_fleet, hook_secret};

#[tokio::test(flavor = "multi_thread")]
async fn a_push_through_the_installed_hook_starts_the_master_push_flow() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = demo_fleet(dir.path());
    let server = TestServer::start(&manifest).await;
    let bare = dir.path().join("remotes/identity.git");
    let hook = install_hook_with_secret(&bare, &server.url, &hook_secret(), "identity").unwrap();
    assert_eq!(hook.metadata().unwrap().permissions().mode() & 0o777, 0o755);
    let secret_file = bare.join("hooks/flotilla-secret");
    assert_eq!(
        secret_file.metadata().unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(
        !std::fs::read_to_string(&hook)
            .unwrap()
            .contains(HOOK_SECRET)
    );

    let work = dir.path().join("work");
    GIT.output(
        dir.path(),
        &["clone", "--quiet", &bare.display().to_string(), "work"],
    );
    std::fs::write(work.join("CHANGE.md"), "a change\n").unwrap();
    GIT.output(&work, &["add", "CHANGE.md"]);
    GIT.output(&work, &["commit", "--quiet", "-m", "A change"]);
    GIT.output(&work, &["branch", "feature-x"]);
    let push = GIT.output(&work, &["push", "origin", "master", "feature-x"]);
    let stderr = String::from_utf8_lossy(&push.stderr);
    assert!(!stderr.contains("flotilla:"), "the hook warned: {stderr}");
    let head = String::from_utf8(GIT.output(&work, &["rev-parse", "HEAD"]).stdout).unwrap();

    // The delivery was stored before the hook's curl got its answer, so both events are there.
    let events = all_events(&server.store).await;
    assert_eq!(events.len(), 2, "{events:?}");
    let master = events
        .iter()
        .find(|e| e.payload["git_ref"] == "refs/heads/master")
        .unwrap();
    assert_eq!(master.source, "git");
    let stored: FleetEvent = serde_json::from_value(master.payload.clone()).unwrap();
    let FleetEvent::GitPush { repo, after, .. } = stored else {
        panic!("{stored:?}")
    };
    assert_eq!(repo, "identity");
    assert_eq!(after, head.trim());

    // Shut down while the flow runs: the worker finishes it first.
    wait::until_async("a train to start", || async {
        (!server.store.list_trains(10).await.unwrap().is_empty()).then_some(())
    })
    .await;
    let store = server.store.clone();
    server.stop().await;
    let trains = store.list_trains(10).await.unwrap();
    assert_eq!(trains.len(), 1);
    assert_eq!(trains[0].kind, TrainKind::Push);
    assert!(
        trains[0].version.starts_with("identity@"),
        "{}",
        trains[0].version
    );
    assert!(
        !trains[0].status.is_active(),
        "shutdown left the train {}",
        trains[0].status
    );
    let master = store
        .events_by_status(EventStatus::Received, 10)
        .await
        .unwrap();
    assert!(
        master
            .iter()
            .all(|e| e.payload["git_ref"] != "refs/heads/master"),
        "the event being processed at shutdown was not finished"
    );

    // The next start handles whatever was still queued, and starts nothing twice.
    let server = TestServer::start(&manifest).await;
    let events = server.wait_handled(2).await;
    assert_eq!(events.len(), 2);
    let trains = server.store.list_trains(10).await.unwrap();
    assert_eq!(trains.len(), 1);

    // The API shows the train, its run, steps and logs.
    let train_id = trains[0].id.to_string();
    let listed: Value = server
        .api(reqwest::Method::GET, "/trains")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["id"], train_id.as_str());
    assert!(
        listed[0].get("request").is_none(),
        "listings leave out the stored plan"
    );
    let prefix = &train_id[..12];
    let summary: Value = server
        .api(reqwest::Method::GET, &format!("/trains/{prefix}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(summary["runs"][0]["repo"], "identity");
    let run = summary["runs"][0]["run"].as_str().unwrap().to_owned();
    let steps: Value = server
        .api(reqwest::Method::GET, &format!("/runs/{run}/steps"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let steps = steps.as_array().unwrap();
    assert!(!steps.is_empty());
    let logs: Value = server
        .api(reqwest::Method::GET, &format!("/runs/{run}/logs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let logs = logs.as_array().unwrap();
    assert_eq!(logs.len(), steps.len());
    assert!(logs.iter().any(|l| l["log"].is_string()), "{logs:?}");
    server.stop().await;
}

#[test]
fn installing_keeps_a_foreign_hook_and_replaces_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("r.git");
    GIT.output(dir.path(), &["init", "--quiet", "--bare", "r.git"]);
    let hook = install_hook_with_secret(&bare, "http://127.0.0.1:9", &hook_secret(), "r").unwrap();
    assert!(
        std::fs::read_to_string(&hook)
            .unwrap()
            .contains("url='http://127.0.0.1:9/hooks/git'")
    );
    let again =
        install_hook_with_secret(&bare, "http://127.0.0.1:10/", &hook_secret(), "r").unwrap();
    assert!(
        std::fs::read_to_string(&again)
            .unwrap()
            .contains("url='http://127.0.0.1:10/hooks/git'")
    );

    std::fs::write(&hook, "#!/bin/sh\necho mine\n").unwrap();
    let err =
        install_hook_with_secret(&bare, "http://127.0.0.1:9", &hook_secret(), "r").unwrap_err();
    assert!(matches!(err, ServerError::ForeignHook { .. }), "{err}");
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho mine\n"
    );

    let err = install_hook_with_secret(dir.path(), "http://h", &hook_secret(), "r").unwrap_err();
    assert!(
        matches!(err, ServerError::NotBareRepository { .. }),
        "{err}"
    );
    let err = install_hook_with_secret(&bare, "http://h", &hook_secret(), "R'; id").unwrap_err();
    assert!(matches!(err, ServerError::InvalidRepoName { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_with_the_server_down_only_warns() {
    let dir = tempfile::tempdir().unwrap();
    GIT.output(dir.path(), &["init", "--quiet", "--bare", "r.git"]);
    let bare = dir.path().join("r.git");
    // A port nobody listens on.
    let port = free_port();
    install_hook_with_secret(
        &bare,
        &format!("http://127.0.0.1:{port}"),
        &hook_secret(),
        "r",
    )
    .unwrap();
    GIT.output(dir.path(), &["clone", "--quiet", "r.git", "work"]);
    let work = dir.path().join("work");
    GIT.output(
        &work,
        &["commit", "--quiet", "--allow-empty", "-m", "first"],
    );
    let push = GIT.output(&work, &["push", "origin", "HEAD:refs/heads/master"]);
    let stderr = String::from_utf8_lossy(&push.stderr);
    assert!(
        stderr.contains("flotilla:") && stderr.contains("the push succeeded"),
        "{stderr}"
    );
    let pushed = GIT.output(&bare, &["rev-parse", "refs/heads/master"]);
    assert!(!pushed.stdout.is_empty());
}

/// The hook signs in the shell: the secret is never an argument of a program it starts (which
/// every local user could read in /proc), and the signature is the HMAC the server expects, for
/// secrets with bytes that are awkward in sh (`6` XORs to NUL with the inner pad; `%`, `\`,
/// quotes) and for one longer than SHA-256's block, which HMAC hashes first.
#[test]
fn the_hook_signs_without_showing_the_secret_to_other_processes() {
    let dir = tempfile::tempdir().unwrap();
    // Shims in front of the real programs: openssl logs its arguments and runs; curl records
    // what it would send.
    let shims = dir.path().join("shims");
    std::fs::create_dir(&shims).unwrap();
    let openssl = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v openssl"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let log = dir.path().join("argv.log");
    let sent = dir.path().join("sent");
    for (name, script) in [
        (
            "openssl",
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >>'{}'\nexec {} \"$@\"\n",
                log.display(),
                openssl.trim()
            ),
        ),
        (
            "curl",
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >>'{log}'\ncat >'{sent}.body'\n\
                 for arg in \"$@\"; do case $arg in X-Flotilla-Signature-256:*) \
                 printf '%s' \"${{arg#*sha256=}}\" >'{sent}.signature';; esac; done\n",
                log = log.display(),
                sent = sent.display()
            ),
        ),
    ] {
        let path = shims.join(name);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", shims.display(), std::env::var("PATH").unwrap());
    let long_secret = "k".repeat(100);
    for (index, secret) in ["6666666666666666%s\\\"'x", long_secret.as_str()]
        .into_iter()
        .enumerate()
    {
        let bare = dir.path().join(format!("r{index}.git"));
        GIT.output(
            dir.path(),
            &["init", "--quiet", "--bare", &bare.display().to_string()],
        );
        let hook = install_hook_with_secret(
            &bare,
            "http://127.0.0.1:9/hooks/git",
            &flotilla_server::Secret::new("HOOK", secret).unwrap(),
            "r",
        )
        .unwrap();
        let before = "0".repeat(40);
        let after = "a".repeat(40);
        let mut child = std::process::Command::new(&hook)
            .env("PATH", &path)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(
            child.stdin.as_mut().unwrap(),
            format!("{before} {after} refs/heads/master\n").as_bytes(),
        )
        .unwrap();
        assert!(child.wait().unwrap().success());

        let body = std::fs::read_to_string(format!("{}.body", sent.display())).unwrap();
        assert!(body.contains(&after), "{body}");
        let signature = std::fs::read_to_string(format!("{}.signature", sent.display())).unwrap();
        assert_eq!(
            format!("sha256={signature}"),
            crate::support::sign(secret, &body),
            "secret #{index}"
        );
        let argv = std::fs::read_to_string(&log).unwrap();
        assert!(argv.contains("dgst"), "openssl was not used: {argv}");
        assert!(!argv.contains(secret), "the secret reached an argv: {argv}");
    }
}
