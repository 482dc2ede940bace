//! Publish steps: build an artifact from the work tree and hand it to the target its registry
//! names: an embedded local directory or a server. Targets check what they already hold, so
//! publishing again is a no-op and a different artifact under a published version is an error.
//! Each artifact kind has its own file (`publish_image.rs`, `publish_python.rs`, …); this one
//! gives them a clean staging directory and reports what they published.

use std::path::PathBuf;

use flotilla_core::plan::Step;
use serde_json::json;

use crate::steps::publish_chart::publish_chart;
use crate::steps::publish_image::publish_image;
use crate::steps::publish_npm::publish_npm;
use crate::steps::publish_python::publish_python;
use crate::steps::run_context::RunContext;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;
use crate::steps::step_output::StepOutput;

/// Executes a publish step.
pub fn publish(ctx: &RunContext, step: &Step, log: &StepLog) -> Result<StepOutput, StepError> {
    let staging = staging(ctx, step)?;
    let work = ctx.work.path();
    let published = match step {
        Step::PublishImage {
            registry,
            name,
            tags,
            context,
            builder,
        } => vec![publish_image(
            ctx,
            registry,
            name,
            tags,
            &work.join(context),
            builder.as_deref(),
            &staging,
            log,
        )?],
        Step::PublishPython {
            registry,
            name,
            version,
            source,
        } => publish_python(
            ctx,
            registry,
            name,
            version,
            &work.join(source),
            &staging,
            log,
        )?,
        Step::PublishNpm {
            registry,
            name,
            version,
            dist_tag,
            directory,
        } => vec![publish_npm(
            ctx,
            registry,
            name,
            version,
            dist_tag,
            &work.join(directory),
            &staging,
            log,
        )?],
        Step::PublishChart {
            registry,
            path,
            version,
            app_version,
        } => vec![publish_chart(
            ctx,
            registry,
            &work.join(path),
            version,
            app_version,
            &staging,
            log,
        )?],
        _ => {
            return Err(StepErrorKind::NotAPublishStep {
                step: step.name().to_owned(),
            }
            .into());
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

/// An empty directory for the step's build, under the state directory.
fn staging(ctx: &RunContext, step: &Step) -> Result<PathBuf, StepError> {
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
    Ok(staging)
}
