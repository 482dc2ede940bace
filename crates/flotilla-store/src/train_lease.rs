use jiff::Timestamp;
use serde::Serialize;

use crate::{Id, TrainDriver};

/// A train's driver and its last sign of life: the driver renews `heartbeat_at` every few
/// seconds, and a lease past `expires_at` belongs to a driver that died, on whatever machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrainLease {
    pub train: Id,
    pub driver: TrainDriver,
    pub heartbeat_at: Timestamp,
    pub expires_at: Timestamp,
}
