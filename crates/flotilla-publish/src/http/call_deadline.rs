use std::cell::Cell;
use std::time::Instant;

thread_local! {
    static CURRENT: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// While alive, every request the registry call on this thread makes ends by its deadline.
///
/// Thread-local because the requests of an exchange (the steps of an OCI blob upload, a token
/// fetched on an authentication challenge) are made several calls below the retry loop that
/// sets the deadline, and the blocking client makes them all on the caller's thread. A call
/// nested in another keeps the earlier of the two deadlines.
pub(crate) struct CallDeadline {
    previous: Option<Instant>,
}

impl CallDeadline {
    pub(crate) fn enter(deadline: Instant) -> Self {
        let previous = CURRENT.get();
        CURRENT.set(Some(previous.map_or(deadline, |p| p.min(deadline))));
        Self { previous }
    }

    /// The deadline of the call running on this thread, if any.
    pub(crate) fn current() -> Option<Instant> {
        CURRENT.get()
    }
}

impl Drop for CallDeadline {
    fn drop(&mut self) {
        CURRENT.set(self.previous);
    }
}
