//! The steps of a tagged release that a runner executes for an `executor: github-actions`
//! repository: the repository's commands on `tag` and the publish steps, planned from the
//! repository and the version alone, exactly as the tag, hotfix and development flows plan
//! them, so that the orchestrator and the runner agree on them without sharing facts.

use crate::fleet::{Event, Repo};
use crate::plan::command_steps::commands;
use crate::plan::publish_steps;
use crate::plan::step::Step;
use crate::version::{Channel, Version};

/// Whether `step` runs on the runner of a remote executor: a command or a publish step. Git
/// steps (branch, version commit, tag, reflect) and notifications stay with the orchestrator.
pub fn runs_on_runner(step: &Step) -> bool {
    matches!(
        step,
        Step::Run { .. }
            | Step::PublishImage { .. }
            | Step::PublishPython { .. }
            | Step::PublishNpm { .. }
            | Step::PublishChart { .. }
    )
}

/// The name a runner step goes by in the `steps` input of the release workflow: a command's
/// own name, else the step's kind (`publish-image` names the image's registry and its mirrors).
pub fn runner_step_name(step: &Step) -> &str {
    match step {
        Step::Run { name, .. } => name,
        other => other.name(),
    }
}

/// Every runner step of the release of `version` in `repo`, in plan order: the commands on
/// `tag`, then what the version publishes (packages only for a development version).
pub fn runner_steps(repo: &Repo, version: Version) -> Vec<Step> {
    let semver = version.semver(repo.hotfix_semver).ok();
    let mut steps = commands(repo, Event::Tag);
    if version.channel() == Channel::Dev {
        steps.extend(publish_steps::packages(repo, version, semver.as_deref()));
    } else {
        steps.extend(publish_steps::release(repo, version, semver.as_deref()));
    }
    steps
}
