//! The strip-paths step: removes paths a release must not ship, in one commit.

use serde_json::json;

use crate::steps::run_context::RunContext;
use crate::steps::step_error::StepError;
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;

/// Removes `paths` and commits; no commit when none of them is there any more.
pub fn strip_paths(
    ctx: &RunContext,
    paths: &[String],
    message: &str,
    log: &StepLog,
) -> Result<StepOutput, StepError> {
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    ctx.work.remove_paths(&paths)?;
    let commit = ctx.work.commit(message)?;
    log.line(match &commit {
        Some(oid) => format!("removed {} in {oid}", paths.join(", ")),
        None => "nothing to remove".to_owned(),
    });
    Ok(StepOutput::detail(
        json!({ "commit": commit.map(|c| c.to_string()) }),
    ))
}
