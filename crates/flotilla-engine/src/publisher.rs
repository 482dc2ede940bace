//! Publish steps: build an artifact from the work tree and hand it to the target its registry
//! names: an embedded local directory or a server. Targets check what they already hold, so
//! publishing again is a no-op and a different artifact under a published version is an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use flotilla_core::fleet::{DEFAULT_BUILDER_TIMEOUT_SECS, Registry, RegistryKind};
use flotilla_core::plan::{ArtifactRef, Step};
use flotilla_core::{Digest, ImageTag};
use flotilla_publish::http::{HttpClient, HttpPolicy};
use flotilla_publish::npm::{NpmDirTarget, NpmRegistryTarget, NpmSource, NpmTarget};
use flotilla_publish::oci::{
    Credentials, ImageName, ImageSpec, ImageTarget, OciLayoutTarget, RegistryImageTarget, Tag,
};
use flotilla_publish::python::{PypiUploadTarget, PythonProject, PythonTarget, SimpleIndexTarget};
use flotilla_store::ArtifactKind;
use serde_json::json;

use crate::engine_error::EngineError;
use crate::run_context::{RunContext, StepFailure, StepOutput};
use crate::step_log::StepLog;
use crate::workspace::Workspace;

mod image_builder;

use image_builder::ImageBuilder;

/// An artifact a step published (or found already published), as the store records it.
#[derive(Debug, Clone)]
pub struct Published {
    pub kind: ArtifactKind,
    pub name: String,
    pub version: String,
    pub digest: Digest,
    pub target: String,
}

/// Where a registry's artifacts go.
enum Target {
    /// One of the embedded local formats, in a directory.
    Local(PathBuf),
    /// A server.
    Remote(Registry),
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
    if is_server(registry) {
        return Ok((Target::Remote(registry.clone()), registry.url.clone()));
    }
    let path = registry
        .url
        .strip_prefix("file://")
        .unwrap_or(&registry.url);
    let root = workspace.path(path);
    let label = root.display().to_string();
    Ok((Target::Local(root), label))
}

fn is_server(registry: &Registry) -> bool {
    registry.url.starts_with("http://") || registry.url.starts_with("https://")
}

fn env(name: Option<&String>) -> Option<String> {
    name.and_then(|n| std::env::var(n).ok())
        .filter(|v| !v.is_empty())
}

fn http() -> Result<HttpClient, String> {
    HttpClient::new(HttpPolicy::default()).map_err(|e| e.to_string())
}

/// `host[:port]` and the path below it (a namespace) of a registry URL.
fn host_and_namespace(url: &str) -> (String, Option<String>) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    match rest.split_once('/') {
        Some((host, path)) if !path.trim_matches('/').is_empty() => {
            (host.to_owned(), Some(path.trim_matches('/').to_owned()))
        }
        Some((host, _)) => (host.to_owned(), None),
        None => (rest.to_owned(), None),
    }
}

/// An OCI registry client with the credentials the manifest names, or else the user's Docker
/// configuration.
pub(crate) fn oci_registry(
    registry: &Registry,
) -> Result<(RegistryImageTarget, Option<String>), String> {
    let (host, namespace) = host_and_namespace(&registry.url);
    let credentials = match (
        env(registry.username_env.as_ref()),
        env(registry.password_env.as_ref()),
        env(registry.token_env.as_ref()),
    ) {
        (Some(username), Some(password), _) => Credentials::Basic { username, password },
        (_, _, Some(token)) => Credentials::Bearer(token),
        _ => Credentials::from_docker_config(&host).unwrap_or(Credentials::Anonymous),
    };
    let target = RegistryImageTarget::new(&host, registry.insecure, credentials, http()?)
        .map_err(|e| e.to_string())?;
    Ok((target, namespace))
}

