//! Where one connection stands in its request cycle, and until when it may stay there.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The phase of a connection and its deadline, shared by the connection's I/O (which enforces
/// the deadline on reads and writes) and its service (which sees requests start and end).
#[derive(Debug)]
pub(crate) struct ConnectionClock {
    header_timeout: Duration,
    idle_timeout: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request's head; its first byte has arrived, or the connection is new.
    Head,
    /// A request is being answered: its body is read under the body timeout by the handler.
    Busy,
    /// Answered; waiting for the next request of a kept-alive connection.
    Idle,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    deadline: Option<Instant>,
}

impl ConnectionClock {
    /// A new connection: its first head is due within `header_timeout`.
    pub(crate) fn new(header_timeout: Duration, idle_timeout: Duration) -> Self {
        Self {
            header_timeout,
            idle_timeout,
            state: Mutex::new(State {
                phase: Phase::Head,
                deadline: Some(Instant::now() + header_timeout),
            }),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        // The state is two plain fields, valid whatever a panicking holder left.
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Bytes came in: on an idle connection they start a head, which is due within the header
    /// timeout from now.
    pub(crate) fn bytes_arrived(&self) {
        self.with(|state| {
            if state.phase == Phase::Idle {
                state.phase = Phase::Head;
                state.deadline = Some(Instant::now() + self.header_timeout);
            }
        });
    }

    /// A head is complete and its request goes to a handler.
    pub(crate) fn request_started(&self) {
        self.with(|state| {
            state.phase = Phase::Busy;
            state.deadline = None;
        });
    }

    /// The answer is ready: the connection may now idle for the idle timeout.
    pub(crate) fn request_answered(&self) {
        self.with(|state| {
            state.phase = Phase::Idle;
            state.deadline = Some(Instant::now() + self.idle_timeout);
        });
    }

    /// When the connection is to be cut if it still waits on its client; `None` while a
    /// handler works on a request.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.with(|state| state.deadline)
    }

    /// Whether a request is in progress: a connection without one may be closed to make room.
    pub(crate) fn busy(&self) -> bool {
        self.with(|state| state.phase == Phase::Busy)
    }
}
