//! Refusals shared by the flows that tag: a version moves its line forward, on a branch that
//! exists, with a SemVer form where npm or a chart needs one. Each flow calls the ones that
//! apply to it, in this order, so refusals read the same whatever the flow.

use crate::fleet::Repo;
use crate::plan::planner::Planner;
use crate::plan::tagging::Tagging;
use crate::version::{Stage, Version};

/// A tag goes on the release branch of its line, which `release start` creates.
pub(crate) fn branch_exists(planner: &mut Planner<'_>, repo: &Repo, t: &Tagging) {
    if !t.facts.branches.contains(t.branch.as_str()) {
        planner.refuse(
            Some(&repo.name),
            format!("release branch {} does not exist", t.branch),
            Some(format!(
                "start the line first: flotilla release start {}",
                t.version.final_of_line()
            )),
        );
    }
}

/// A pre-release of a line whose final is out would sort below it. Returns whether it refused.
pub(crate) fn not_before_final(planner: &mut Planner<'_>, repo: &Repo, t: &Tagging) -> bool {
    let version = t.version;
    if !t.already_tagged
        && matches!(version.stage, Stage::Dev(_) | Stage::Rc(_))
        && let Some(done) = t.line_tags.iter().find(|v| v.stage >= Stage::Final)
    {
        planner.refuse(
            Some(&repo.name),
            format!("{version} comes before {done}, which is already released"),
            Some("tag a hotfix or start a new line".into()),
        );
        return true;
    }
    false
}

/// Versions of a channel only move forward.
pub(crate) fn not_older_than_tagged(planner: &mut Planner<'_>, repo: &Repo, t: &Tagging) {
    let version = t.version;
    if !t.already_tagged
        && let Some(newer) = t
            .line_tags
            .iter()
            .filter(|v| v.channel() == version.channel() && **v > version)
            .max()
    {
        planner.refuse(
            Some(&repo.name),
            format!("{version} is older than {newer}, already tagged"),
            Some(format!(
                "the next one is {}",
                next_after(newer).map_or_else(|| "a new line".into(), |v| v.to_string())
            )),
        );
    }
}

/// The SemVer form npm packages and charts are published under, when the repository has one
/// of them; `None` (and a refusal) when the version has none.
pub(crate) fn semver(planner: &mut Planner<'_>, repo: &Repo, version: Version) -> Option<String> {
    if repo.npm.is_none()
        && repo.chart.is_none()
        && !repo.version_files.iter().any(|f| f.format.needs_semver())
    {
        return None;
    }
    match version.semver(repo.hotfix_semver) {
        Ok(s) => Some(s),
        Err(err) => {
            planner.refuse(Some(&repo.name), err.to_string(), None);
            None
        }
    }
}

/// The version after `version` in its channel, to suggest in a refusal.
pub(crate) fn next_after(version: &Version) -> Option<Version> {
    match version.stage {
        Stage::Dev(_) => version.next_dev().ok(),
        Stage::Rc(_) => version.next_rc().ok(),
        Stage::Final | Stage::Hotfix(_) => version.next_hotfix().ok(),
    }
}
