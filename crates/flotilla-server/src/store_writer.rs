//! The server's writes to the store, from one task.
//!
//! Group commit: every delivery that arrives while a batch is being committed goes into the
//! next batch, so one disk sync serves many deliveries at high load and one at low load, with
//! no added wait. And one writer: SQLite has a single write lock, and two writers of one
//! process meeting there wait in SQLite's busy handler, which sleeps in steps of milliseconds;
//! the worker's "event handled" marks therefore go through this task too.

use std::sync::Arc;
use std::time::Duration;

use flotilla_store::{EventReceipt, HandledEvent, NewEvent, Store};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Events per transaction at most: bounds the time one commit holds the database.
const MAX_BATCH: usize = 2048;

/// Writes waiting for the writer; senders wait (backpressure) beyond this.
const QUEUE: usize = 4096;

/// How often replay keys past the replay window are forgotten: a key outlives the window by
/// at most this much.
const PRUNE_EVERY: Duration = Duration::from_mins(1);

type Receipts = oneshot::Sender<Result<Vec<EventReceipt>, String>>;

enum Write {
    Record {
        events: Vec<NewEvent>,
        reply: Receipts,
    },
    Handled(HandledEvent),
}

/// The handle request handlers and the worker write through.
#[derive(Debug, Clone)]
pub(crate) struct StoreWriter {
    sender: mpsc::Sender<Write>,
}

const STOPPED: &str = "the store writer has stopped";

impl StoreWriter {
    /// Starts the writer task; it ends when every handle is dropped, after the writes queued.
    /// Replay keys older than `replay_window` are forgotten before the deliveries that follow
    /// are recorded.
    pub(crate) fn start(store: Arc<dyn Store>, replay_window: Duration) -> (Self, JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(QUEUE);
        (
            Self { sender },
            tokio::spawn(write(store, receiver, replay_window)),
        )
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

    /// Queues the mark of a processed event; it is committed with the next batch, and a failure
    /// is logged by the writer.
    ///
    /// The worker does not wait for the commit: an event whose mark is lost with the process
    /// is still `received` at the next start and processed again, which its flows tolerate
    /// (they are idempotent), just as for a crash during processing. Waiting would hold each
    /// lane to one event per commit.
    pub(crate) async fn handled(&self, mark: HandledEvent) -> Result<(), String> {
        self.sender
            .send(Write::Handled(mark))
            .await
            .map_err(|_| STOPPED.to_owned())
    }
}

async fn write(
    store: Arc<dyn Store>,
    mut receiver: mpsc::Receiver<Write>,
    replay_window: Duration,
) {
    let mut pruned: Option<Instant> = None;
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
                Write::Handled(mark) => marks.push(mark),
            }
            next = if batch.len() + marks.len() < MAX_BATCH {
                receiver.try_recv().ok()
            } else {
                None
            };
        }
        if !batch.is_empty() && pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            pruned = Some(Instant::now());
            match store.forget_replay_keys(replay_window).await {
                Ok(0) => {}
                Ok(forgotten) => tracing::debug!("forgot {forgotten} replay keys"),
                // Kept keys only make a very late replay a duplicate: record the deliveries.
                Err(err) => tracing::warn!("forgetting old replay keys failed: {err}"),
            }
        }
        commit(&*store, &batch, replies, &marks).await;
    }
}

/// Commits the deliveries and the marks of one batch in one transaction. If that fails, each
/// part is tried alone, so that a mark the store refuses does not refuse the deliveries.
async fn commit(
    store: &dyn Store,
    batch: &[NewEvent],
    replies: Vec<(usize, Receipts)>,
    marks: &[HandledEvent],
) {
    match store.record_and_mark_events(batch, marks).await {
        Ok(receipts) => answer(replies, receipts),
        Err(err) if batch.is_empty() || marks.is_empty() => {
            if batch.is_empty() {
                log_marks(marks, &err.to_string());
            } else {
                refuse(replies, batch.len(), &err.to_string());
            }
        }
        Err(_) => {
            match store.record_events(batch).await {
                Ok(receipts) => answer(replies, receipts),
                Err(err) => refuse(replies, batch.len(), &err.to_string()),
            }
            if let Err(err) = store.events_handled(marks).await {
                log_marks(marks, &err.to_string());
            }
        }
    }
}

fn answer(replies: Vec<(usize, Receipts)>, receipts: Vec<EventReceipt>) {
    let mut receipts = receipts.into_iter();
    for (len, reply) in replies {
        // A handler whose client went away no longer waits; its events are stored.
        let _ = reply.send(Ok(receipts.by_ref().take(len).collect()));
    }
}

fn refuse(replies: Vec<(usize, Receipts)>, events: usize, message: &str) {
    tracing::error!("recording {events} webhook events failed: {message}");
    for (_, reply) in replies {
        let _ = reply.send(Err(message.to_owned()));
    }
}

fn log_marks(marks: &[HandledEvent], message: &str) {
    // They stay `received` and are processed again at the next start; the flows they start
    // are idempotent.
    tracing::error!(
        "recording the outcome of {} events failed (they will be processed again at the next start): {message}",
        marks.len()
    );
}
