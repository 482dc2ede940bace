//! Group commit of incoming events: one task owns the writes, and every delivery that arrives
//! while a batch is being committed goes into the next batch, so a disk sync serves many
//! deliveries at high load and one at low load (no added wait).

use flotilla_store::{EventReceipt, NewEvent, SqliteStore, Store};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Events per transaction at most: bounds the time one commit holds the database.
const MAX_BATCH: usize = 2048;

/// Deliveries waiting for the writer; senders wait (backpressure) beyond this.
const QUEUE: usize = 4096;

type Reply = oneshot::Sender<Result<Vec<EventReceipt>, String>>;

/// The handle request handlers record events through.
#[derive(Debug, Clone)]
pub(crate) struct EventWriter {
    sender: mpsc::Sender<(Vec<NewEvent>, Reply)>,
}

impl EventWriter {
    /// Starts the writer task; it ends when every handle is dropped.
    pub(crate) fn start(store: SqliteStore) -> (Self, JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(QUEUE);
        (
            Self { sender },
            tokio::spawn(write_batches(store, receiver)),
        )
    }

    /// Records `events` (committed when this returns) and gives their receipts, in order. The
    /// error is the store's message.
    pub(crate) async fn record(&self, events: Vec<NewEvent>) -> Result<Vec<EventReceipt>, String> {
        let (reply, receipts) = oneshot::channel();
        self.sender
            .send((events, reply))
            .await
            .map_err(|_| "the event writer has stopped".to_owned())?;
        receipts
            .await
            .map_err(|_| "the event writer has stopped".to_owned())?
    }
}

async fn write_batches(store: SqliteStore, mut receiver: mpsc::Receiver<(Vec<NewEvent>, Reply)>) {
    while let Some(first) = receiver.recv().await {
        let mut requests = vec![first];
        let mut count = requests[0].0.len();
        while count < MAX_BATCH {
            match receiver.try_recv() {
                Ok(request) => {
                    count += request.0.len();
                    requests.push(request);
                }
                Err(_) => break,
            }
        }
        let mut batch = Vec::with_capacity(count);
        let mut replies = Vec::with_capacity(requests.len());
        for (events, reply) in requests {
            replies.push((events.len(), reply));
            batch.extend(events);
        }
        match store.record_events(&batch).await {
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
}
