//! The outcome of a train, for the binary to print.

use flotilla_store::{RunStatus, Train, TrainKind, TrainStatus};
use serde::Serialize;

use crate::engine_error::EngineError;
use crate::train::train_overview::{DriverState, plan_status};
use crate::workspace::Workspace;

#[derive(Debug, Clone, Serialize)]
pub struct TrainSummary {
    pub train: String,
    pub kind: TrainKind,
    pub version: String,
    /// Derived from the plan ([`plan_status`]).
    pub status: TrainStatus,
    /// For an active train: who drives it, or since when nobody does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<DriverState>,
    pub runs: Vec<RunSummary>,
}

/// One repository's part of a [`TrainSummary`].
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub run: String,
    pub repo: String,
    pub wave: u32,
    pub version: String,
    pub status: RunStatus,
    pub last_step: Option<String>,
    pub error: Option<String>,
    /// For a blocked run: what it waits for (the repository that failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
}

impl TrainSummary {
    /// The state of `train`, from the store.
    pub async fn read(workspace: &Workspace, train: &Train) -> Result<Self, EngineError> {
        let runs = workspace.store.runs_of_train(&train.id).await?;
        Ok(Self {
            train: train.id.to_string(),
            kind: train.kind,
            version: train.version.clone(),
            status: plan_status(train, &runs),
            driver: DriverState::of(&*workspace.store, train).await?,
            runs: runs
                .into_iter()
                .map(|r| RunSummary {
                    run: r.run.id.to_string(),
                    repo: r.run.repo,
                    wave: r.run.wave,
                    version: r.run.version,
                    status: r.run.status,
                    last_step: r.last_step.map(|s| format!("{} ({})", s.kind, s.status)),
                    error: r.run.error,
                    blocked_by: r.run.blocked_by,
                })
                .collect(),
        })
    }
}
