use std::time::Duration;

use crate::{Event, EventReceipt, EventStatus, HandledEvent, Id, NewEvent, StoreFuture};

/// The events part of [`Store`](crate::Store).
pub trait EventStore: Send + Sync {
    /// Records an incoming event as `received`, or reports a replay of a delivery already
    /// recorded from the same source (the stored event is returned, nothing is inserted).
    fn record_event<'a>(&'a self, event: &'a NewEvent) -> StoreFuture<'a, EventReceipt>;

    /// Records several events in one transaction (one disk sync for the batch): receipts in
    /// input order, with the replay rule of [`EventStore::record_event`] — also for a delivery
    /// repeated inside the batch.
    fn record_events<'a>(&'a self, events: &'a [NewEvent]) -> StoreFuture<'a, Vec<EventReceipt>>;

    /// Marks several events handled in one transaction. Fails, marking none, with
    /// [`StoreError::InvalidTransition`](crate::StoreError::InvalidTransition) if one would become `received` again and with
    /// [`StoreError::NotFound`](crate::StoreError::NotFound) if one does not exist.
    fn events_handled<'a>(&'a self, handled: &'a [HandledEvent]) -> StoreFuture<'a, ()>;

    /// [`record_events`](EventStore::record_events) and [`events_handled`](EventStore::events_handled) in
    /// one transaction, so that one commit (one disk sync) serves both: what a server that
    /// processes events while it receives them uses to keep its marks off the deliveries' path.
    /// Fails as either would, and then does neither.
    fn record_and_mark_events<'a>(
        &'a self,
        events: &'a [NewEvent],
        handled: &'a [HandledEvent],
    ) -> StoreFuture<'a, Vec<EventReceipt>>;

    /// Marks a received event processed, ignored or failed (with `error`).
    fn event_handled<'a>(
        &'a self,
        id: &'a Id,
        status: EventStatus,
        error: Option<&'a str>,
    ) -> StoreFuture<'a, Event>;

    /// Forgets the replay keys stored `older_than` ago or earlier (all of them for zero): a body
    /// seen again after that is a new event. Returns how many were forgotten.
    fn forget_replay_keys(&self, older_than: Duration) -> StoreFuture<'_, u64>;

    /// Events received but not handled yet (say, before a crash), oldest first.
    fn unhandled_events(&self) -> StoreFuture<'_, Vec<Event>>;

    /// Up to `limit` events with `status`, newest first.
    fn events_by_status(&self, status: EventStatus, limit: u32) -> StoreFuture<'_, Vec<Event>>;

    /// How many events are in each status: every status once, in declaration order, zeros
    /// included (a metrics series that disappears reads as a reset).
    fn count_events_by_status(&self) -> StoreFuture<'_, Vec<(EventStatus, u64)>>;
}
