//! What a dependent waits for before its wave starts, and what a publish step puts in a
//! registry.

use crate::artifact::{ArtifactKind, ArtifactRef};
use crate::plan::repo_run::RepoRun;
use crate::plan::step::Step;

/// The packages a run publishes (images and charts are not installed by dependents, so they
/// gate nothing; a chart in a directory or git repository is listed at the end of the train).
pub(crate) fn gate_artifacts(run: &RepoRun) -> Vec<ArtifactRef> {
    run.steps
        .iter()
        .filter_map(|step| artifact_of(&run.repo, step))
        .filter(|a| matches!(a.kind, ArtifactKind::Python | ArtifactKind::Npm))
        .collect()
}

/// The artifact a publish step of repository `repo` puts in its registry, by name and version:
/// a package, an image under its version tag (the step's first tag), or a chart, named by its
/// directory (its name is in its `Chart.yaml`, which the engine reads). `None` for other steps.
pub fn artifact_of(repo: &str, step: &Step) -> Option<ArtifactRef> {
    let (kind, registry, name, version) = match step {
        Step::PublishPython {
            registry,
            name,
            version,
            ..
        } => (ArtifactKind::Python, registry, name, version.clone()),
        Step::PublishNpm {
            registry,
            name,
            version,
            ..
        } => (ArtifactKind::Npm, registry, name, version.clone()),
        Step::PublishImage {
            registry,
            name,
            tags,
            ..
        } => (
            ArtifactKind::Image,
            registry,
            name,
            tags.first()?.as_str().into(),
        ),
        Step::PublishChart {
            registry,
            path,
            version,
            ..
        } => (ArtifactKind::Chart, registry, path, version.clone()),
        _ => return None,
    };
    Some(ArtifactRef {
        repo: repo.to_owned(),
        kind,
        registry: registry.clone(),
        name: name.clone(),
        version,
    })
}
