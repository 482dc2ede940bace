//! Slack and generic JSON webhooks. A notification that cannot be delivered is logged and
//! dropped: it never fails a release.

use std::time::Duration;

use flotilla_core::RetryPolicy;
use flotilla_core::fleet::{Notification, NotificationKind, NotifyOn};
use flotilla_store::{DeploymentStatus, RunStatus, TrainKind, TrainStatus};
use serde::Serialize;

use crate::redactor::redact_url_credentials;
use crate::run_outcome::RunOutcome;

/// One run's outcome, with the fields of the original's Slack card (REFERENCE.md §A, "Slack").
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub repo: String,
    pub message: String,
    pub commit: String,
    pub author: String,
    pub action: String,
    pub event: String,
    pub git_ref: String,
    pub workflow: String,
    pub job: String,
    pub took_secs: f64,
    pub status: RunOutcome,
    pub version: String,
}

/// A train's summary: one notification for the whole fan-out.
#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    pub train: String,
    pub kind: TrainKind,
    pub version: String,
    pub status: TrainStatus,
    pub took_secs: f64,
    /// (repository, status) in wave order.
    pub repos: Vec<(String, RunStatus)>,
}

/// A deployment's state change: pending approval, done, failed, rejected.
#[derive(Debug, Clone, Serialize)]
pub struct DeployReport {
    pub id: String,
    pub service: String,
    pub environment: String,
    pub version: String,
    pub status: DeploymentStatus,
    pub trigger: String,
    pub approved_by: Option<String>,
    pub error: Option<String>,
}

/// What is sent.
#[derive(Debug, Clone)]
pub enum Message {
    Run(RunReport),
    Train(TrainReport),
    Deploy(DeployReport),
}

impl Message {
    fn wanted_by(&self, on: &[NotifyOn]) -> bool {
        match self {
            Self::Run(run) => match run.status {
                RunOutcome::Success => on.contains(&NotifyOn::Success),
                RunOutcome::Failure => on.contains(&NotifyOn::Failure),
                RunOutcome::Unchanged => on.contains(&NotifyOn::Unchanged),
            },
            Self::Train(_) => on.contains(&NotifyOn::Train),
            Self::Deploy(_) => on.contains(&NotifyOn::Deploy),
        }
    }

    /// Slack incoming-webhook payload (Block Kit, with a plain `text` fallback).
    pub fn slack_payload(&self) -> serde_json::Value {
        match self {
            Self::Run(run) => {
                let icon = match run.status {
                    RunOutcome::Success => "✅",
                    RunOutcome::Failure => "❌",
                    RunOutcome::Unchanged => "⏭",
                };
                let fields = [
                    ("repo", &run.repo),
                    ("message", &run.message),
                    ("commit", &run.commit),
                    ("author", &run.author),
                    ("action", &run.action),
                    ("eventName", &run.event),
                    ("ref", &run.git_ref),
                    ("workflow", &run.workflow),
                    ("job", &run.job),
                    ("version", &run.version),
                ]
                .iter()
                .map(|(k, v)| serde_json::json!({"type": "mrkdwn", "text": format!("*{k}*\n{v}")}))
                .chain(std::iter::once(serde_json::json!({
                    "type": "mrkdwn", "text": format!("*took*\n{:.1}s", run.took_secs)
                })))
                .collect::<Vec<_>>();
                let title = format!(
                    "{icon} {} {} {}: {}",
                    run.repo, run.action, run.version, run.status
                );
                serde_json::json!({
                    "text": title,
                    "blocks": [
                        {"type": "section", "text": {"type": "mrkdwn", "text": title}},
                        // Slack allows at most 10 fields per section.
                        {"type": "section", "fields": fields[..10]},
                        {"type": "context", "elements": [fields[10].clone()]}
                    ]
                })
            }
            Self::Deploy(deploy) => {
                let title = Self::deploy_title(deploy);
                let mut context = format!("trigger: {} · id: {}", deploy.trigger, deploy.id);
                if let Some(by) = &deploy.approved_by {
                    context.push_str(&format!(" · approved by {by}"));
                }
                if deploy.status == DeploymentStatus::Pending {
                    context.push_str(&format!(
                        " · approve: flotilla deploy approve {}",
                        deploy.id
                    ));
                }
                serde_json::json!({
                    "text": title,
                    "blocks": [
                        {"type": "section", "text": {"type": "mrkdwn", "text": title}},
                        {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]}
                    ]
                })
            }
            Self::Train(train) => {
                let lines: Vec<String> = train
                    .repos
                    .iter()
                    .map(|(repo, status)| format!("{} {repo}", run_icon(*status)))
                    .collect();
                let title = format!(
                    "{} train {} {} {}: {} ({:.1}s)",
                    train_icon(train.status),
                    train.train,
                    train.kind,
                    train.version,
                    train.status,
                    train.took_secs
                );
                serde_json::json!({
                    "text": title,
                    "blocks": [
                        {"type": "section", "text": {"type": "mrkdwn", "text": title}},
                        {"type": "section", "text": {"type": "mrkdwn", "text": lines.join("\n")}}
                    ]
                })
            }
        }
    }

    fn deploy_title(deploy: &DeployReport) -> String {
        let icon = match deploy.status {
            DeploymentStatus::Succeeded => "🚀",
            DeploymentStatus::Pending => "⏳",
            _ => "❌",
        };
        format!(
            "{icon} {} {} → {}: {}{}",
            deploy.service,
            deploy.version,
            deploy.environment,
            deploy.status,
            deploy
                .error
                .as_deref()
                .map(|e| format!(" ({})", e.lines().next().unwrap_or_default()))
                .unwrap_or_default()
        )
    }

    /// Generic webhook payload: the report itself.
    pub fn webhook_payload(&self) -> serde_json::Value {
        match self {
            Self::Run(run) => serde_json::json!({"type": "run", "run": run}),
            Self::Train(train) => serde_json::json!({"type": "train", "train": train}),
            Self::Deploy(deploy) => serde_json::json!({"type": "deploy", "deploy": deploy}),
        }
    }
}

