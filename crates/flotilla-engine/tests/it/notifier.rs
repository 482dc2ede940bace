//! Notifications against a real HTTP listener on loopback (a minimal server written here, since
//! Slack itself cannot be reached from tests).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flotilla_core::fleet::{Notification, NotificationKind, NotifyOn};
use flotilla_engine::RunOutcome;
use flotilla_engine::notifier::{
    Delivery, DeployReport, Message, Notifier, RunReport, TrainReport,
};
use flotilla_store::{DeploymentStatus, RunStatus, TrainKind, TrainStatus};

/// Answers each request with the next status of `statuses` and keeps the bodies.
fn serve(statuses: Vec<u16>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&bodies);
    std::thread::spawn(move || {
        for status in statuses {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            seen.lock().unwrap().push(String::from_utf8(body).unwrap());
            let mut stream = reader.into_inner();
            write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            .unwrap();
        }
    });
    (url, bodies)
}

fn report(status: RunOutcome) -> Message {
    Message::Run(RunReport {
        repo: "identity".into(),
        message: "[CI/CD] release version v1.0.0".into(),
        commit: "0123abcd".into(),
        author: "flotilla".into(),
        action: "tag".into(),
        event: "tag".into(),
        git_ref: "release-1.0.0".into(),
        workflow: "train 01ABC".into(),
        job: "identity".into(),
        took_secs: 1.5,
        status,
        version: "1.0.0".into(),
    })
}

fn target(env: &str, kind: NotificationKind) -> Notification {
    Notification {
        name: "team".into(),
        kind,
        url_env: env.into(),
        on: vec![NotifyOn::Success, NotifyOn::Failure, NotifyOn::Train],
    }
}

#[test]
fn slack_card_carries_the_original_fields_and_retries_server_errors() {
    let (url, bodies) = serve(vec![500, 503, 200]);
    let notifier = Notifier::new(vec![target("SLACK_URL", NotificationKind::Slack)])
        .with_lookup(env("SLACK_URL", url))
        .with_retries(4, Duration::from_millis(10));
    let deliveries = notifier.send(&report(RunOutcome::Success));
    assert_eq!(
        deliveries,
        vec![Delivery::Sent {
            target: "team".into()
        }]
    );
    let bodies = bodies.lock().unwrap();
    assert_eq!(bodies.len(), 3, "two failures then success");
    let card: serde_json::Value = serde_json::from_str(&bodies[2]).unwrap();
    let text = card.to_string();
    for field in [
        "repo",
        "message",
        "commit",
        "author",
        "action",
        "eventName",
        "ref",
        "workflow",
        "job",
        "took",
    ] {
        assert!(
            text.contains(&format!("*{field}*")),
            "{field} missing in {text}"
        );
    }
    assert!(card["text"].as_str().unwrap().contains("identity"));
}

#[test]
fn a_failed_notification_is_reported_not_raised() {
    let (url, bodies) = serve(vec![404]);
    let notifier = Notifier::new(vec![target("HOOK_URL", NotificationKind::Webhook)])
        .with_lookup(env("HOOK_URL", url))
        .with_retries(3, Duration::from_millis(10));
    let deliveries = notifier.send(&report(RunOutcome::Failure));
    assert!(matches!(&deliveries[..], [Delivery::Failed { reason, .. }] if reason.contains("404")));
    assert_eq!(bodies.lock().unwrap().len(), 1, "a 4xx is not retried");
    let webhook: serde_json::Value = serde_json::from_str(&bodies.lock().unwrap()[0]).unwrap();
    assert_eq!(webhook["type"], "run");
    assert_eq!(webhook["run"]["status"], "failure");
}

#[test]
fn an_unset_url_variable_skips_and_the_url_never_appears_in_reasons() {
    let notifier =
        Notifier::new(vec![target("UNSET_HOOK", NotificationKind::Slack)]).with_lookup(|_| None);
    let deliveries = notifier.send(&report(RunOutcome::Success));
    assert!(
        matches!(&deliveries[..], [Delivery::Skipped { reason, .. }] if reason.contains("UNSET_HOOK"))
    );

    // A closed port: the failure reason must not contain the secret URL's path.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let secret = format!("http://127.0.0.1:{port}/services/T000/B000/SECRETTOKEN");
    let notifier = Notifier::new(vec![target("SLACK_URL", NotificationKind::Slack)])
        .with_lookup(env("SLACK_URL", secret))
        .with_retries(2, Duration::from_millis(5));
    let deliveries = notifier.send(&report(RunOutcome::Success));
    let Delivery::Failed { reason, .. } = &deliveries[0] else {
        panic!("{deliveries:?}")
    };
    assert!(!reason.contains("SECRETTOKEN"), "{reason}");
}

#[test]
fn typed_statuses_serialize_to_the_stored_text() {
    let train = Message::Train(TrainReport {
        train: "01ABC".into(),
        kind: TrainKind::Tag,
        version: "1.0.0".into(),
        status: TrainStatus::Partial,
        took_secs: 2.0,
        repos: vec![
            ("a".into(), RunStatus::Succeeded),
            ("b".into(), RunStatus::Blocked),
            ("c".into(), RunStatus::Failed),
        ],
    });
    assert_eq!(
        train.webhook_payload(),
        serde_json::json!({"type": "train", "train": {
            "train": "01ABC", "kind": "tag", "version": "1.0.0", "status": "partial",
            "took_secs": 2.0,
            "repos": [["a", "succeeded"], ["b", "blocked"], ["c", "failed"]]
        }})
    );
    assert_eq!(
        train.slack_payload()["text"],
        "❌ train 01ABC tag 1.0.0: partial (2.0s)"
    );
    assert_eq!(
        train.slack_payload()["blocks"][1]["text"]["text"],
        "✅ a\n⏸ b\n❌ c"
    );

    let deploy = Message::Deploy(DeployReport {
        id: "01DEP".into(),
        service: "identity".into(),
        environment: "prod".into(),
        version: "1.0.0".into(),
        status: DeploymentStatus::Pending,
        trigger: "registry poll".into(),
        approved_by: None,
        error: None,
    });
    assert_eq!(deploy.webhook_payload()["deploy"]["status"], "pending");
    assert_eq!(
        deploy.slack_payload()["text"],
        "⏳ identity 1.0.0 → prod: pending"
    );
    assert!(
        deploy.slack_payload()["blocks"][1]["elements"][0]["text"]
            .as_str()
            .unwrap()
            .ends_with("approve: flotilla deploy approve 01DEP")
    );
    assert_eq!(
        report(RunOutcome::Success).slack_payload()["text"],
        "✅ identity tag 1.0.0: success"
    );
}

/// A stand-in for the process environment holding one variable.
fn env(name: &'static str, value: String) -> impl Fn(&str) -> Option<String> + Send + Sync {
    move |asked| (asked == name).then(|| value.clone())
}
