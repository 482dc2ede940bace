//! The set-version step: writes the version files, runs the pre-tag commands and makes the
//! release commit.

use flotilla_core::plan::PlannedCommand;
use flotilla_core::version_file::VersionEdit;
use flotilla_git::Repo;
use serde_json::json;

use crate::steps::run_command::run_command;
use crate::steps::run_context::RunContext;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;

/// What the release commit holds besides `file`.
pub struct ReleaseCommit<'a> {
    pub edits: &'a [VersionEdit],
    pub pre_tag: &'a [PlannedCommand],
    pub keep_out: &'a [String],
}

/// Writes `content` to `file` and each edit to its file, runs the pre-tag commands, and
/// commits everything in one commit; no commit when the files already hold it all. When the
/// branch's tip is the release commit already (a resumed train whose branch was pushed), it
/// does nothing: the commands must not run twice.
pub fn set_version(
    ctx: &RunContext,
    file: &str,
    content: &str,
    message: &str,
    release: &ReleaseCommit<'_>,
    log: &StepLog,
) -> Result<StepOutput, StepError> {
    let work = &ctx.work;
    let subject = message.lines().next().unwrap_or_default();
    if work.head()?.is_some() {
        let tip = work.commit_info("HEAD")?;
        if tip.subject == subject {
            log.line(format!("{} is the release commit already", tip.oid));
            return Ok(StepOutput::detail(
                json!({ "commit": tip.oid.to_string(), "existing": true }),
            ));
        }
    }
    work.write_file(file, content.as_bytes())?;
    let mut paths = vec![file];
    for edit in release.edits {
        write_edit(work, edit)?;
        log.line(format!(
            "{} = {} ({})",
            edit.path,
            edit.value,
            edit.field.describe()
        ));
        paths.push(&edit.path);
    }
    work.add(&paths)?;
    for command in release.pre_tag {
        let env = ctx
            .repo
            .commands
            .iter()
            .find(|c| c.name == command.name)
            .map_or(&[][..], |c| &c.env);
        log.line(format!(
            "# pre-tag {}: {}",
            command.name,
            command.argv.join(" ")
        ));
        run_command(
            ctx,
            &command.name,
            &command.argv,
            command.timeout_secs,
            env,
            log,
        )?;
    }
    if !release.pre_tag.is_empty() {
        work.add_all()?;
        let keep_out: Vec<&str> = release.keep_out.iter().map(String::as_str).collect();
        work.unstage(&keep_out)?;
    }
    let commit = work.commit(message)?;
    log.line(match &commit {
        Some(oid) => format!("{file} = {} in {oid}", content.trim()),
        None => format!("{file} already holds {}", content.trim()),
    });
    Ok(StepOutput::detail(
        json!({ "commit": commit.map(|c| c.to_string()) }),
    ))
}

/// Writes one version value into its file in the work tree, changing nothing else.
pub(crate) fn write_edit(work: &Repo, edit: &VersionEdit) -> Result<(), StepError> {
    let path = work.path().join(&edit.path);
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(StepErrorKind::Io(err).into()),
    };
    let text = edit.apply(existing.as_deref()).map_err(|err| {
        let help = err.help();
        StepError::from(StepErrorKind::VersionEdit(err)).with_help(help)
    })?;
    work.write_file(&edit.path, text.as_bytes())?;
    Ok(())
}
