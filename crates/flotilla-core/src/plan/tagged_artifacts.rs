//! What the release of an already tagged version publishes, for the engine to look up in the
//! registries before planning again: a run is done when its artifacts are in their targets,
//! not because its tag exists (a publish that failed leaves the tag behind).

use crate::artifact::ArtifactRef;
use crate::fleet::Fleet;
use crate::plan::gate::artifact_of;
use crate::plan::publish_steps;
use crate::plan::repo_run::RepoRun;
use crate::version::{Channel, Version};

/// The artifacts `run` would have published, when it is a run of an existing tag that plans
/// no publishing of its own (a run that publishes, `--republish`, checks its targets itself).
/// Empty for every other run.
pub fn tagged_artifacts(fleet: &Fleet, run: &RepoRun) -> Vec<ArtifactRef> {
    if !run.already_tagged
        || run
            .steps
            .iter()
            .any(|s| artifact_of(&run.repo, s).is_some())
    {
        return Vec::new();
    }
    let (Some(repo), Ok(version)) = (fleet.repo(&run.repo), Version::parse(&run.version)) else {
        return Vec::new();
    };
    let semver = version.semver(repo.hotfix_semver).ok();
    let steps = if version.channel() == Channel::Dev {
        publish_steps::packages(repo, version, semver.as_deref())
    } else {
        publish_steps::release(repo, version, semver.as_deref())
    };
    steps
        .iter()
        .filter_map(|s| artifact_of(&run.repo, s))
        .collect()
}
