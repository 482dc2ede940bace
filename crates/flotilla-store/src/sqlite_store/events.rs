use std::time::Duration;

use super::database::{SqliteStore, commit, not_found, now_millis};
use super::event_batch;
use super::status_counts::count_by_status;
use crate::row_reader::RowReader;
use crate::{
    Event, EventReceipt, EventStatus, EventStore, HandledEvent, Id, NewEvent, StoreError,
    StoreFuture,
};

impl EventStore for SqliteStore {
    fn record_event<'a>(&'a self, event: &'a NewEvent) -> StoreFuture<'a, EventReceipt> {
        Box::pin(async move {
            self.record_events(std::slice::from_ref(event))
                .await?
                .pop()
                .ok_or(StoreError::Corrupt {
                    table: "events",
                    column: "id".into(),
                    reason: "recording one event returned no receipt".into(),
                })
        })
    }

    fn record_events<'a>(&'a self, events: &'a [NewEvent]) -> StoreFuture<'a, Vec<EventReceipt>> {
        self.record_and_mark_events(events, &[])
    }

    fn events_handled<'a>(&'a self, handled: &'a [HandledEvent]) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.record_and_mark_events(&[], handled).await.map(drop) })
    }

    fn record_and_mark_events<'a>(
        &'a self,
        events: &'a [NewEvent],
        handled: &'a [HandledEvent],
    ) -> StoreFuture<'a, Vec<EventReceipt>> {
        Box::pin(async move {
            const OP: &str = "recording events";
            if events.is_empty() && handled.is_empty() {
                return Ok(Vec::new());
            }
            let mut tx = self.write_tx(OP).await?;
            let receipts = event_batch::record(&mut tx, events).await?;
            event_batch::mark(&mut tx, handled).await?;
            commit(tx, OP).await?;
            Ok(receipts)
        })
    }

    fn event_handled<'a>(
        &'a self,
        id: &'a Id,
        status: EventStatus,
        error: Option<&'a str>,
    ) -> StoreFuture<'a, Event> {
        Box::pin(async move {
            const OP: &str = "recording the handling of an event";
            if status == EventStatus::Received {
                let event = sqlx::query(concat!(
                    "SELECT ",
                    event_columns!(),
                    " FROM events WHERE id = $1"
                ))
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::query(OP))?
                .ok_or_else(|| not_found("event", id))?;
                let from = RowReader::new(&event, "events").event()?.status;
                return Err(StoreError::InvalidTransition {
                    entity: "event",
                    id: id.clone(),
                    from: from.as_str(),
                    to: status.as_str(),
                });
            }
            let row = sqlx::query(concat!(
                "UPDATE events SET status = $1, error = $2, processed_ms = $3 WHERE id = $4 \
                 RETURNING ",
                event_columns!()
            ))
            .bind(status.as_str())
            .bind(error)
            .bind(now_millis())
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::query(OP))?
            .ok_or_else(|| not_found("event", id))?;
            RowReader::new(&row, "events").event()
        })
    }

    fn forget_replay_keys(&self, older_than: Duration) -> StoreFuture<'_, u64> {
        Box::pin(async move {
            const OP: &str = "forgetting old replay keys";
            let age = i64::try_from(older_than.as_millis()).unwrap_or(i64::MAX);
            let mut tx = self.write_tx(OP).await?;
            let forgotten = sqlx::query("DELETE FROM replay_keys WHERE received_ms <= $1")
                .bind(now_millis().saturating_sub(age))
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(OP))?
                .rows_affected();
            commit(tx, OP).await?;
            Ok(forgotten)
        })
    }

    fn unhandled_events(&self) -> StoreFuture<'_, Vec<Event>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                event_columns!(),
                " FROM events WHERE status = 'received' ORDER BY received_ms, id"
            ))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("listing unhandled events"))?;
            rows.iter()
                .map(|row| RowReader::new(row, "events").event())
                .collect()
        })
    }

    fn events_by_status(&self, status: EventStatus, limit: u32) -> StoreFuture<'_, Vec<Event>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                event_columns!(),
                " FROM events WHERE status = $1 ORDER BY received_ms DESC, id DESC LIMIT $2"
            ))
            .bind(status.as_str())
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("listing events by status"))?;
            rows.iter()
                .map(|row| RowReader::new(row, "events").event())
                .collect()
        })
    }

    fn count_events_by_status(&self) -> StoreFuture<'_, Vec<(EventStatus, u64)>> {
        Box::pin(count_by_status(
            &self.pool,
            "SELECT status, COUNT(*) FROM events GROUP BY status",
            "events",
            EventStatus::ALL,
            EventStatus::parse,
            "counting events by status",
        ))
    }
}
