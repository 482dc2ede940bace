//! A train as users see it: its status derived from its plan, and whether a process drives it.

use std::fmt;

use flotilla_store::{RunWithLastStep, Store, Train, TrainStatus};
use jiff::Timestamp;
use serde::Serialize;

use crate::engine_error::EngineError;
use crate::train::driver_lease::is_live;
use crate::train::stored_request::StoredRequest;

/// One line of `flotilla release list`.
#[derive(Debug, Clone, Serialize)]
pub struct TrainOverview {
    /// With its status as [`plan_status`] derives it.
    #[serde(flatten)]
    pub train: Train,
    /// For an active train only: who drives it, or since when nobody does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<DriverState>,
}

impl TrainOverview {
    pub async fn read(store: &dyn Store, mut train: Train) -> Result<Self, EngineError> {
        let runs = store.runs_of_train(&train.id).await?;
        train.status = plan_status(&train, &runs);
        let driver = DriverState::of(store, &train).await?;
        Ok(Self { train, driver })
    }
}

/// Whether a process drives an active train.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriverState {
    pub live: bool,
    /// The live driver, or the last one known.
    pub pid: Option<u32>,
    pub host: Option<String>,
    /// Live: since the driver started. Otherwise: since its last heartbeat (or, with no
    /// driver recorded, since the train last changed).
    pub since: Timestamp,
}

impl DriverState {
    /// `None` for a train that is not active: nothing needs to drive it.
    pub async fn of(store: &dyn Store, train: &Train) -> Result<Option<Self>, EngineError> {
        if !train.status.is_active() {
            return Ok(None);
        }
        let lease = store.train_lease(&train.id).await?;
        Ok(Some(match lease {
            Some(lease) => Self {
                live: is_live(&lease),
                since: if is_live(&lease) {
                    lease.driver.started_at
                } else {
                    lease.heartbeat_at
                },
                pid: Some(lease.driver.pid),
                host: Some(lease.driver.host),
            },
            None => Self {
                live: false,
                pid: None,
                host: None,
                since: train.updated_at,
            },
        }))
    }
}

/// `driven by pid N on HOST since T`, or `no live driver since T`.
impl fmt::Display for DriverState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.live, self.pid, &self.host) {
            (true, Some(pid), Some(host)) => {
                write!(f, "driven by pid {pid} on {host} since {}", self.since)
            }
            _ => write!(f, "no live driver since {}", self.since),
        }
    }
}

/// A train's status as its plan allows it: never `succeeded` while a planned repository has no
/// succeeded or skipped run (a train whose runs were lost is `partial`: `resume` finishes it).
pub fn plan_status(train: &Train, runs: &[RunWithLastStep]) -> TrainStatus {
    if train.status != TrainStatus::Succeeded {
        return train.status;
    }
    let Ok(stored) = StoredRequest::of(train) else {
        return train.status;
    };
    let all_done = stored.plan.runs.iter().all(|planned| {
        runs.iter()
            .any(|r| r.run.repo == planned.repo && r.run.status.is_done())
    });
    if all_done {
        train.status
    } else {
        TrainStatus::Partial
    }
}
