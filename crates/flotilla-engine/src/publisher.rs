//! Publish steps: build an artifact from the work tree and hand it to the target its registry
//! names. Targets check what they already hold, so publishing again is a no-op and a different
//! artifact under a published version is an error.

use std::collections::BTreeMap;
use std::path::PathBuf;

use flotilla_core::fleet::{Registry, RegistryKind};
use flotilla_core::plan::{ArtifactRef, Step};
use flotilla_publish::npm::{NpmDirTarget, NpmSource, NpmTarget};
use flotilla_publish::oci::{ImageName, ImageSpec, ImageTarget, OciLayoutTarget, Tag};
use flotilla_publish::python::{PythonProject, PythonTarget, SimpleIndexTarget};
use flotilla_store::ArtifactKind;
use serde_json::json;

use crate::engine_error::EngineError;
use crate::run_context::{RunContext, StepFailure, StepOutput};
use crate::step_log::StepLog;
use crate::workspace::Workspace;

/// An artifact a step published (or found already published), as the store records it.
#[derive(Debug, Clone)]
pub struct Published {
    pub kind: ArtifactKind,
    pub name: String,
    pub version: String,
    pub digest: String,
    pub target: String,
}

/// Where a registry's artifacts go.
enum Target {
    Local(PathBuf),
}

fn target(
    workspace: &Workspace,
    name: &str,
    kind: RegistryKind,
) -> Result<(Target, String), String> {
    let registry: &Registry = workspace
        .fleet
        .registries
        .get(name)
        .ok_or_else(|| format!("registry {name} is not in the manifest"))?;
    if registry.kind != kind {
        return Err(format!(
            "registry {name} holds {:?}, not {kind:?}",
            registry.kind
        ));
    }
    if registry.url.starts_with("http://") || registry.url.starts_with("https://") {
        return Err(format!(
            "registry {name} ({}) is a server; this build of flotilla publishes to local \
             directories only\n  help: point the registry's url at a directory",
            registry.url
        ));
    }
    let path = registry
        .url
        .strip_prefix("file://")
        .unwrap_or(&registry.url);
    let root = workspace.path(path);
    let label = root.display().to_string();
    Ok((Target::Local(root), label))
}

/// Whether a registry is one of the embedded local directories (which cannot notify anyone).
pub fn is_local(workspace: &Workspace, registry: &str) -> bool {
    workspace
        .fleet
        .registries
        .get(registry)
        .is_some_and(|r| !r.url.starts_with("http://") && !r.url.starts_with("https://"))
}

