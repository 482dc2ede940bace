//! The open connections, under a cap: when it is reached, the oldest connection without a
//! request in progress makes room for the new one.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

use crate::connection_clock::ConnectionClock;

/// The registry of open connections. Idle and half-sent connections cost a file each and do
/// nothing: under a flood of them, closing the oldest keeps room for the health check and real
/// deliveries, where waiting for a free place would hand the server to whoever holds most.
#[derive(Debug)]
pub(crate) struct Connections {
    cap: usize,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    next: u64,
    /// By age: ids only grow.
    by_id: BTreeMap<u64, Entry>,
}

#[derive(Debug)]
struct Entry {
    clock: Arc<ConnectionClock>,
    close: Arc<Notify>,
}

/// One admitted connection's place; dropping it frees the place.
#[derive(Debug)]
pub(crate) struct Slot {
    id: u64,
    connections: Arc<Connections>,
    /// Notified when the connection is to be closed to make room.
    pub close: Arc<Notify>,
}

impl Connections {
    pub(crate) fn new(cap: usize) -> Arc<Self> {
        Arc::new(Self {
            cap: cap.max(1),
            open: Mutex::new(Open::default()),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Open) -> T) -> T {
        // A map of plain entries stays valid whatever a panicking holder left.
        f(&mut self.open.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// A place for a new connection, after closing the oldest idle one if the cap is reached;
    /// `None` when every open connection has a request in progress.
    pub(crate) fn admit(self: &Arc<Self>, clock: Arc<ConnectionClock>) -> Option<Slot> {
        self.with(|open| {
            if open.by_id.len() >= self.cap && !evict_oldest_idle(open) {
                return None;
            }
            let id = open.next;
            open.next += 1;
            let close = Arc::new(Notify::new());
            open.by_id.insert(
                id,
                Entry {
                    clock,
                    close: close.clone(),
                },
            );
            Some(Slot {
                id,
                connections: self.clone(),
                close,
            })
        })
    }

    /// Closes the oldest connection without a request in progress, to free its file (when
    /// accepting fails for want of one); false if there is none.
    pub(crate) fn make_room(&self) -> bool {
        self.with(evict_oldest_idle)
    }

    /// Connections open now.
    pub(crate) fn len(&self) -> usize {
        self.with(|open| open.by_id.len())
    }
}

fn evict_oldest_idle(open: &mut Open) -> bool {
    let oldest = open
        .by_id
        .iter()
        .find(|(_, entry)| !entry.clock.busy())
        .map(|(id, _)| *id);
    let Some(entry) = oldest.and_then(|id| open.by_id.remove(&id)) else {
        return false;
    };
    // A stored permit: the connection's task closes it even if it is not waiting right now.
    entry.close.notify_one();
    true
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.connections.with(|open| open.by_id.remove(&self.id));
    }
}
