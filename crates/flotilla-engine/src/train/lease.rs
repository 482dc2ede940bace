//! A repository's lease: two operations on one repository run one after the other.

use std::time::{Duration, Instant};

use flotilla_core::RetryPolicy;
use flotilla_store::{Id, LeaseHolder, StoreError};

use crate::steps::step_error::{StepError, StepErrorKind};
use crate::train::this_process::{hostname, is_gone};
use crate::train::train_services::TrainServices;

/// How long a run holds its repository: long enough for slow builds, short enough that a
/// crashed process does not lock a repository for a day.
const LEASE_TTL: Duration = Duration::from_hours(2);

/// How often a run waiting for a live holder asks again.
const LEASE_POLL: RetryPolicy =
    RetryPolicy::polling(Duration::from_millis(500), Duration::from_millis(500));

/// A lease this process holds on a repository for one train.
pub struct RepoLease {
    repo: String,
    holder: LeaseHolder,
}

impl RepoLease {
    /// Takes the repository's lease for `train`: waits for a live holder (up to the gate
    /// timeout), and takes over a lease whose holder is gone (a crashed process, or this same
    /// train before a resume).
    pub async fn acquire(
        services: &TrainServices,
        repo: &str,
        train: &Id,
    ) -> Result<Self, StepError> {
        let holder = LeaseHolder {
            train: train.clone(),
            pid: std::process::id(),
            host: hostname(),
        };
        let store = &services.workspace.store;
        let deadline = Instant::now()
            + Duration::from_secs(services.workspace.fleet.settings.gate_timeout_secs);
        let mut announced = false;
        let mut polls = 0;
        loop {
            match store.acquire_repo_lease(repo, &holder, LEASE_TTL).await {
                Ok(_) => {
                    return Ok(Self {
                        repo: repo.to_owned(),
                        holder,
                    });
                }
                Err(StoreError::LeaseBusy { holder: other, .. }) => {
                    if other.train == holder.train || holder_is_gone(&other, &holder.host) {
                        store.release_repo_lease(repo, &other).await?;
                        continue;
                    }
                    if Instant::now() >= deadline || services.cancelled() {
                        return Err(StepError::from(StepErrorKind::RepoBusy {
                            repo: repo.to_owned(),
                            holder: other.to_string(),
                        })
                        .with_help(
                            "retry when it finishes (`flotilla release list` shows running trains)",
                        ));
                    }
                    if !announced {
                        tracing::warn!(%repo, %other, "waiting for the repository's other operation");
                        announced = true;
                    }
                    polls += 1;
                    tokio::time::sleep(LEASE_POLL.backoff(polls)).await;
                }
                Err(other) => return Err(other.into()),
            }
        }
    }

    pub async fn release(self, services: &TrainServices) -> Result<(), StoreError> {
        services
            .workspace
            .store
            .release_repo_lease(&self.repo, &self.holder)
            .await
            .map(drop)
    }
}

/// Whether a lease holder was a process of this machine (`this_host`) that is no longer running.
fn holder_is_gone(holder: &LeaseHolder, this_host: &str) -> bool {
    is_gone(holder.pid, &holder.host, this_host)
}
