//! Container images: built from the work tree (by the repository's builder, or else
//! daemonless and reproducible) and pushed under the step's tags.

use std::collections::BTreeMap;
use std::path::Path;

use flotilla_core::ImageTag;
use flotilla_core::fleet::{DEFAULT_BUILDER_TIMEOUT_SECS, RegistryKind};
use flotilla_publish::oci::{ImageName, ImageSpec, ImageTarget, OciLayoutTarget, Tag};
use flotilla_store::ArtifactKind;

use crate::steps::image_builder::ImageBuilder;
use crate::steps::publish_target::{Target, oci_registry};
use crate::steps::published::Published;
use crate::steps::run_context::RunContext;
use crate::steps::step_error::StepError;
use crate::steps::step_log::StepLog;

/// Builds the image from `context` and pushes it as `name` under `tags`.
#[allow(clippy::too_many_arguments)] // One per field of the step, as the other publishers.
pub fn publish_image(
    ctx: &RunContext,
    registry: &str,
    name: &str,
    tags: &[ImageTag],
    context: &Path,
    builder: Option<&[String]>,
    staging: &Path,
    log: &StepLog,
) -> Result<Published, StepError> {
    let (destination, label) = Target::resolve(&ctx.workspace, registry, RegistryKind::Image)?;
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
) -> Result<flotilla_publish::Published, StepError> {
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
