//! `flotilla release`, `push`, `status` and `logs`: trains and what they left.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use flotilla_core::plan::Request;
use flotilla_engine::{DriverState, Engine, ProgressSink, TrainCancel, TrainSummary, Workspace};
use flotilla_store::TrainStatus;

use crate::cli::ReleaseCommand;
use crate::cmd::audit_trail::audit_entry;
use crate::failure::{Failure, Outcome};
use crate::output;

/// Opens the workspace of the manifest and an engine whose Ctrl-C stops running steps.
pub async fn engine(manifest: &Path, json: bool) -> Result<Engine, Failure> {
    let (engine, cancel) = engine_without_signals(manifest, json).await?;
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::warn!(
                "interrupted: stopping running steps; `flotilla release resume` continues"
            );
            cancel.store(true, Ordering::SeqCst);
        }
    });
    // What the CLI starts is started by the local user (four-eyes, the audit log).
    Ok(engine.acting_as(crate::local_user::local_user()))
}

/// An engine whose cancel flag the caller owns (`flotilla serve` finishes running work on the
/// first signal and cancels only on a second).
pub async fn engine_without_signals(
    manifest: &Path,
    json: bool,
) -> Result<(Engine, Arc<AtomicBool>), Failure> {
    let fleet = crate::fleet_file::load_fleet(manifest)?;
    let workspace = Workspace::open(fleet, manifest)
        .await
        .map_err(Failure::failed)?;
    let cancel = Arc::new(AtomicBool::new(false));
    let engine = Engine::new(workspace, progress_sink(json), Arc::clone(&cancel));
    Ok((engine, cancel))
}

pub async fn run(command: &ReleaseCommand, manifest: &Path, json: bool) -> Outcome {
    let engine = engine(manifest, json).await?;
    match command {
        ReleaseCommand::Request(request) => {
            let request = request.to_request().map_err(Failure::input)?;
            start(&engine, &request, json).await
        }
        ReleaseCommand::Status { train } => {
            let train = find_train(&engine, train.as_deref()).await?;
            let summary = engine.summary(&train).await.map_err(Failure::failed)?;
            print_summary(&summary, json)
        }
        ReleaseCommand::Resume { train } => {
            let train = find_train(&engine, train.as_deref()).await?;
            let store = &*engine.workspace().store;
            audit_entry(store, "train.resume", train.id.as_str(), None).await?;
            let summary = engine
                .resume(train.id.as_str())
                .await
                .map_err(Failure::failed)?;
            finish(&summary, json)
        }
        ReleaseCommand::Retry { train, repo } => {
            let found = engine
                .workspace()
                .store
                .train(train)
                .await
                .map_err(Failure::failed)?;
            let detail = serde_json::json!({ "repo": repo });
            let store = &*engine.workspace().store;
            audit_entry(store, "train.retry", found.id.as_str(), Some(detail)).await?;
            let summary = engine.retry(train, repo).await.map_err(Failure::failed)?;
            finish(&summary, json)
        }
        ReleaseCommand::Cancel { train } => {
            let train = find_train(&engine, train.as_deref()).await?;
            cancel(&engine, &train, json).await
        }
        ReleaseCommand::List { limit } => {
            let trains = engine
                .train_overviews(*limit)
                .await
                .map_err(Failure::failed)?;
            if json {
                return output::json(&trains);
            }
            let mut table =
                output::Table::new(&["train", "kind", "version", "status", "created", "driver"]);
            for overview in trains {
                let train = overview.train;
                table.row(vec![
                    train.id.to_string(),
                    train.kind.to_string(),
                    train.version,
                    train.status.to_string(),
                    train.created_at.to_string(),
                    overview.driver.map(|d| d.to_string()).unwrap_or_default(),
                ]);
            }
            table.print();
            Ok(())
        }
    }
}

pub async fn start(engine: &Engine, request: &Request, json: bool) -> Outcome {
    let summary = engine.start(request).await.map_err(Failure::engine)?;
    finish(&summary, json)
}

/// How long `release cancel` waits for a driver to stop the train it was asked to cancel.
const CANCEL_PATIENCE: std::time::Duration = std::time::Duration::from_mins(1);

