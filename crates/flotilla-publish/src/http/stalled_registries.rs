use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// A registry that accepted a connection and then answered nothing within a limit.
#[derive(Debug, Clone)]
pub(crate) struct Stall {
    pub(crate) since: Instant,
    until: Instant,
    /// Which limit ran out, as the attempt reported it.
    pub(crate) cause: String,
}

/// The registries (by origin: scheme, host and port) that stalled in this process.
///
/// A stalled registry holds each call for its whole time limit. A train makes many calls to
/// one registry, wave after wave, so without memory a frozen registry would hold the train for
/// the limit times the number of waves; with it, calls that begin after a stall fail at once,
/// and `resume` does them once the registry answers. Calls already waiting keep their own
/// limits, an answer from the registry forgets the stall, and so does the end of the hold (the
/// call limit), so that a long-running `serve` tries again.
pub(crate) struct StalledRegistries;

impl StalledRegistries {
    fn table() -> std::sync::MutexGuard<'static, HashMap<String, Stall>> {
        static TABLE: OnceLock<Mutex<HashMap<String, Stall>>> = OnceLock::new();
        TABLE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Records that `origin` answered nothing, for `hold` from now.
    pub(crate) fn mark(origin: &str, cause: &str, hold: Duration) {
        let now = Instant::now();
        Self::table().insert(
            origin.to_owned(),
            Stall {
                since: now,
                until: now + hold,
                cause: cause.to_owned(),
            },
        );
    }

    /// Forgets a stall of `origin`: it answered.
    pub(crate) fn clear(origin: &str) {
        let mut table = Self::table();
        if !table.is_empty() {
            table.remove(origin);
        }
    }

    /// The stall of `origin` that began before a call that began at `call_started`, if one is
    /// still held.
    pub(crate) fn before(origin: &str, call_started: Instant) -> Option<Stall> {
        let mut table = Self::table();
        let stall = table.get(origin)?.clone();
        if Instant::now() >= stall.until {
            table.remove(origin);
            return None;
        }
        (stall.since < call_started).then_some(stall)
    }
}
