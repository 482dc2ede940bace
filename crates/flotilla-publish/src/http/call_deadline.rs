use std::cell::Cell;
use std::time::Instant;

thread_local! {
    static CURRENT: Cell<Option<Call>> = const { Cell::new(None) };
}

/// The outermost registry call running on this thread: when it began and when it must end.
#[derive(Clone, Copy)]
struct Call {
    started: Instant,
    deadline: Instant,
}

/// While alive, every request the registry call on this thread makes ends by its deadline.
///
/// Thread-local because the requests of an exchange (the steps of an OCI blob upload, a token
/// fetched on an authentication challenge) are made several calls below the retry loop that
/// sets the deadline, and the blocking client makes them all on the caller's thread. A call
/// nested in another keeps the earlier of the two deadlines and the outer call's start.
pub(crate) struct CallDeadline {
    previous: Option<Call>,
}

impl CallDeadline {
    pub(crate) fn enter(deadline: Instant) -> Self {
        let previous = CURRENT.get();
        CURRENT.set(Some(match previous {
            Some(outer) => Call {
                started: outer.started,
                deadline: outer.deadline.min(deadline),
            },
            None => Call {
                started: Instant::now(),
                deadline,
            },
        }));
        Self { previous }
    }

    /// The deadline of the call running on this thread, if any.
    pub(crate) fn current() -> Option<Instant> {
        CURRENT.get().map(|call| call.deadline)
    }

    /// When the call running on this thread began, if any.
    pub(crate) fn started() -> Option<Instant> {
        CURRENT.get().map(|call| call.started)
    }
}

impl Drop for CallDeadline {
    fn drop(&mut self) {
        CURRENT.set(self.previous);
    }
}
