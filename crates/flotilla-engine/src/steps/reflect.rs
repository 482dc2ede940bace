//! The reflect step: carries a released version back to the default branch.

use flotilla_core::version_file::VersionEdit;
use flotilla_core::{RetryPolicy, Version};
use flotilla_git::{PushOptions, PushRejection, RefName};
use serde_json::json;

use crate::steps::run_context::RunContext;
use crate::steps::set_version::write_edit;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;

/// Pushes refused because `branch` moved, redone at once on its new tip, before giving up.
const PUSH_RACE: RetryPolicy = RetryPolicy::immediate(3);

/// Writes `version` to `file` on `branch` only when it is newer than what is there: the
/// original overwrote master even with an older line's hotfix (REFERENCE.md §A, reflect to
/// master). A push refused because the branch moved is tried again on its new tip.
pub fn reflect(
    ctx: &RunContext,
    branch: &str,
    (file, content, edits): (&str, &str, &[VersionEdit]),
    version: Version,
    message: &str,
    log: &StepLog,
) -> Result<StepOutput, StepError> {
    let work = &ctx.work;
    let back_to = work.current_branch()?;
    // Master's version is never lower than the repository's newest version tag, in any
    // spelling: a 2.x master that carries no version file keeps its line against a 1.x hotfix.
    let newest_tag = work
        .ls_remote(&ctx.url)?
        .tags()
        .keys()
        .filter_map(|t| Version::from_any_tag(&ctx.repo.tag_template, t).map(|v| (v, t.clone())))
        .max();
    if let Some((tagged, tag)) = newest_tag.filter(|(v, _)| *v > version) {
        log.line(format!(
            "{branch} keeps {tagged}: tag {tag} is newer than {version}"
        ));
        return Ok(StepOutput::detail(
            json!({ "reflected": false, "master": tagged, "tag": tag }),
        ));
    }
    for attempt in 1..=PUSH_RACE.attempts {
        work.fetch(&ctx.url, &[&format!("refs/heads/{branch}")])?;
        let current = work
            .read_file("FETCH_HEAD", file)?
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| Version::parse(text.trim()).ok());
        if let Some(current) = current.filter(|c| *c >= version) {
            log.line(format!(
                "{branch} keeps {current}: not older than {version}"
            ));
            return Ok(StepOutput::detail(
                json!({ "reflected": false, "master": current }),
            ));
        }
        let scratch = RefName::new(format!("flotilla-reflect-{attempt}"))?;
        work.switch_create(&scratch, "FETCH_HEAD")?;
        work.write_file(file, content.as_bytes())?;
        let mut paths = vec![file];
        for edit in edits {
            write_edit(work, edit)?;
            paths.push(&edit.path);
        }
        work.add(&paths)?;
        let commit = work.commit(message)?;
        let pushed = work.push(
            "origin",
            &[&format!("HEAD:refs/heads/{branch}")],
            &PushOptions::new(),
        );
        if let Some(back) = &back_to {
            work.switch(back)?;
        }
        match pushed {
            Ok(()) => {
                log.line(format!(
                    "{branch} takes {version} (was {})",
                    current.map_or_else(|| "unset".to_owned(), |c| c.to_string())
                ));
                return Ok(StepOutput::detail(json!({
                    "reflected": true,
                    "commit": commit.map(|c| c.to_string()),
                    "master": current,
                })));
            }
            Err(err)
                if err
                    .push_rejection()
                    .is_some_and(PushRejection::is_out_of_date) =>
            {
                log.line(format!(
                    "{branch} moved during the push; attempt {attempt} of {}",
                    PUSH_RACE.attempts
                ));
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(StepError::from(StepErrorKind::BranchKeptMoving {
        branch: branch.to_owned(),
        attempts: PUSH_RACE.attempts,
    })
    .with_help("resume the train"))
}