/// Cancels the train: at once when no live process drives it; else by a request that its
/// driver, on any machine, acts on within about a second (its running command is stopped, as
/// Ctrl-C would). Waits until that driver has let the train go.
async fn cancel(engine: &Engine, train: &flotilla_engine::Train, json: bool) -> Outcome {
    let store = &engine.workspace().store;
    let by = crate::local_user::local_user();
    let outcome = engine
        .cancel(train.id.as_str(), &by)
        .await
        .map_err(Failure::engine)?;
    let detail = serde_json::json!({
        "version": train.version,
        "driven": matches!(outcome, TrainCancel::Requested { .. }),
    });
    audit_entry(&**store, "train.cancel", train.id.as_str(), Some(detail)).await?;
    let driver = match outcome {
        TrainCancel::Cancelled { train } => {
            return cancelled(&train, "no process was driving it", json);
        }
        TrainCancel::Requested { driver, .. } => driver,
    };
    output::progress(&format!(
        "asked pid {} on {}, the driver of train {}, to stop it; waiting",
        driver.pid, driver.host, train.id
    ));
    let asked = std::time::Instant::now();
    loop {
        let now = store
            .train(train.id.as_str())
            .await
            .map_err(Failure::failed)?;
        let still = DriverState::of(&**store, &now)
            .await
            .map_err(Failure::failed)?
            .is_some_and(|s| {
                s.live && s.pid == Some(driver.pid) && s.host.as_deref() == Some(&*driver.host)
            });
        if !still {
            return cancelled(&now, &format!("stopped by pid {}", driver.pid), json);
        }
        if asked.elapsed() > CANCEL_PATIENCE {
            return Err(Failure::failed(format!(
                "pid {} on {} has not stopped train {} within {} s of the request",
                driver.pid,
                driver.host,
                train.id,
                CANCEL_PATIENCE.as_secs()
            ))
            .with_help(format!(
                "the request stays: the driver stops the train when it next looks (about every \
                 second) unless it cannot reach the state database; `flotilla release status {}` \
                 shows where it is",
                train.id
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn cancelled(train: &flotilla_engine::Train, how: &str, json: bool) -> Outcome {
    if json {
        return output::json(&serde_json::json!({
            "id": train.id,
            "status": train.status,
            "how": how,
        }));
    }
    output::line(format!("train {} {} ({how})", train.id, train.status));
    Ok(())
}

async fn find_train(
    engine: &Engine,
    train: Option<&str>,
) -> Result<flotilla_engine::Train, Failure> {
    let store = &engine.workspace().store;
    match train {
        Some(id) => store.train(id).await.map_err(Failure::input),
        None => store
            .latest_train()
            .await
            .map_err(Failure::failed)?
            .ok_or_else(|| {
                Failure::input(
                    "no train has run here yet; start one with `flotilla release start X.Y.Z`",
                )
            }),
    }
}

/// Prints the summary; a train that did not succeed is a failed command.
fn finish(summary: &TrainSummary, json: bool) -> Outcome {
    print_summary(summary, json)?;
    if summary.status == TrainStatus::Succeeded {
        Ok(())
    } else {
        Err(Failure::failed(format!(
            "train {} {}; fix the cause, then `flotilla release resume {}`",
            summary.train, summary.status, summary.train
        )))
    }
}

pub fn print_summary(summary: &TrainSummary, json: bool) -> Outcome {
    if json {
        return output::json(summary);
    }
    output::line(format!(
        "train {} ({} {}): {}",
        summary.train, summary.kind, summary.version, summary.status
    ));
    if let Some(driver) = &summary.driver {
        output::line(driver_line(driver, &summary.train));
    }
    let mut table = output::Table::new(&[
        "wave",
        "repository",
        "version",
        "status",
        "last step",
        "error",
    ]);
    for run in &summary.runs {
        table.row(vec![
            (run.wave + 1).to_string(),
            run.repo.clone(),
            run.version.clone(),
            run.status.to_string(),
            run.last_step.clone().unwrap_or_default(),
            run.error
                .as_deref()
                .map(|e| e.lines().next().unwrap_or_default().to_owned())
                .unwrap_or_default(),
        ]);
    }
    table.print();
    Ok(())
}

/// Who drives an active train; for a train nobody drives, how to finish it.
fn driver_line(driver: &DriverState, train: &str) -> String {
    if driver.live {
        driver.to_string()
    } else {
        format!("{driver}: its process died; `flotilla release resume {train}` finishes it")
    }
}

/// Progress on stderr: bars on a terminal, plain lines (or JSON lines with --log-format json)
/// otherwise; nothing with --json.
fn progress_sink(json: bool) -> ProgressSink {
    if json {
        return flotilla_engine::progress::silent();
    }
    // Bars move the cursor with escapes: only where escapes are wanted.
    if std::io::stderr().is_terminal()
        && crate::color_choice::ColorChoice::current().escapes_on_stderr()
        && crate::log_format::LogFormat::current() == crate::log_format::LogFormat::Text
    {
        crate::progress_bars::sink()
    } else {
        Arc::new(|event| {
            if let Some(line) = crate::progress_line::progress_line(&event) {
                crate::output::progress(&line);
            }
        })
    }
}
