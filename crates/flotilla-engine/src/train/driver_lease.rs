//! A train's driver lease: one process drives a train at a time, and shows it is alive with a
//! heartbeat that the store turns into an expiry, so that a driver that died on any machine
//! is told from a live one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use flotilla_store::{Id, Store, StoreError, TrainDriver, TrainLease};
use jiff::Timestamp;
use tokio::task::AbortHandle;

use crate::train::this_process::{hostname, is_gone};

/// How long a driver that stopped beating keeps its train: several heartbeats, so that a slow
/// store write or a busy machine does not hand a live train to another process.
pub const DRIVER_TTL: Duration = Duration::from_secs(30);

/// How often a driver renews its lease.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// The lease this process holds on one train, renewed in the background until released.
pub struct DriverLease {
    store: Arc<dyn Store>,
    train: Id,
    driver: TrainDriver,
    heartbeat: AbortHandle,
    /// Set when another process took the train over (this one went without a heartbeat past
    /// the lease, stopped or starved): this one must stop driving it.
    lost: Arc<AtomicBool>,
}

impl DriverLease {
    /// This process as a new driver, starting now (at the millisecond precision the store
    /// keeps). Two drivers of one process (`serve` resuming a train while an event attaches to
    /// it) must differ, or the store would take the second for the first renewing its lease:
    /// each gets a millisecond of its own.
    pub fn this_process() -> TrainDriver {
        static LAST: AtomicI64 = AtomicI64::new(0);
        let now = Timestamp::now().as_millisecond();
        let previous = LAST
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
                Some(now.max(last + 1))
            })
            .unwrap_or(now);
        let millis = now.max(previous + 1);
        TrainDriver {
            pid: std::process::id(),
            host: hostname(),
            started_at: Timestamp::from_millisecond(millis).unwrap_or_else(|_| Timestamp::now()),
        }
    }

    /// Takes the lease on `train` for this process. A live driver refuses it
    /// ([`StoreError::TrainDriven`]); a dead one (expired, or a process of this machine that is
    /// gone) is taken over at once.
    pub async fn acquire(store: &Arc<dyn Store>, train: &Id) -> Result<Self, StoreError> {
        let driver = Self::this_process();
        loop {
            match store.acquire_train_lease(train, &driver, DRIVER_TTL).await {
                Ok(_) => return Ok(Self::adopt(store, train, driver)),
                Err(StoreError::TrainDriven { driver: other, .. })
                    if is_gone(other.pid, &other.host, &driver.host) =>
                {
                    tracing::info!(%train, driver = %other, "taking over from a dead driver");
                    store.release_train_lease(train, &other).await?;
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Starts renewing a lease that `driver` (this process) already holds on `train`.
    pub fn adopt(store: &Arc<dyn Store>, train: &Id, driver: TrainDriver) -> Self {
        let lost = Arc::new(AtomicBool::new(false));
        let heartbeat = tokio::spawn(beat(
            Arc::clone(store),
            train.clone(),
            driver.clone(),
            Arc::clone(&lost),
        ))
        .abort_handle();
        Self {
            store: Arc::clone(store),
            train: train.clone(),
            driver,
            heartbeat,
            lost,
        }
    }

    /// Whether another process took the train over.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Stops the heartbeat and gives the train back.
    pub async fn release(self) -> Result<(), StoreError> {
        self.heartbeat.abort();
        self.store
            .release_train_lease(&self.train, &self.driver)
            .await
            .map(drop)
    }
}

impl Drop for DriverLease {
    /// A lease dropped on an error path stops beating, so it expires instead of living on.
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

async fn beat(store: Arc<dyn Store>, train: Id, driver: TrainDriver, lost: Arc<AtomicBool>) {
    loop {
        tokio::time::sleep(HEARTBEAT).await;
        match store.acquire_train_lease(&train, &driver, DRIVER_TTL).await {
            Ok(_) => {}
            Err(StoreError::TrainDriven { driver: other, .. }) => {
                tracing::error!(%train, %other, "another process took the train over; stopping");
                lost.store(true, Ordering::SeqCst);
                return;
            }
            Err(err) => tracing::error!(%train, "renewing the train's driver lease failed: {err}"),
        }
    }
}

/// Whether `lease`'s driver is alive: its lease has not expired and, on this machine, its
/// process still runs.
pub fn is_live(lease: &TrainLease) -> bool {
    lease.expires_at > Timestamp::now()
        && !is_gone(lease.driver.pid, &lease.driver.host, &hostname())
}

#[cfg(test)]
mod tests {
    use super::DriverLease;

    #[test]
    fn two_drivers_of_one_process_are_told_apart_even_within_a_millisecond() {
        let drivers: Vec<_> = (0..100).map(|_| DriverLease::this_process()).collect();
        for pair in drivers.windows(2) {
            assert_eq!((pair[0].pid, &pair[0].host), (pair[1].pid, &pair[1].host));
            assert!(pair[0].started_at < pair[1].started_at, "{pair:?}");
        }
    }
}
