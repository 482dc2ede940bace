//! The create-branch step: cuts a release branch, or picks up the one an earlier attempt cut.

use flotilla_git::RefName;
use serde_json::json;

use crate::steps::run_context::RunContext;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;

/// Creates `branch` from `from` in the work tree. A branch that exists already is used when it
/// carries the line's `tag` or has no commits of its own.
pub fn create_branch(
    ctx: &RunContext,
    branch: &str,
    from: &str,
    tag: &str,
    log: &StepLog,
) -> Result<StepOutput, StepError> {
    let work = &ctx.work;
    let branch_ref = RefName::new(branch)?;
    let remote_branch = format!("refs/remotes/origin/{branch}");
    let remote_from = format!("refs/remotes/origin/{from}");
    if work.rev_parse(&remote_branch)?.is_some() {
        // Ours when it carries the line's tag (a resumed train); usable as is when it has no
        // commits of its own; anything else is someone else's work.
        let ours = work.rev_parse(&format!("refs/tags/{tag}"))?.is_some();
        if !ours && !work.is_ancestor(&remote_branch, &remote_from)? {
            return Err(StepError::from(StepErrorKind::BranchHasOtherCommits {
                branch: branch.to_owned(),
                from: from.to_owned(),
            })
            .with_help(
                "continue the line with `flotilla release tag`, or delete the branch if it was \
                 cut by mistake",
            ));
        }
        if work.current_branch()?.as_ref().map(RefName::as_str) != Some(branch) {
            work.switch(&branch_ref)?;
        }
        log.line(format!("{branch} exists (cut earlier); using it"));
        return Ok(StepOutput::detail(json!({ "existing": true })));
    }
    work.switch_create(&branch_ref, &remote_from)?;
    log.line(format!("created {branch} from {from}"));
    Ok(StepOutput::detail(json!({ "existing": false })))
}
