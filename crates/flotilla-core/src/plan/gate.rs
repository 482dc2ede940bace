//! What a dependent waits for before its wave starts.

use crate::artifact::{ArtifactKind, ArtifactRef};
use crate::plan::repo_run::RepoRun;
use crate::plan::step::Step;

/// The packages a run publishes (images are not installed by dependents, so they gate
/// nothing).
pub(crate) fn gate_artifacts(run: &RepoRun) -> Vec<ArtifactRef> {
    run.steps
        .iter()
        .filter_map(|step| match step {
            Step::PublishPython {
                registry,
                name,
                version,
                ..
            } => Some(ArtifactRef {
                repo: run.repo.clone(),
                kind: ArtifactKind::Python,
                registry: registry.clone(),
                name: name.clone(),
                version: version.clone(),
            }),
            Step::PublishNpm {
                registry,
                name,
                version,
                ..
            } => Some(ArtifactRef {
                repo: run.repo.clone(),
                kind: ArtifactKind::Npm,
                registry: registry.clone(),
                name: name.clone(),
                version: version.clone(),
            }),
            _ => None,
        })
        .collect()
}
