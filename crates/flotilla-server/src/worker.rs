//! Processing stored events: one lane per event kind, each handling its events one at a time
//! in arrival order, so a long train started by a git push never delays a deployment.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use flotilla_engine::Engine;
use flotilla_store::{Event, EventStatus, HandledEvent};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::store_writer::StoreWriter;

/// The event processor. Events reach it only after they are committed, so whatever it has not
/// finished when the process dies is still `received` in the store and is handed to it again
/// at the next start.
#[derive(Clone)]
pub(crate) struct Worker {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    writer: StoreWriter,
    lanes: Mutex<Lanes>,
    stop: watch::Sender<bool>,
}

#[derive(Default)]
struct Lanes {
    senders: HashMap<String, mpsc::UnboundedSender<Event>>,
    tasks: JoinSet<()>,
}

impl Worker {
    pub(crate) fn new(engine: Engine, writer: StoreWriter) -> Self {
        Self {
            inner: Arc::new(Inner {
                engine,
                writer,
                lanes: Mutex::new(Lanes::default()),
                stop: watch::Sender::new(false),
            }),
        }
    }

    /// Queues a stored, unhandled event on its kind's lane.
    pub(crate) fn submit(&self, event: Event) {
        let mut lanes = self
            .inner
            .lanes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Lanes { senders, tasks } = &mut *lanes;
        // The lane only stops at shutdown, after the last request was answered.
        if let Some(sender) = senders.get(&event.kind) {
            let _ = sender.send(event);
            return;
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        tasks.spawn(lane(
            self.inner.engine.clone(),
            self.inner.writer.clone(),
            receiver,
            self.inner.stop.subscribe(),
        ));
        let kind = event.kind.clone();
        let _ = sender.send(event);
        senders.insert(kind, sender);
    }

    /// Resumes in the background the trains that a server killed while driving them left
    /// without a driver; shutdown waits for them as for an event in progress.
    pub(crate) fn resume_interrupted(&self) {
        let engine = self.inner.engine.clone();
        let mut lanes = self
            .inner
            .lanes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        lanes.tasks.spawn(async move {
            match engine.resume_interrupted().await {
                Ok(resumed) => {
                    for summary in resumed {
                        tracing::info!(train = %summary.train, status = %summary.status, "resumed an interrupted train");
                    }
                }
                Err(err) => tracing::error!("resuming interrupted trains failed: {err}"),
            }
        });
    }

    /// Lets each lane finish the event it is processing, then stops them; queued events stay
    /// `received` for the next start.
    pub(crate) async fn shutdown(&self) {
        self.inner.stop.send_replace(true);
        let mut tasks = {
            let mut lanes = self
                .inner
                .lanes
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            lanes.senders.clear();
            std::mem::take(&mut lanes.tasks)
        };
        while let Some(joined) = tasks.join_next().await {
            if let Err(err) = joined {
                tracing::error!("an event lane ended abnormally: {err}");
            }
        }
    }
}

async fn lane(
    engine: Engine,
    writer: StoreWriter,
    mut receiver: mpsc::UnboundedReceiver<Event>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let event = tokio::select! {
            biased;
            _ = stop.wait_for(|stopping| *stopping) => break,
            event = receiver.recv() => match event {
                Some(event) => event,
                None => break,
            },
        };
        // Not raced against `stop`: an event once started is processed to its end.
        process(&engine, &writer, &event).await;
    }
}

async fn process(engine: &Engine, writer: &StoreWriter, event: &Event) {
    let redactor = &engine.workspace().redactor;
    let (status, error) = match engine.process_event(event).await {
        Ok(mut outcome) => {
            outcome.detail = redactor.redact(&outcome.detail).into_owned();
            tracing::info!(
                event = %event.id,
                kind = %event.kind,
                status = %outcome.status,
                "{}",
                outcome.detail
            );
            let error = (outcome.status == EventStatus::Failed).then_some(outcome.detail);
            (outcome.status, error)
        }
        Err(err) => {
            // Stored as one text, so the help goes with it.
            let text = redactor
                .redact(&flotilla_core::Help::with_help(&err))
                .into_owned();
            tracing::warn!(event = %event.id, kind = %event.kind, "processing failed: {text}");
            (EventStatus::Failed, Some(text))
        }
    };
    let mark = HandledEvent {
        id: event.id.clone(),
        status,
        error,
    };
    if let Err(err) = writer.handled(mark).await {
        // It stays `received` and is processed again at the next start; the flows it starts
        // are idempotent.
        tracing::error!(event = %event.id, "recording the outcome failed: {err}");
    }
}
