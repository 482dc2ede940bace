//! A train's driver lease: one process drives a train at a time, and shows it is alive with a
//! heartbeat that the store turns into an expiry, so that a driver that died on any machine
//! is told from a live one. The same background task tells the train when to stop: this
//! process was interrupted, or someone asked the store to cancel this train.

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

/// How often the driver looks for a request to cancel its train: a person who pressed
/// "cancel" waits about this long.
const CANCEL_REQUESTS: Duration = Duration::from_secs(1);

/// How often the process's interrupt (Ctrl-C, SIGTERM) is passed on to the train.
const INTERRUPTS: Duration = Duration::from_millis(100);

/// The lease this process holds on one train, renewed in the background until released.
pub struct DriverLease {
    store: Arc<dyn Store>,
    train: Id,
    driver: TrainDriver,
    heartbeat: AbortHandle,
    /// Set when another process took the train over (this one went without a heartbeat past
    /// the lease, stopped or starved): this one must stop driving it.
    lost: Arc<AtomicBool>,
    /// Set when the train must stop: this process was interrupted, or a cancel was requested.
    cancel: Arc<AtomicBool>,
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
    /// gone) is taken over at once. `interrupted` is this process's interrupt.
    pub async fn acquire(
        store: &Arc<dyn Store>,
        train: &Id,
        interrupted: &Arc<AtomicBool>,
    ) -> Result<Self, StoreError> {
        let driver = Self::this_process();
        loop {
            match store.acquire_train_lease(train, &driver, DRIVER_TTL).await {
                Ok(_) => return Ok(Self::adopt(store, train, driver, interrupted)),
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
    pub fn adopt(
        store: &Arc<dyn Store>,
        train: &Id,
        driver: TrainDriver,
        interrupted: &Arc<AtomicBool>,
    ) -> Self {
        let lost = Arc::new(AtomicBool::new(false));
        let cancel = Arc::new(AtomicBool::new(interrupted.load(Ordering::SeqCst)));
        let heartbeat = tokio::spawn(beat(
            Arc::clone(store),
            train.clone(),
            driver.clone(),
            Flags {
                lost: Arc::clone(&lost),
                interrupted: Arc::clone(interrupted),
                cancel: Arc::clone(&cancel),
            },
        ))
        .abort_handle();
        Self {
            store: Arc::clone(store),
            train: train.clone(),
            driver,
            heartbeat,
            lost,
            cancel,
        }
    }

    /// The flag the train's runs and steps watch: set when the train must stop.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
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

/// What the heartbeat reads and sets.
struct Flags {
    lost: Arc<AtomicBool>,
    interrupted: Arc<AtomicBool>,
    cancel: Arc<AtomicBool>,
}

async fn beat(store: Arc<dyn Store>, train: Id, driver: TrainDriver, flags: Flags) {
    let mut since_renewal = Duration::ZERO;
    let mut since_requests = Duration::ZERO;
    loop {
        tokio::time::sleep(INTERRUPTS).await;
        since_renewal += INTERRUPTS;
        since_requests += INTERRUPTS;
        if flags.interrupted.load(Ordering::SeqCst) {
            flags.cancel.store(true, Ordering::SeqCst);
        }
        if since_requests >= CANCEL_REQUESTS && !flags.cancel.load(Ordering::SeqCst) {
            since_requests = Duration::ZERO;
            match store.train_cancel_request(&train).await {
                Ok(Some((by, at))) => {
                    tracing::warn!(%train, %by, %at, "cancel requested; stopping the train");
                    flags.cancel.store(true, Ordering::SeqCst);
                }
                Ok(None) => {}
                Err(err) => tracing::error!(%train, "reading cancel requests failed: {err}"),
            }
        }
        if since_renewal < HEARTBEAT {
            continue;
        }
        since_renewal = Duration::ZERO;
        match store.acquire_train_lease(&train, &driver, DRIVER_TTL).await {
            Ok(_) => {}
            Err(StoreError::TrainDriven { driver: other, .. }) => {
                tracing::error!(%train, %other, "another process took the train over; stopping");
                flags.lost.store(true, Ordering::SeqCst);
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
