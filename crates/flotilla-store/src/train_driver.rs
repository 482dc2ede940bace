use std::fmt;

use jiff::Timestamp;
use serde::Serialize;

/// The process driving a train: one at a time, so that two processes never work in the same
/// train at once. `started_at` tells a process from a later one that reuses its pid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrainDriver {
    pub pid: u32,
    /// The machine the process runs on: a pid means something only there.
    pub host: String,
    pub started_at: Timestamp,
}

/// How users see a driver in messages: `pid N on HOST (driving since T)`.
impl fmt::Display for TrainDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pid {} on {} (driving since {})",
            self.pid, self.host, self.started_at
        )
    }
}