fn pypi_registry(registry: &Registry) -> Result<PypiUploadTarget, String> {
    // pypiserver and devpi serve the simple API under the upload URL.
    let simple = format!("{}/simple/", registry.url.trim_end_matches('/'));
    let target = PypiUploadTarget::new(&registry.url, &simple, registry.insecure, http()?)
        .map_err(|e| e.to_string())?;
    Ok(
        match (
            env(registry.username_env.as_ref()),
            env(registry.password_env.as_ref()),
            env(registry.token_env.as_ref()),
        ) {
            (Some(user), Some(password), _) => target.with_password(&user, &password),
            (_, _, Some(token)) => target.with_token(&token),
            _ => target,
        },
    )
}

fn npm_registry(registry: &Registry) -> Result<NpmRegistryTarget, String> {
    let target = NpmRegistryTarget::new(&registry.url, registry.insecure, http()?)
        .map_err(|e| e.to_string())?;
    Ok(match env(registry.token_env.as_ref()) {
        Some(token) => target.with_token(&token),
        None => target,
    })
}

/// Whether a registry is one of the embedded local directories (which cannot notify anyone).
pub fn is_local(workspace: &Workspace, registry: &str) -> bool {
    workspace
        .fleet
        .registries
        .get(registry)
        .is_some_and(|r| !is_server(r))
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
            vec![publish_image(
                ctx,
                registry,
                name,
                tags,
                &work.join(context),
                builder.as_deref(),
                &staging,
                log,
            )?]
        }
        Step::PublishPython {
            registry,
            name,
            version,
            source,
        } => {
            let (destination, label) = target(&ctx.workspace, registry, RegistryKind::Pypi)?;
            let project = PythonProject::new(name, version, work.join(source))?
                .with_summary(format!("{} {}", ctx.repo.name, version));
            let files = [
                project.build_wheel(&staging)?,
                project.build_sdist(&staging)?,
            ];
            let outs = match destination {
                Target::Local(root) => SimpleIndexTarget::new(root).upload(&files)?,
                Target::Remote(registry) => pypi_registry(&registry)?.upload(&files)?,
            };
            outs.into_iter()
                .map(|out| {
                    log.line(format!(
                        "{} {} ({:?})",
                        out.location, out.digest, out.outcome
                    ));
                    Published {
                        kind: ArtifactKind::Python,
                        name: name.clone(),
                        version: version.to_string(),
                        digest: out.digest.into(),
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
            let (destination, label) = target(&ctx.workspace, registry, RegistryKind::Npm)?;
            let package = NpmSource::new(work.join(directory), name, version)?.pack(&staging)?;
            let out = match destination {
                Target::Local(root) => NpmDirTarget::new(root).publish(&package, dist_tag)?,
                Target::Remote(registry) => npm_registry(&registry)?.publish(&package, dist_tag)?,
            };
            log.line(format!(
                "{name}@{version} ({dist_tag}) {} ({:?})",
                out.digest, out.outcome
            ));
            vec![Published {
                kind: ArtifactKind::Npm,
                name: name.clone(),
                version: version.to_string(),
                digest: out.digest.into(),
                target: label,
            }]
        }
        Step::PublishChart {
            registry,
            path,
            version,
            app_version,
        } => {
            let chart_dir = work.join(path);
            // Directories and git branches list the train's charts at its end.
            let listed_later = crate::chart_repository::publish(
                ctx,
                registry,
                &chart_dir,
                version,
                app_version,
                log,
            )?;
            if let Some(published) = listed_later {
                vec![published]
            } else {
                let (destination, label) = target(&ctx.workspace, registry, RegistryKind::Chart)?;
                let Target::Remote(registry) = destination else {
                    return Err(StepFailure::from(format!(
                        "registry {registry} is neither an OCI registry nor a chart repository"
                    )));
                };
                let chart =
                    flotilla_publish::chart::package(&chart_dir, version, app_version, &staging)?;
                let (client, namespace) = oci_registry(&registry)?;
                let out = client.push_chart(namespace.as_deref(), &chart)?;
                log.line(format!(
                    "{} {} ({:?})",
                    out.location, out.digest, out.outcome
                ));
                vec![Published {
                    kind: ArtifactKind::Chart,
                    name: chart.name().to_owned(),
                    version: version.to_string(),
                    digest: out.digest.into(),
                    target: label,
                }]
            }
        }
        _ => {
            return Err(StepFailure::from(format!(
                "{} is not a publish step",
                step.name()
            )));
        }
    };
    let detail = published
        .iter()
        .map(|p| json!({ "name": p.name, "version": p.version, "digest": p.digest }))
        .collect::<Vec<_>>();
    Ok(StepOutput {
        detail: json!({ "published": detail }),
        exit_code: None,
        artifacts: published,
    })
}

/// Builds the image from `context` (with the repository's builder, or else daemonless and
/// reproducible) and pushes it under `tags`.
#[allow(clippy::too_many_arguments)] // One per field of the step, as the other publishers.
fn publish_image(
    ctx: &RunContext,
    registry: &str,
    name: &str,
    tags: &[ImageTag],
    context: &Path,
    builder: Option<&[String]>,
    staging: &Path,
    log: &StepLog,
) -> Result<Published, StepFailure> {
    let (destination, label) = target(&ctx.workspace, registry, RegistryKind::Image)?;
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
    let out = match builder {
        Some(argv) => ImageBuilder {
            ctx,
            log,
            argv,
            timeout_secs: ctx
                .repo
                .image
                .as_ref()
                .map_or(DEFAULT_BUILDER_TIMEOUT_SECS, |i| i.builder_timeout_secs),
        }
        .publish(destination, name, &tags, context)?,
        None => build_and_push(ctx, destination, name, &tags, context, staging, log)?,
    };
    log.line(format!(
        "{name}:{} {} ({:?})",
        out.tags.join(",:"),
        out.digest,
        out.outcome
    ));
    Ok(Published {
        kind: ArtifactKind::Image,
        name: name.to_owned(),
        version: ctx.run.version.clone(),
        digest: out.digest.into(),
        target: label,
    })
}

/// The daemonless, reproducible build: `context` as the one layer, the OCI labels set.
fn build_and_push(
    ctx: &RunContext,
    destination: Target,
    name: &str,
    tags: &[Tag],
    context: &Path,
    staging: &Path,
    log: &StepLog,
) -> Result<flotilla_publish::Published, StepFailure> {
    let revision = ctx.work.head()?.map(|o| o.to_string()).unwrap_or_default();
    let spec = ImageSpec {
        layers: vec![context.to_path_buf()],
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
    let image = spec.build(staging)?;
    Ok(match destination {
        Target::Local(root) => {
            OciLayoutTarget::new(root).push(&ImageName::new(name)?, &image, tags)?
        }
        Target::Remote(registry) => {
            let (client, namespace) = oci_registry(&registry)?;
            let full = namespace.map_or_else(|| name.to_owned(), |ns| format!("{ns}/{name}"));
            client.push(&ImageName::new(&full)?, &image, tags)?
        }
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
    let kind = match artifact.kind {
        ArtifactKind::Python => RegistryKind::Pypi,
        ArtifactKind::Npm => RegistryKind::Npm,
        ArtifactKind::Image | ArtifactKind::Chart => return Ok(true),
    };
    let (destination, _) =
        target(workspace, &artifact.registry, kind).map_err(EngineError::Other)?;
    let versions = match (destination, kind) {
        (Target::Local(root), RegistryKind::Pypi) => {
            SimpleIndexTarget::new(root).versions(&artifact.name)
        }
        (Target::Local(root), _) => NpmDirTarget::new(root).versions(&artifact.name),
        (Target::Remote(registry), RegistryKind::Pypi) => pypi_registry(&registry)
            .map_err(EngineError::Other)?
            .versions(&artifact.name),
        (Target::Remote(registry), _) => npm_registry(&registry)
            .map_err(EngineError::Other)?
            .versions(&artifact.name),
    }
    .map_err(|e| EngineError::Other(e.to_string()))?;
    Ok(versions.iter().any(|v| *v == *artifact.version))
}
