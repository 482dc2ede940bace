//! The notifications a train sends: one per run, one for the train.

use std::sync::Arc;
use std::time::Instant;

use flotilla_core::plan::{RepoRun, Step};
use flotilla_store::Train;

use crate::notifier::{Message, RunReport, TrainReport};
use crate::run_outcome::RunOutcome;
use crate::steps::run_context::RunContext;
use crate::train::train_services::TrainServices;
use crate::train::train_summary::TrainSummary;

/// Tells the notification targets how a run ended, with the commit it released.
pub async fn notify_run(
    services: &TrainServices,
    train: &Train,
    run_plan: &RepoRun,
    context: &Arc<RunContext>,
    started: Instant,
    status: RunOutcome,
) {
    if services.notifier.is_silent() {
        return;
    }
    let status = match status {
        RunOutcome::Success if did_nothing(run_plan) => RunOutcome::Unchanged,
        other => other,
    };
    let ctx = Arc::clone(context);
    let info = tokio::task::spawn_blocking(move || ctx.work.commit_info(&ctx.release_rev()).ok())
        .await
        .ok()
        .flatten();
    let report = Message::Run(RunReport {
        repo: run_plan.repo.clone(),
        message: info.as_ref().map(|i| i.subject.clone()).unwrap_or_default(),
        commit: info.as_ref().map(|i| i.oid.to_string()).unwrap_or_default(),
        author: info
            .as_ref()
            .map(|i| i.author_name.clone())
            .unwrap_or_default(),
        action: train.kind.to_string(),
        event: run_plan.event.as_str().to_owned(),
        git_ref: run_plan.source.clone(),
        workflow: format!("train {}", train.id),
        job: run_plan.repo.clone(),
        took_secs: started.elapsed().as_secs_f64(),
        status,
        version: run_plan.version.clone(),
    });
    send(services, report).await;
}

/// Whether the run was planned with nothing to do but notify: the world already held all it
/// would have made.
fn did_nothing(run_plan: &RepoRun) -> bool {
    run_plan
        .steps
        .iter()
        .all(|step| matches!(step, Step::Notify { .. }))
}

/// Tells the notification targets how the train ended.
pub async fn notify_train(services: &TrainServices, summary: &TrainSummary, started: Instant) {
    let report = Message::Train(TrainReport {
        train: summary.train.clone(),
        kind: summary.kind,
        version: summary.version.clone(),
        status: summary.status,
        took_secs: started.elapsed().as_secs_f64(),
        repos: summary
            .runs
            .iter()
            .map(|r| (r.repo.clone(), r.status))
            .collect(),
    });
    send(services, report).await;
}

async fn send(services: &TrainServices, report: Message) {
    let notifier = services.notifier.clone();
    drop(tokio::task::spawn_blocking(move || notifier.send(&report)).await);
}
