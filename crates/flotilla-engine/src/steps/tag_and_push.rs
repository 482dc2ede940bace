//! The tag-and-push step: tags the release commit and pushes the branch and the tag together.

use flotilla_git::{Oid, PushOptions, RefName};
use serde_json::json;

use crate::steps::run_context::RunContext;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;

/// Tags HEAD as `tag` and pushes it with `branch` atomically. A tag already on the remote at
/// HEAD is done; anywhere else it is an error (a version is tagged once).
pub fn tag_and_push(
    ctx: &RunContext,
    branch: &str,
    tag: &str,
    message: &str,
    log: &StepLog,
) -> Result<StepOutput, StepError> {
    let work = &ctx.work;
    let tag_ref = RefName::new(tag)?;
    let head = work.head()?.ok_or(StepErrorKind::NoCommit)?;
    // The work tree's tags are the remote's as of the mirror's refresh.
    if let Some(existing) = work.find_tag(&tag_ref)? {
        return existing_tag(branch, tag, &existing.commit, &head, log);
    }
    work.tag_annotated(&tag_ref, "HEAD", message)?;
    let pushed = work.push(
        "origin",
        &[
            &format!("refs/heads/{branch}:refs/heads/{branch}"),
            &format!("refs/tags/{tag}:refs/tags/{tag}"),
        ],
        &PushOptions::new().atomic(),
    );
    if let Err(err) = pushed {
        // Someone may have pushed the tag since the refresh: then say where it is.
        let remote = work.ls_remote(&ctx.url)?;
        return match remote.tag(tag) {
            Some(existing) => existing_tag(branch, tag, existing.commit(), &head, log),
            None => Err(err.into()),
        };
    }
    log.line(format!("pushed {branch} and {tag} at {head}"));
    Ok(StepOutput::detail(
        json!({ "tag": tag, "commit": head.to_string(), "existing": false }),
    ))
}

/// A tag that is already on the remote: done when it is at the release commit, else an error.
fn existing_tag(
    branch: &str,
    tag: &str,
    commit: &Oid,
    head: &Oid,
    log: &StepLog,
) -> Result<StepOutput, StepError> {
    if commit == head {
        log.line(format!("{tag} is already on the remote at {head}"));
        return Ok(StepOutput::detail(
            json!({ "tag": tag, "commit": head.to_string(), "existing": true }),
        ));
    }
    Err(StepError::from(StepErrorKind::TagElsewhere {
        tag: tag.to_owned(),
        commit: commit.to_string(),
        head: head.to_string(),
        branch: branch.to_owned(),
    })
    .with_help("a version is tagged once; tag the next one (see `flotilla version next`)"))
}
