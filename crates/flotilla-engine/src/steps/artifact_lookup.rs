//! Whether an artifact is in its registry, for every kind, through the publish crate's own
//! lookups: an image's manifest by tag (OCI registry `HEAD`, or the OCI layout's index), a
//! chart by version (OCI registry, or the chart repository's index), a Python package in its
//! simple index, an npm package in its packument. Gates and re-started trains ask here.

use flotilla_core::ArtifactKind;
use flotilla_core::fleet::RegistryKind;
use flotilla_core::plan::ArtifactRef;
use flotilla_publish::npm::{NpmDirTarget, NpmTarget};
use flotilla_publish::oci::{ImageName, ImageTarget, OciLayoutTarget};
use flotilla_publish::python::{PythonTarget, SimpleIndexTarget};

use crate::steps::chart_repository;
use crate::steps::publish_target::{Target, npm_registry, oci_registry, pypi_registry};
use crate::steps::step_error::StepError;
use crate::workspace::Workspace;

/// Whether `artifact`'s registry holds its version. For a chart, `artifact.name` is the
/// chart's name (its `Chart.yaml`), and a directory or git repository holds it once its index
/// lists it.
pub fn is_published(workspace: &Workspace, artifact: &ArtifactRef) -> Result<bool, StepError> {
    let name = &artifact.name;
    let version = artifact.version.as_str();
    let registry = artifact.registry.as_str();
    match artifact.kind {
        ArtifactKind::Python => {
            let versions = match Target::resolve(workspace, registry, RegistryKind::Pypi)?.0 {
                Target::Local(root) => SimpleIndexTarget::new(root).versions(name)?,
                Target::Remote(r) => pypi_registry(&r)?.versions(name)?,
            };
            Ok(versions.iter().any(|v| v == version))
        }
        ArtifactKind::Npm => {
            let versions = match Target::resolve(workspace, registry, RegistryKind::Npm)?.0 {
                Target::Local(root) => NpmDirTarget::new(root).versions(name)?,
                Target::Remote(r) => npm_registry(&r)?.versions(name)?,
            };
            Ok(versions.iter().any(|v| v == version))
        }
        ArtifactKind::Image => {
            let digest = match Target::resolve(workspace, registry, RegistryKind::Image)?.0 {
                Target::Local(root) => {
                    OciLayoutTarget::new(root).digest(&ImageName::new(name)?, version)?
                }
                Target::Remote(r) => oci_digest(&r, name, version)?,
            };
            Ok(digest.is_some())
        }
        ArtifactKind::Chart => {
            if let Some(listed) = chart_repository::lists(workspace, registry, name, version)? {
                return Ok(listed);
            }
            let Target::Remote(r) = Target::resolve(workspace, registry, RegistryKind::Chart)?.0
            else {
                return Ok(false);
            };
            // Charts are pushed under their SemVer with `+` spelled `_`, as Helm does.
            Ok(oci_digest(&r, name, &version.replace('+', "_"))?.is_some())
        }
    }
}

/// The digest tag `tag` of image `name` has in registry `registry` (a server or a local
/// layout), if the registry has it.
pub fn image_digest(
    workspace: &Workspace,
    registry: &str,
    name: &str,
    tag: &str,
) -> Result<Option<flotilla_publish::Digest>, StepError> {
    match Target::resolve(workspace, registry, RegistryKind::Image)?.0 {
        Target::Local(root) => Ok(OciLayoutTarget::new(root).digest(&ImageName::new(name)?, tag)?),
        Target::Remote(r) => oci_digest(&r, name, tag),
    }
}

/// The digest `tag` of `name` names in an OCI registry server, below the registry's namespace.
fn oci_digest(
    registry: &flotilla_core::fleet::Registry,
    name: &str,
    tag: &str,
) -> Result<Option<flotilla_publish::Digest>, StepError> {
    let (client, namespace) = oci_registry(registry)?;
    let full = namespace.map_or_else(|| name.to_owned(), |ns| format!("{ns}/{name}"));
    Ok(client.digest(&ImageName::new(&full)?, tag)?)
}
