//! Notifications reach real HTTP endpoints: a Slack-shaped message per run, a JSON webhook, a
//! train summary; a failing endpoint is retried and never fails the release; webhook URLs (which
//! are secrets) appear nowhere.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::support::fleet;

/// A request the test server received: its path and JSON body.
type Received = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

/// A minimal HTTP/1.1 server on a free local port, in-process and named as such: it records
/// every POST and answers 200, except on paths starting with `/down`, which get 500.
fn test_server() -> (u16, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received: Received = Arc::default();
    let log = Arc::clone(&received);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            let mut length = 0;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
            log.lock().unwrap().push((path.clone(), json));
            let status = if path.starts_with("/down") {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
        }
    });
    (port, received)
}

#[test]
fn runs_and_the_train_are_announced_and_a_failing_endpoint_does_not_fail_the_release() {
    let (port, received) = test_server();
    let mut fleet = fleet()
        .category("svc")
        .section(
            "notifications:\n  \
               - name: team\n    kind: slack\n    url_env: E2E_SLACK\n    on: [success, failure, train]\n  \
               - name: audit\n    kind: webhook\n    url_env: E2E_HOOK\n    on: [success, failure, train]\n  \
               - name: broken\n    kind: webhook\n    url_env: E2E_DOWN\n    on: [train]",
        )
        .repo("a", "svc")
        .repo("b", "svc")
        .build();
    let secret = "T0E2E/B0E2E/hooksecretXYZ";
    fleet.set_env(
        "E2E_SLACK",
        format!("http://127.0.0.1:{port}/slack/{secret}"),
    );
    fleet.set_env("E2E_HOOK", format!("http://127.0.0.1:{port}/hook"));
    fleet.set_env("E2E_DOWN", format!("http://127.0.0.1:{port}/down/{secret}"));

    let out = fleet
        .flotilla(&["release", "start", "1.0.0", "--json"])
        .success();

    let train = out.json()["train"].as_str().unwrap().to_owned();
    let received = received.lock().unwrap().clone();
    let to = |prefix: &str| -> Vec<&serde_json::Value> {
        received
            .iter()
            .filter(|(path, _)| path.starts_with(prefix))
            .map(|(_, body)| body)
            .collect()
    };
    let hook = to("/hook");
    let mut runs: Vec<(&str, &str, &str)> = hook
        .iter()
        .filter(|m| m["type"] == "run")
        .map(|m| {
            (
                m["run"]["repo"].as_str().unwrap(),
                m["run"]["status"].as_str().unwrap(),
                m["run"]["commit"].as_str().unwrap(),
            )
        })
        .collect();
    runs.sort_unstable();
    let release_commit = |repo| fleet.rev(repo, "v1.0.0rc1");
    assert_eq!(
        runs,
        [
            ("a", "success", release_commit("a").as_str()),
            ("b", "success", release_commit("b").as_str()),
        ],
        "one webhook message per run, with the release commit"
    );
    let summaries: Vec<_> = hook.iter().filter(|m| m["type"] == "train").collect();
    assert_eq!(summaries.len(), 1, "one train summary: {hook:#?}");
    assert_eq!(summaries[0]["train"]["train"], train.as_str());
    assert_eq!(summaries[0]["train"]["status"], "succeeded");
    let slack = to("/slack");
    assert_eq!(slack.len(), 3, "two runs and the train: {slack:#?}");
    for message in &slack {
        assert!(message["text"].is_string() && message["blocks"].is_array());
    }
    assert!(
        slack
            .iter()
            .any(|m| m["text"].as_str().unwrap().contains(&train)),
        "the Slack summary names the train"
    );
    assert!(
        to("/down").len() > 1,
        "a failing endpoint is retried: {received:#?}"
    );
    let status = fleet.flotilla(&["release", "status", "--json"]).success();
    for text in [&out.stdout, &out.stderr, &status.stdout] {
        assert!(!text.contains(secret), "the webhook URL leaked:\n{text}");
    }
}

/// A release started again finds every repository released: its runs say "unchanged", not
/// "success", and a target that leaves `unchanged` out of `on` hears nothing of them.
#[test]
fn a_release_started_again_says_it_changed_nothing() {
    let (port, received) = test_server();
    let mut fleet = fleet()
        .category("svc")
        .section(
            "notifications:\n  \
               - name: everything\n    kind: webhook\n    url_env: E2E_HOOK\n  \
               - name: releases-only\n    kind: webhook\n    url_env: E2E_QUIET\n    on: [success, failure]",
        )
        .repo("a", "svc")
        .build();
    fleet.set_env("E2E_HOOK", format!("http://127.0.0.1:{port}/hook"));
    fleet.set_env("E2E_QUIET", format!("http://127.0.0.1:{port}/quiet"));

    for _ in 0..2 {
        fleet
            .flotilla(&["release", "start", "1.0.0", "--json"])
            .success();
    }
    let received = received.lock().unwrap().clone();
    let statuses = |prefix: &str| -> Vec<String> {
        received
            .iter()
            .filter(|(path, body)| path.starts_with(prefix) && body["type"] == "run")
            .map(|(_, body)| body["run"]["status"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(statuses("/hook"), ["success", "unchanged"], "{received:#?}");
    assert_eq!(statuses("/quiet"), ["success"], "{received:#?}");
}
