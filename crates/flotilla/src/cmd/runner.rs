//! `flotilla runner run-steps`: what a release workflow's job runs on a GitHub Actions runner
//! (and the fake's runner in the tests) after checking out the tag.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use flotilla_engine::{ArtifactReport, StepLog, StepRunner, Workspace};

use crate::cli::{RunStepsArgs, RunnerCommand};
use crate::failure::{Failure, Outcome};
use crate::output;

pub async fn run(command: &RunnerCommand, manifest: &std::path::Path) -> Outcome {
    match command {
        RunnerCommand::RunSteps(args) => run_steps(args, manifest).await,
    }
}

/// Executes the named steps in the current directory, printing each one's log; the first
/// failure ends the run (exit 1).
async fn run_steps(args: &RunStepsArgs, manifest: &std::path::Path) -> Outcome {
    let fleet = crate::fleet_file::load_fleet(manifest)?;
    // Scratch state of its own: a runner never touches the orchestrator's store.
    let state = std::env::temp_dir().join(format!("flotilla-runner-{}", std::process::id()));
    let workspace = Workspace::open_with_state(fleet, manifest, Some(state.clone()))
        .await
        .map_err(Failure::failed)?;
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = Arc::clone(&cancel);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.store(true, Ordering::SeqCst);
            }
        });
    }
    let checkout = std::env::current_dir()
        .map_err(|err| Failure::failed(format!("cannot read the current directory: {err}")))?;
    let names: Vec<String> = args
        .steps
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let runner = StepRunner::prepare(
        workspace,
        &args.repo,
        &args.version,
        &names,
        &checkout,
        cancel,
    )
    .map_err(Failure::input)?;
    output::line(format!(
        "flotilla runner: {} {} (train {}, run {}): {}",
        args.repo,
        args.version,
        args.train.as_deref().unwrap_or("-"),
        args.run.as_deref().unwrap_or("-"),
        if runner.steps().is_empty() {
            "no steps".to_owned()
        } else {
            names.join(", ")
        }
    ));
    let total = runner.steps().len();
    let mut result = Ok(());
    for (index, step) in runner.steps().iter().enumerate() {
        let log_path = state
            .join("logs")
            .join(format!("{index:02}-{}.log", step.name()));
        let redactor = Arc::clone(&runner.workspace().redactor);
        let log = StepLog::create(&log_path, redactor).map_err(|err| {
            Failure::failed(format!("cannot create {}: {err}", log_path.display()))
        })?;
        output::line(format!(
            "== step {}/{total} {}: {}",
            index + 1,
            flotilla_core::plan::runner_step_name(step),
            step.summary()
        ));
        let outcome = {
            let step = step.clone();
            let log = log.clone();
            tokio::task::block_in_place(|| runner.execute(&step, &log))
        };
        if let Ok(text) = std::fs::read_to_string(&log_path) {
            output::line(text.trim_end());
        }
        match outcome {
            Ok(done) => {
                for published in &done.artifacts {
                    output::line(ArtifactReport::new(step.name(), published).line());
                }
            }
            Err(err) => {
                let message = runner
                    .workspace()
                    .redactor
                    .redact(&err.to_string())
                    .into_owned();
                output::line(format!("error: {message}"));
                result = Err(Failure::failed(message));
                break;
            }
        }
    }
    // Best effort: the scratch state is worth nothing once the steps ran.
    let _ = std::fs::remove_dir_all(&state);
    result
}
