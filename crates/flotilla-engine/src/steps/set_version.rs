//! The set-version step: writes the version file and commits it.

use serde_json::json;

use crate::steps::run_context::RunContext;
use crate::steps::step_error::StepError;
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;

/// Writes `content` to `file` and commits; no commit when the file already holds it.
pub fn set_version(
    ctx: &RunContext,
    file: &str,
    content: &str,
    message: &str,
    log: &StepLog,
) -> Result<StepOutput, StepError> {
    ctx.work.write_file(file, content.as_bytes())?;
    ctx.work.add(&[file])?;
    let commit = ctx.work.commit(message)?;
    log.line(match &commit {
        Some(oid) => format!("{file} = {} in {oid}", content.trim()),
        None => format!("{file} already holds {}", content.trim()),
    });
    Ok(StepOutput::detail(
        json!({ "commit": commit.map(|c| c.to_string()) }),
    ))
}
