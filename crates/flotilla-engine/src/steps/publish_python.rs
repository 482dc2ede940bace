//! Python packages: a wheel and an sdist, to a simple index directory or an upload server.
//! A project with `pyproject.toml` or `setup.py` is built by its own backend
//! (`python_build.rs`); a bare directory of import packages by flotilla's own writer.

use std::path::Path;

use flotilla_core::fleet::RegistryKind;
use flotilla_publish::python::{PythonProject, PythonTarget, SimpleIndexTarget};
use flotilla_store::ArtifactKind;

use crate::steps::publish_target::{Target, pypi_registry};
use crate::steps::published::Published;
use crate::steps::python_build::{has_build_files, python_build};
use crate::steps::run_context::RunContext;
use crate::steps::step_error::StepError;
use crate::steps::step_log::StepLog;

/// Builds `name` `version` from `source` and uploads both distributions.
pub fn publish_python(
    ctx: &RunContext,
    registry: &str,
    name: &str,
    version: &str,
    source: &Path,
    staging: &Path,
    log: &StepLog,
) -> Result<Vec<Published>, StepError> {
    let (destination, label) = Target::resolve(&ctx.workspace, registry, RegistryKind::Pypi)?;
    let files = match &ctx.repo.python {
        Some(artifact) if has_build_files(source) => {
            python_build(ctx, artifact, name, version, source, staging, log)?.files()
        }
        _ => {
            let project = PythonProject::new(name, version, source)?
                .with_summary(format!("{} {}", ctx.repo.name, version));
            [project.build_wheel(staging)?, project.build_sdist(staging)?]
        }
    };
    let outs = match destination {
        Target::Local(root) => SimpleIndexTarget::new(root).upload(&files)?,
        Target::Remote(registry) => pypi_registry(&registry)?.upload(&files)?,
    };
    Ok(outs
        .into_iter()
        .map(|out| {
            log.line(format!(
                "{} {} ({:?})",
                out.location, out.digest, out.outcome
            ));
            Published {
                kind: ArtifactKind::Python,
                name: name.to_owned(),
                version: version.to_string(),
                digest: out.digest.into(),
                target: label.clone(),
            }
        })
        .collect())
}
