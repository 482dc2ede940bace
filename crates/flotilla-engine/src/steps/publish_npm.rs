//! npm packages: a tarball, to a registry directory or a registry server, under a dist-tag.

use std::path::Path;

use flotilla_core::fleet::RegistryKind;
use flotilla_publish::npm::{NpmDirTarget, NpmSource, NpmTarget};
use flotilla_store::ArtifactKind;

use crate::steps::publish_target::{Target, npm_registry};
use crate::steps::published::Published;
use crate::steps::run_context::RunContext;
use crate::steps::step_error::StepError;
use crate::steps::step_log::StepLog;

/// Packs `name` `version` from `directory` and publishes it under `dist_tag`.
#[allow(clippy::too_many_arguments)] // One per field of the step, and the run's context.
pub fn publish_npm(
    ctx: &RunContext,
    registry: &str,
    name: &str,
    version: &str,
    dist_tag: &str,
    directory: &Path,
    staging: &Path,
    log: &StepLog,
) -> Result<Published, StepError> {
    let (destination, label) = Target::resolve(&ctx.workspace, registry, RegistryKind::Npm)?;
    let package = NpmSource::new(directory, name, version)?.pack(staging)?;
    let out = match destination {
        Target::Local(root) => NpmDirTarget::new(root).publish(&package, dist_tag)?,
        Target::Remote(registry) => npm_registry(&registry)?.publish(&package, dist_tag)?,
    };
    log.line(format!(
        "{name}@{version} ({dist_tag}) {} ({:?})",
        out.digest, out.outcome
    ));
    Ok(Published {
        kind: ArtifactKind::Npm,
        name: name.to_owned(),
        version: version.to_string(),
        digest: out.digest.into(),
        target: label,
    })
}
