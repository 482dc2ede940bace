//! The seed's "Branch Tagging" trigger for development pre-releases `x.y.zdevN` (core
//! libraries only): publish the packages from the default branch, with no branch, no commit,
//! no image and no chart, so dependents can try them before the line's release candidates.

use crate::fleet::{Event, Repo};
use crate::plan::command_steps::commands;
use crate::plan::planner::Planner;
use crate::plan::publish_steps;
use crate::plan::repo_run::RepoRun;
use crate::plan::step::Step;
use crate::plan::tag_checks;
use crate::plan::tagging::Tagging;
use crate::version::{Channel, Version};

pub(crate) fn plan(planner: &mut Planner<'_>, repo: &Repo, version: Version) -> Option<RepoRun> {
    let t = Tagging::resolve(repo, version, planner.repo_facts(repo));
    let before = planner.refusal_count();
    if !tag_checks::not_before_final(planner, repo, &t) {
        not_after_release_candidates(planner, repo, &t);
    }
    tag_checks::not_older_than_tagged(planner, repo, &t);
    let semver = tag_checks::semver(planner, repo, version);
    if planner.refusal_count() > before {
        return None;
    }
    let mut steps = commands(repo, Event::Tag);
    steps.extend(publish_steps::packages(repo, version, semver.as_deref()));
    steps.push(Step::Notify {
        channel: Some(version.channel()),
    });
    Some(t.run(repo, Event::Tag, repo.default_branch.clone(), steps))
}

/// A development version sorts below every release candidate of its line, so publishing one
/// now would put a package under the release candidate already out.
fn not_after_release_candidates(planner: &mut Planner<'_>, repo: &Repo, t: &Tagging) {
    let version = t.version;
    if !t.already_tagged
        && let Some(rc) = t
            .line_tags
            .iter()
            .filter(|v| v.channel() == Channel::Rc)
            .max()
    {
        planner.refuse(
            Some(&repo.name),
            format!(
                "{version} comes before {rc}: development versions precede a line's release candidates"
            ),
            Some(format!(
                "tag the next release candidate ({}) or develop on a new line",
                tag_checks::next_after(rc).map_or_else(|| "none left".into(), |v| v.to_string())
            )),
        );
    }
}
