//! Word that a workflow run changed, from GitHub's `workflow_run` and `workflow_job` webhooks:
//! a wait on that run polls at once instead of at its next poll. Polling stays the source of
//! truth; a nudge that never comes (no webhook configured, a lost delivery) only costs time.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// Nudges nobody took (runs this process does not wait for) are forgotten beyond this many.
const KEPT: usize = 4096;

fn nudged() -> &'static Mutex<HashSet<u64>> {
    static NUDGED: OnceLock<Mutex<HashSet<u64>>> = OnceLock::new();
    NUDGED.get_or_init(|| Mutex::new(HashSet::new()))
}

/// Tells a wait on `run_id` in this process to poll now.
pub fn nudge(run_id: u64) {
    if let Ok(mut set) = nudged().lock() {
        if set.len() >= KEPT {
            set.clear();
        }
        set.insert(run_id);
    }
}

/// Whether `run_id` was nudged since the last call; takes the nudge.
pub(crate) fn take(run_id: u64) -> bool {
    nudged().lock().is_ok_and(|mut set| set.remove(&run_id))
}