/// Executes a publish step.
pub fn publish(ctx: &RunContext, step: &Step, log: &StepLog) -> Result<StepOutput, StepFailure> {
    let staging = ctx
        .workspace
        .state_dir
        .join("build")
        .join(&ctx.repo.name)
        .join(step.name());
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    let work = ctx.work.path();
    let published = match step {
        Step::PublishImage {
            registry,
            name,
            tags,
            context,
            builder,
        } => {
            if builder.is_some() {
                return Err(StepFailure::from(format!(
                    "{}: external image builders are not supported by this build; remove \
                     `builder` to use the daemonless builder",
                    ctx.repo.name
                )));
            }
            let (Target::Local(root), label) =
                target(&ctx.workspace, registry, RegistryKind::Image)?;
            let revision = ctx.work.head()?.map(|o| o.to_string()).unwrap_or_default();
            let spec = ImageSpec {
                layers: vec![work.join(context)],
                labels: BTreeMap::from([
                    (
                        "org.opencontainers.image.version".to_owned(),
                        ctx.run.version.clone(),
                    ),
                    ("org.opencontainers.image.revision".to_owned(), revision),
                    (
                        "org.opencontainers.image.source".to_owned(),
                        log.redact(&ctx.url),
                    ),
                    (
                        "org.opencontainers.image.title".to_owned(),
                        ctx.repo.name.clone(),
                    ),
                ]),
                ..ImageSpec::default()
            };
            let image = spec.build(&staging)?;
            let tags = tags
                .iter()
                .map(|t| {
                    if t == "latest" {
                        Tag::mutable(t)
                    } else {
                        Tag::new(t)
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            let out = OciLayoutTarget::new(root).push(&ImageName::new(name)?, &image, &tags)?;
            log.line(format!(
                "{name}:{} {} ({:?})",
                out.tags.join(",:"),
                out.digest,
                out.outcome
            ));
            vec![Published {
                kind: ArtifactKind::Image,
                name: name.clone(),
                version: ctx.run.version.clone(),
                digest: out.digest.to_string(),
                target: label,
            }]
        }
        Step::PublishPython {
            registry,
            name,
            version,
            source,
        } => {
            let (Target::Local(root), label) =
                target(&ctx.workspace, registry, RegistryKind::Pypi)?;
            let project = PythonProject::new(name, version, work.join(source))?
                .with_summary(format!("{} {}", ctx.repo.name, version));
            let files = [
                project.build_wheel(&staging)?,
                project.build_sdist(&staging)?,
            ];
            let outs = SimpleIndexTarget::new(root).upload(&files)?;
            outs.into_iter()
                .map(|out| {
                    log.line(format!(
                        "{} {} ({:?})",
                        out.location, out.digest, out.outcome
                    ));
                    Published {
                        kind: ArtifactKind::Python,
                        name: name.clone(),
                        version: version.clone(),
                        digest: out.digest.to_string(),
                        target: label.clone(),
                    }
                })
                .collect()
        }
        Step::PublishNpm {
            registry,
            name,
            version,
            dist_tag,
            directory,
        } => {
            let (Target::Local(root), label) = target(&ctx.workspace, registry, RegistryKind::Npm)?;
            let package = NpmSource::new(work.join(directory), name, version)?.pack(&staging)?;
            let out = NpmDirTarget::new(root).publish(&package, dist_tag)?;
            log.line(format!(
                "{name}@{version} ({dist_tag}) {} ({:?})",
                out.digest, out.outcome
            ));
            vec![Published {
                kind: ArtifactKind::Npm,
                name: name.clone(),
                version: version.clone(),
                digest: out.digest.to_string(),
                target: label,
            }]
        }
        Step::PublishChart {
            registry,
            path,
            version,
            app_version,
        } => {
            let (Target::Local(root), label) =
                target(&ctx.workspace, registry, RegistryKind::Chart)?;
            let out = flotilla_publish::chart::package_to_dir(
                &work.join(path),
                version,
                app_version,
                &root,
            )?;
            log.line(format!(
                "{} {} ({:?})",
                out.location, out.digest, out.outcome
            ));
            vec![Published {
                kind: ArtifactKind::Chart,
                name: out.name,
                version: version.clone(),
                digest: out.digest.to_string(),
                target: label,
            }]
        }
        _ => {
            return Err(StepFailure::from(format!(
                "{} is not a publish step",
                step.name()
            )));
        }
    };
    Ok(StepOutput {
        detail: json!({ "published": published.iter().map(|p| json!({"name": p.name, "version": p.version, "digest": p.digest})).collect::<Vec<_>>() }),
        exit_code: None,
        artifacts: published,
    })
}

/// The gate artifacts not yet visible in their registries, as `kind name==version`.
pub fn missing(workspace: &Workspace, gate: &[ArtifactRef]) -> Vec<String> {
    gate.iter()
        .filter(|artifact| !visible(workspace, artifact).unwrap_or(false))
        .map(|a| format!("{} {}=={}", a.kind, a.name, a.version))
        .collect()
}

fn visible(workspace: &Workspace, artifact: &ArtifactRef) -> Result<bool, EngineError> {
    let kind = match artifact.kind.as_str() {
        "python" => RegistryKind::Pypi,
        "npm" => RegistryKind::Npm,
        _ => return Ok(true),
    };
    let (Target::Local(root), _) =
        target(workspace, &artifact.registry, kind).map_err(EngineError::Other)?;
    let versions = match kind {
        RegistryKind::Pypi => SimpleIndexTarget::new(root).versions(&artifact.name),
        _ => NpmDirTarget::new(root).versions(&artifact.name),
    }
    .map_err(|e| EngineError::Other(e.to_string()))?;
    Ok(versions.contains(&artifact.version))
}