fn run_icon(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Succeeded => "✅",
        RunStatus::Blocked | RunStatus::Skipped => "⏸",
        RunStatus::Pending | RunStatus::Running | RunStatus::Failed | RunStatus::Cancelled => "❌",
    }
}

fn train_icon(status: TrainStatus) -> &'static str {
    match status {
        TrainStatus::Succeeded => "✅",
        TrainStatus::Pending
        | TrainStatus::Running
        | TrainStatus::Failed
        | TrainStatus::Cancelled
        | TrainStatus::Partial => "❌",
    }
}

/// Reads a webhook URL from the environment variable the manifest names.
type UrlLookup = std::sync::Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Delivers messages to the manifest's notification targets.
#[derive(Clone)]
pub struct Notifier {
    targets: Vec<Notification>,
    retry: RetryPolicy,
    lookup: UrlLookup,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("targets", &self.targets)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// What happened to one delivery, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent { target: String },
    Skipped { target: String, reason: String },
    Failed { target: String, reason: String },
}

impl Notifier {
    pub fn new(targets: Vec<Notification>) -> Self {
        Self {
            targets,
            // Four attempts over a few seconds: a webhook that is down longer misses the message.
            retry: RetryPolicy::new(4, Duration::from_secs(1), Duration::from_secs(4)),
            lookup: std::sync::Arc::new(|name| std::env::var(name).ok()),
        }
    }

    /// Reads URLs through `lookup` instead of the process environment (tests, embedding).
    #[must_use]
    pub fn with_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.lookup = std::sync::Arc::new(lookup);
        self
    }

    /// Shorter retries, for tests: `attempts` in all, backing off from `backoff`.
    #[must_use]
    pub fn with_retries(mut self, attempts: u32, backoff: Duration) -> Self {
        self.retry = RetryPolicy::new(attempts.max(1), backoff, backoff.saturating_mul(8));
        self
    }

    /// Sends `message` to every target that wants it. Never fails: outcomes are returned and
    /// logged.
    /// Whether any target is configured: without one, nothing needs to gather a message.
    pub fn is_silent(&self) -> bool {
        self.targets.is_empty()
    }

    pub fn send(&self, message: &Message) -> Vec<Delivery> {
        self.targets
            .iter()
            .filter(|t| message.wanted_by(&t.on))
            .map(|target| {
                let delivery = self.deliver(target, message);
                match &delivery {
                    Delivery::Sent { target } => tracing::info!(%target, "notification sent"),
                    Delivery::Skipped { target, reason } => {
                        tracing::warn!(%target, %reason, "notification skipped");
                    }
                    Delivery::Failed { target, reason } => {
                        tracing::warn!(%target, %reason, "notification failed; the release goes on");
                    }
                }
                delivery
            })
            .collect()
    }

    fn deliver(&self, target: &Notification, message: &Message) -> Delivery {
        let name = target.name.clone();
        let Some(url) = (self.lookup)(&target.url_env) else {
            return Delivery::Skipped {
                target: name,
                reason: format!("environment variable {} is not set", target.url_env),
            };
        };
        let payload = match target.kind {
            NotificationKind::Slack => message.slack_payload(),
            NotificationKind::Webhook => message.webhook_payload(),
        };
        let client = match reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
        {
            Ok(client) => client,
            Err(err) => {
                return Delivery::Failed {
                    target: name,
                    reason: err.to_string(),
                };
            }
        };
        let mut made = 0;
        let last_error = loop {
            made += 1;
            let error = match client.post(&url).json(&payload).send() {
                Ok(response) if response.status().is_success() => {
                    return Delivery::Sent { target: name };
                }
                Ok(response) if response.status().is_client_error() => {
                    // The URL or payload is wrong; retrying will not help.
                    return Delivery::Failed {
                        target: name,
                        reason: format!("the webhook answered {}", response.status()),
                    };
                }
                Ok(response) => format!("the webhook answered {}", response.status()),
                // reqwest errors can include the URL, which for Slack is the secret itself.
                Err(err) => redact_url_credentials(&err.without_url().to_string()).into_owned(),
            };
            if !self.retry.allows_another(made) {
                break error;
            }
            std::thread::sleep(self.retry.delay(made));
        };
        Delivery::Failed {
            target: name,
            reason: format!("{last_error} after {made} attempts"),
        }
    }
}
