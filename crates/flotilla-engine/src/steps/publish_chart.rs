//! Helm charts: to an OCI registry now, or into a directory or git chart repository whose
//! index lists the train's charts at its end (`chart_repository.rs`).

use std::path::Path;

use flotilla_core::fleet::RegistryKind;
use flotilla_publish::chart::ChartRelease;
use flotilla_store::ArtifactKind;

use crate::steps::chart_repository;
use crate::steps::publish_target::{Target, oci_registry};
use crate::steps::published::Published;
use crate::steps::run_context::RunContext;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;

/// Packages the chart in `chart_dir` as `version`, its `values.yaml` image tag pinned to
/// `app_version` (the release's image tag) at the repository's `image_tag_key`, and publishes
/// it to `registry`.
pub fn publish_chart(
    ctx: &RunContext,
    registry: &str,
    chart_dir: &Path,
    version: &str,
    app_version: &str,
    staging: &Path,
    log: &StepLog,
) -> Result<Published, StepError> {
    let mut release = ChartRelease::new(version, app_version);
    if let Some(chart) = &ctx.repo.chart {
        release = release.with_image_tag(
            &chart.image_tag_key,
            app_version,
            chart.image_tag_key_required,
        );
    }
    // Directories and git branches list the train's charts at its end.
    if let Some(published) = chart_repository::publish(ctx, registry, chart_dir, &release, log)? {
        return Ok(published);
    }
    let (destination, label) = Target::resolve(&ctx.workspace, registry, RegistryKind::Chart)?;
    let Target::Remote(registry) = destination else {
        return Err(StepErrorKind::NotAChartRegistry {
            registry: registry.to_owned(),
        }
        .into());
    };
    let chart = flotilla_publish::chart::package_release(chart_dir, &release, staging)?;
    let (client, namespace) = oci_registry(&registry)?;
    let out = client.push_chart(namespace.as_deref(), &chart)?;
    log.line(format!(
        "{} {} ({:?})",
        out.location, out.digest, out.outcome
    ));
    Ok(Published {
        kind: ArtifactKind::Chart,
        name: chart.name().to_owned(),
        version: version.to_string(),
        digest: out.digest.into(),
        target: label,
    })
}
