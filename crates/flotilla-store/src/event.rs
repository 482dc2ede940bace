use jiff::Timestamp;
use serde::Serialize;

use crate::Id;
use crate::text_enum::text_enum;

text_enum! {
    /// Whether an incoming event was handled.
    pub enum EventStatus {
        Received => "received",
        Processed => "processed",
        /// Nothing to do for it (no matching policy, an old tag...).
        Ignored => "ignored",
        Failed => "failed",
    }
}

/// An incoming event (git push, registry notification, webhook delivery).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: Id,
    /// Who sent it (`git`, `registry`, `github`...); delivery ids are unique per source.
    pub source: String,
    pub delivery_id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub received_at: Timestamp,
    pub processed_at: Option<Timestamp>,
    pub status: EventStatus,
    pub error: Option<String>,
}

/// What [`Store::record_event`](crate::Store::record_event) records; it starts `received`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub source: String,
    pub delivery_id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    /// What the sender signed, as a key: the sha256 of the verified body the event came in and
    /// the event's index in it. An event whose key is already stored is a replay of the event
    /// stored with it, whatever its delivery id; `None` for events no signature covers.
    pub replay_key: Option<String>,
}

/// How a received event was handled, for [`Store::events_handled`](crate::Store::events_handled).
#[derive(Debug, Clone, PartialEq)]
pub struct HandledEvent {
    pub id: Id,
    /// Processed, ignored or failed; never received.
    pub status: EventStatus,
    pub error: Option<String>,
}

/// Result of recording an event: senders retry deliveries, and a replay must not be acted on
/// twice.
#[derive(Debug, Clone, PartialEq)]
pub enum EventReceipt {
    New(Event),
    /// Already received from this source with this delivery id, or with this replay key; this
    /// is the first delivery.
    Replay(Event),
}

impl EventReceipt {
    pub fn event(&self) -> &Event {
        match self {
            Self::New(event) | Self::Replay(event) => event,
        }
    }
}
