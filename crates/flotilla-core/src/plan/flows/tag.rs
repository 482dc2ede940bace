//! The seed's "Branch Tagging" trigger for release candidates and finals (`release tag`,
//! `release final`): on the line's release branch, set the version file, commit, tag, push
//! branch and tag atomically, reflect the version to the default branch when newer, build and
//! publish what the category publishes, notify. An existing tag is verified, not retagged, and
//! publishes again when asked to (`--republish`) or when the registries lack some of its
//! artifacts (the engine looks them up: a run is done when its artifacts are in their targets).

use crate::fleet::{Event, Repo};
use crate::plan::command_steps::commands;
use crate::plan::flows::reflect;
use crate::plan::gate::artifact_of;
use crate::plan::planned_command::PlannedCommand;
use crate::plan::planner::Planner;
use crate::plan::publish_steps;
use crate::plan::repo_run::RepoRun;
use crate::plan::step::Step;
use crate::plan::tag_checks;
use crate::plan::tagging::Tagging;
use crate::plan::version_edits::version_edits;
use crate::version::Version;

pub(crate) fn plan(
    planner: &mut Planner<'_>,
    repo: &Repo,
    version: Version,
    republish: bool,
) -> Option<RepoRun> {
    let t = Tagging::resolve(repo, version, planner.repo_facts(repo));
    let before = planner.refusal_count();
    tag_checks::branch_exists(planner, repo, &t);
    tag_checks::not_before_final(planner, repo, &t);
    tag_checks::not_older_than_tagged(planner, repo, &t);
    let semver = tag_checks::semver(planner, repo, version);
    if planner.refusal_count() > before {
        return None;
    }
    Some(on_release_branch(repo, &t, semver.as_deref(), republish))
}

/// The run of a tag on the existing release branch (or of the tag already there): the tag
/// flow's, and the hotfix flow's.
pub(crate) fn on_release_branch(
    repo: &Repo,
    t: &Tagging,
    semver: Option<&str>,
    republish: bool,
) -> RepoRun {
    tagged_run(
        repo,
        t,
        Vec::new(),
        semver,
        republish,
        Event::Tag,
        t.tag_or_branch(),
    )
}

/// The run of a tagged release: `steps` (the branch cut, if any), then tagging, reflecting,
/// publishing and notifying. The release-branch and hotfix flows end the same way.
pub(crate) fn tagged_run(
    repo: &Repo,
    t: &Tagging,
    mut steps: Vec<Step>,
    semver: Option<&str>,
    republish: bool,
    event: Event,
    source: String,
) -> RepoRun {
    let version = t.version;
    let version_content = version.render_tag(&repo.version_file_template);
    if !t.already_tagged {
        let pre_tag: Vec<PlannedCommand> = repo
            .commands
            .iter()
            .filter(|c| c.on.contains(&Event::PreTag))
            .map(|c| PlannedCommand {
                name: c.name.clone(),
                argv: c.argv.clone(),
                timeout_secs: c.timeout_secs,
            })
            .collect();
        let (content, edits) = version_edits(repo, version, &version_content);
        let keep_out = if pre_tag.is_empty() {
            Vec::new()
        } else {
            repo.strip_paths.clone()
        };
        steps.push(Step::SetVersion {
            branch: t.branch.clone(),
            file: repo.version_file.clone(),
            content,
            message: format!("[CI/CD] release version {}", t.tag),
            edits,
            pre_tag,
            keep_out,
        });
        steps.push(Step::TagAndPush {
            branch: t.branch.clone(),
            tag: t.tag.clone(),
            message: format!("release {}", t.tag),
        });
        steps.extend(reflect::step(repo, t, &version_content));
    }
    if !t.already_tagged || republish {
        steps.extend(commands(repo, Event::Tag));
        steps.extend(publish_steps::release(repo, version, semver));
    } else if !t.facts.unpublished.is_empty() {
        // The tag exists but the registries lack some of its artifacts (a publish that failed
        // in an earlier train): publish those, so that the run is done only when they are there.
        let missing: Vec<Step> = publish_steps::release(repo, version, semver)
            .into_iter()
            .filter(|s| {
                artifact_of(&repo.name, s).is_some_and(|a| t.facts.unpublished.contains(&a))
            })
            .collect();
        if !missing.is_empty() {
            steps.extend(commands(repo, Event::Tag));
            steps.extend(missing);
        }
    }
    steps.push(Step::Notify {
        channel: Some(version.channel()),
    });
    t.run(repo, event, source, steps)
}
