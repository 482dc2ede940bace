//! Repository commands (builds, tests, image builders): argv without a shell, in the work tree,
//! in their own process group, output to the step log, killed after their timeout.

use std::io::{BufRead, BufReader};
use std::process::{Command as Process, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use flotilla_core::{EnvEntry, Version};
use serde_json::json;

use crate::steps::run_context::RunContext;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;

/// Runs the command `name` with `argv` in the run's work tree, with the basic environment, the
/// repository's `env` and then `env` (the command's own), and the release's version
/// (`FLOTILLA_VERSION`, `FLOTILLA_PEP440`, `FLOTILLA_SEMVER`, …); never flotilla's secrets.
pub fn run_command(
    ctx: &RunContext,
    name: &str,
    argv: &[String],
    timeout_secs: u64,
    env: &[EnvEntry],
    log: &StepLog,
) -> Result<StepOutput, StepError> {
    run_command_in(ctx, name, argv, timeout_secs, env, ctx.work.path(), log)
}

/// [`run_command`] in the directory `cwd` (a package's directory inside the work tree).
pub fn run_command_in(
    ctx: &RunContext,
    name: &str,
    argv: &[String],
    timeout_secs: u64,
    env: &[EnvEntry],
    cwd: &std::path::Path,
    log: &StepLog,
) -> Result<StepOutput, StepError> {
    let Some((program, arguments)) = argv.split_first() else {
        return Err(StepErrorKind::EmptyArgv {
            name: name.to_owned(),
        }
        .into());
    };
    let run = &ctx.run;
    let version = Version::parse(&run.version).ok();
    let mut command = Process::new(program);
    ctx.workspace
        .command_env()
        .apply(&mut command, ctx.repo.env.iter().chain(env));
    command
        .args(arguments)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("FLOTILLA_VERSION", &run.version)
        .env("FLOTILLA_REPO", &ctx.repo.name)
        .env("FLOTILLA_EVENT", run.event.as_str())
        .env("FLOTILLA_CHANNEL", run.channel.as_str())
        .env(
            "FLOTILLA_PEP440",
            version.map_or_else(|| run.version.clone(), |v| v.pep440()),
        )
        .env(
            "FLOTILLA_SEMVER",
            version
                .and_then(|v| v.semver(ctx.repo.hotfix_semver).ok())
                .unwrap_or_default(),
        );
    // Its own process group, so a timeout or Ctrl-C stops everything the build started,
    // not only the direct child (make, npm and pip all spawn children that hold the pipes).
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|source| StepErrorKind::CannotStart {
            program: program.clone(),
            name: name.to_owned(),
            source,
        })?;
    let pipes = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ];
    let readers: Vec<_> = pipes
        .into_iter()
        .flatten()
        .map(|pipe| {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    log.line(line);
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(timeout_secs);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            // Like a CI job's end: whatever the command left running in its group goes too,
            // or its open pipes would hold the step forever.
            kill_process_group(child.id());
            break Some(status);
        }
        if Instant::now() >= deadline || ctx.cancel.load(Ordering::SeqCst) {
            kill_process_group(child.id());
            drop(child.kill());
            drop(child.wait());
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    for reader in readers {
        drop(reader.join());
    }
    let name = name.to_owned();
    match status {
        Some(status) if status.success() => Ok(StepOutput {
            detail: json!({ "command": name }),
            exit_code: status.code(),
            artifacts: Vec::new(),
        }),
        Some(status) => Err(StepError::from(StepErrorKind::CommandFailed {
            name,
            argv: log.redact(&argv.join(" ")),
            status,
            log: log.path().to_path_buf(),
        })
        .with_exit_code(status.code())),
        None if ctx.cancel.load(Ordering::SeqCst) => {
            Err(StepErrorKind::CommandCancelled { name }.into())
        }
        None => Err(
            StepError::from(StepErrorKind::CommandTimedOut { name, timeout_secs })
                .with_help("raise timeout_secs of the command in the manifest"),
        ),
    }
}

/// Kills a process group with `kill -KILL -- -PGID`. Best effort: the group may be gone already.
fn kill_process_group(pgid: u32) {
    let status = Process::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if let Err(err) = status {
        tracing::warn!(%err, pgid, "cannot stop the command's process group");
    }
}
