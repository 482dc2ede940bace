//! A wave's gate: the artifacts of earlier waves it needs, visible in their registries.

use std::time::{Duration, Instant};

use flotilla_core::RetryPolicy;
use flotilla_core::plan::{ArtifactRef, Wave};

use crate::progress::Progress;
use crate::steps::artifact_lookup::is_published;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::train::train_services::TrainServices;
use crate::workspace::Workspace;

/// How often a gate looks at its registries: soon at first (a package is often already there),
/// then every few seconds.
const GATE_POLL: RetryPolicy =
    RetryPolicy::polling(Duration::from_millis(100), Duration::from_secs(5));

/// Waits until the artifacts `wave` needs are visible in their registries; why not, when they
/// did not become visible in time.
pub async fn wait_for_gate(services: &TrainServices, wave: &Wave) -> Option<StepError> {
    if wave.gate.is_empty() {
        return None;
    }
    (services.progress)(Progress::GateWaiting {
        wave: wave.index,
        artifacts: wave.gate.iter().map(describe).collect(),
    });
    let timeout_secs = services.workspace.fleet.settings.gate_timeout_secs;
    let deadline = Instant::now() + Duration::from_secs(timeout_secs);
    let mut polls = 0;
    loop {
        let workspace = services.workspace.clone();
        let gate = wave.gate.clone();
        let missing = tokio::task::spawn_blocking(move || {
            gate.iter()
                .filter(|artifact| !visible(&workspace, artifact).unwrap_or(false))
                .map(describe)
                .collect::<Vec<_>>()
        })
        .await;
        match missing {
            Ok(missing) if missing.is_empty() => return None,
            Ok(missing) if Instant::now() >= deadline => {
                return Some(
                    StepError::from(StepErrorKind::GateTimeout {
                        missing,
                        timeout_secs,
                    })
                    .with_help("check the registry, then resume"),
                );
            }
            Err(err) => return Some(StepErrorKind::GateCheck(err).into()),
            Ok(_) => {}
        }
        if services.cancelled() {
            return Some(StepErrorKind::Cancelled.into());
        }
        polls += 1;
        tokio::time::sleep(GATE_POLL.backoff(polls)).await;
    }
}

/// `kind name==version`.
fn describe(artifact: &ArtifactRef) -> String {
    format!("{} {}=={}", artifact.kind, artifact.name, artifact.version)
}

/// Whether the registry holds the artifact's version, asked of the registry for every kind.
fn visible(workspace: &Workspace, artifact: &ArtifactRef) -> Result<bool, StepError> {
    is_published(workspace, artifact)
}
