//! The server's writes to the store, from one task.
//!
//! Group commit: every delivery that arrives while a batch is being committed goes into the
//! next batch, so one disk sync serves many deliveries at high load and one at low load, with
//! no added wait. And one writer: SQLite has a single write lock, and two writers of one
//! process meeting there wait in SQLite's busy handler, which sleeps in steps of milliseconds;
//! the worker's "event handled" marks therefore go through this task too.

use flotilla_store::{EventReceipt, EventStatus, Id, NewEvent, SqliteStore, Store};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Events per transaction at most: bounds the time one commit holds the database.
const MAX_BATCH: usize = 2048;

/// Writes waiting for the writer; senders wait (backpressure) beyond this.
const QUEUE: usize = 4096;

type Receipts = oneshot::Sender<Result<Vec<EventReceipt>, String>>;

enum Write {
    Record {
        events: Vec<NewEvent>,
        reply: Receipts,
    },
    Handled {
        id: Id,
        status: EventStatus,
        error: Option<String>,
        reply: oneshot::Sender<Result<(), String>>,
    },
}

/// The handle request handlers and the worker write through.
#[derive(Debug, Clone)]
pub(crate) struct StoreWriter {
    sender: mpsc::Sender<Write>,
}

const STOPPED: &str = "the store writer has stopped";

impl StoreWriter {
    /// Starts the writer task; it ends when every handle is dropped, after the writes queued.
    pub(crate) fn start(store: SqliteStore) -> (Self, JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(QUEUE);
        (Self { sender }, tokio::spawn(write(store, receiver)))
    }

    /// Records `events` (committed when this returns) and gives their receipts, in order. The
    /// error is the store's message.
    pub(crate) async fn record(&self, events: Vec<NewEvent>) -> Result<Vec<EventReceipt>, String> {
        let (reply, receipts) = oneshot::channel();
        self.sender
            .send(Write::Record { events, reply })
            .await
            .map_err(|_| STOPPED.to_owned())?;
        receipts.await.map_err(|_| STOPPED.to_owned())?
    }

    /// Marks a received event handled (committed when this returns).
    pub(crate) async fn handled(
        &self,
        id: Id,
        status: EventStatus,
        error: Option<String>,
    ) -> Result<(), String> {
        let (reply, done) = oneshot::channel();
        self.sender
            .send(Write::Handled {
                id,
                status,
                error,
                reply,
            })
            .await
            .map_err(|_| STOPPED.to_owned())?;
        done.await.map_err(|_| STOPPED.to_owned())?
    }
}

async fn write(store: SqliteStore, mut receiver: mpsc::Receiver<Write>) {
    while let Some(first) = receiver.recv().await {
        let mut batch = Vec::new();
        let mut replies = Vec::new();
        let mut marks = Vec::new();
        let mut next = Some(first);
        while let Some(write) = next {
            match write {
                Write::Record { events, reply } => {
                    replies.push((events.len(), reply));
                    batch.extend(events);
                }
                Write::Handled {
                    id,
                    status,
                    error,
                    reply,
                } => marks.push((id, status, error, reply)),
            }
            next = if batch.len() < MAX_BATCH {
                receiver.try_recv().ok()
            } else {
                None
            };
        }
        if !batch.is_empty() {
            record(&store, &batch, replies).await;
        }
        for (id, status, error, reply) in marks {
            let result = store
                .event_handled(&id, status, error.as_deref())
                .await
                .map(drop)
                .map_err(|err| err.to_string());
            let _ = reply.send(result);
        }
    }
}

async fn record(store: &SqliteStore, batch: &[NewEvent], replies: Vec<(usize, Receipts)>) {
    match store.record_events(batch).await {
        Ok(receipts) => {
            let mut receipts = receipts.into_iter();
            for (len, reply) in replies {
                // A handler whose client went away no longer waits; its events are stored.
                let _ = reply.send(Ok(receipts.by_ref().take(len).collect()));
            }
        }
        Err(err) => {
            tracing::error!("recording {} webhook events failed: {err}", batch.len());
            let message = err.to_string();
            for (_, reply) in replies {
                let _ = reply.send(Err(message.clone()));
            }
        }
    }
}
