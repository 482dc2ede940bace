//! Writing many events at once, so that a batch costs a few statements whatever its size.
//! Webhook ingestion is limited by this: each statement is a round trip to the connection's
//! thread, and each transaction a disk sync. New events go in as multi-row `VALUES` with bound
//! parameters; marks and lookups, whose rows are small, as one JSON array.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use serde::Serialize;
use sqlx::{Sqlite, Transaction};

use crate::row_reader::RowReader;
use crate::{Event, EventReceipt, EventStatus, HandledEvent, Id, NewEvent, StoreError};

const RECORD: &str = "recording events";
const MARK: &str = "recording the handling of events";

/// Rows per `INSERT`: six parameters each stays far under `SQLite`'s limit, and a bounded
/// number of statement shapes (one per row count up to this) stays in the statement cache.
const ROWS_PER_INSERT: usize = 32;

/// `INSERT … VALUES (…), (…) … RETURNING id` for `rows` new events.
fn insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO events (id, source, delivery_id, kind, payload, received_ms, status) VALUES ",
    );
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push_str("(?, ?, ?, ?, ?, ?, 'received')");
    }
    sql.push_str(" ON CONFLICT (source, delivery_id) DO NOTHING RETURNING id");
    sql
}

/// One mark applied by [`mark`].
#[derive(Serialize)]
struct MarkRow<'a> {
    id: &'a str,
    status: &'static str,
    error: Option<&'a str>,
}

/// A batch as the JSON text bound to a statement.
fn encode<T: Serialize>(rows: &[T], operation: &'static str) -> Result<String, StoreError> {
    serde_json::to_string(rows).map_err(|error| StoreError::Query {
        operation,
        source: sqlx::Error::Encode(Box::new(error)),
    })
}

/// What becomes of one event of a batch, before the inserts.
enum Fate {
    /// Its replay key is stored: a replay of that key's event.
    KeyStored(Event),
    /// Its replay key came earlier in this batch: a replay of that event (by batch index).
    SameAs(usize),
    /// Inserted, or a replay by delivery id: the receipt at this index of the inserts.
    Inserted(usize),
}

/// Inserts `events` as `received` and returns their receipts in input order; see
/// [`Store::record_events`](crate::Store::record_events). An event whose replay key is stored,
/// or came earlier in the batch, is a replay of that event and inserts nothing; the others are
/// inserted unless their delivery id is stored, and their keys are stored with them.
pub(crate) async fn record(
    tx: &mut Transaction<'static, Sqlite>,
    events: &[NewEvent],
) -> Result<Vec<EventReceipt>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<&str> = events
        .iter()
        .filter_map(|event| event.replay_key.as_deref())
        .collect();
    let stored_keys = if keys.is_empty() {
        HashMap::new()
    } else {
        events_of_keys(tx, &keys).await?
    };
    let mut first_of_key: HashMap<&str, usize> = HashMap::new();
    let mut to_insert: Vec<&NewEvent> = Vec::with_capacity(events.len());
    let mut fates = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        let key = event.replay_key.as_deref();
        if let Some(stored) = key.and_then(|key| stored_keys.get(key)) {
            fates.push(Fate::KeyStored(stored.clone()));
        } else if let Some(&first) = key.and_then(|key| first_of_key.get(key)) {
            fates.push(Fate::SameAs(first));
        } else {
            if let Some(key) = key {
                first_of_key.insert(key, index);
            }
            to_insert.push(event);
            fates.push(Fate::Inserted(to_insert.len() - 1));
        }
    }
    let inserted = insert(tx, &to_insert).await?;
    remember_keys(tx, &to_insert, &inserted).await?;
    let mut receipts: Vec<EventReceipt> = Vec::with_capacity(events.len());
    for fate in fates {
        let receipt = match fate {
            Fate::KeyStored(event) => EventReceipt::Replay(event),
            Fate::SameAs(first) => EventReceipt::Replay(receipts[first].event().clone()),
            Fate::Inserted(at) => inserted[at].clone(),
        };
        receipts.push(receipt);
    }
    Ok(receipts)
}

/// The stored events of these replay keys, by key.
async fn events_of_keys(
    tx: &mut Transaction<'static, Sqlite>,
    keys: &[&str],
) -> Result<HashMap<String, Event>, StoreError> {
    let keys_json = encode(keys, RECORD)?;
    let pairs: Vec<(String, String)> = sqlx::query_as(
        "SELECT replay_key, event_id FROM replay_keys \
         WHERE replay_key IN (SELECT value FROM json_each($1))",
    )
    .bind(&keys_json)
    .fetch_all(&mut **tx)
    .await
    .map_err(StoreError::query(RECORD))?;
    if pairs.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<&str> = pairs.iter().map(|(_, id)| id.as_str()).collect();
    let rows = sqlx::query(concat!(
        "SELECT ",
        event_columns!(),
        " FROM events WHERE id IN (SELECT value FROM json_each($1))"
    ))
    .bind(encode(&ids, RECORD)?)
    .fetch_all(&mut **tx)
    .await
    .map_err(StoreError::query(RECORD))?;
    let mut by_id = HashMap::with_capacity(rows.len());
    for row in &rows {
        let event = RowReader::new(row, "events").event()?;
        by_id.insert(event.id.as_str().to_owned(), event);
    }
    let mut by_key = HashMap::with_capacity(pairs.len());
    for (key, id) in pairs {
        let event = by_id.get(&id).ok_or_else(|| StoreError::Corrupt {
            table: "replay_keys",
            column: "event_id".into(),
            reason: format!("replay key {key} names event {id}, which does not exist"),
        })?;
        by_key.insert(key, event.clone());
    }
    Ok(by_key)
}

/// Stores the replay keys of `events` with the events their receipts name.
async fn remember_keys(
    tx: &mut Transaction<'static, Sqlite>,
    events: &[&NewEvent],
    receipts: &[EventReceipt],
) -> Result<(), StoreError> {
    let rows: Vec<(&str, &str)> = events
        .iter()
        .zip(receipts)
        .filter_map(|(event, receipt)| {
            Some((event.replay_key.as_deref()?, receipt.event().id.as_str()))
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    // `WHERE true` tells SQLite's parser that ON CONFLICT belongs to the INSERT, not a join.
    sqlx::query(
        "INSERT INTO replay_keys (replay_key, event_id, received_ms) \
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), $2 \
         FROM json_each($1) WHERE true ON CONFLICT (replay_key) DO NOTHING",
    )
    .bind(encode(&rows, RECORD)?)
    .bind(Timestamp::now().as_millisecond())
    .execute(&mut **tx)
    .await
    .map_err(StoreError::query(RECORD))?;
    Ok(())
}

/// Inserts `events` as `received` unless their (source, delivery id) is stored, and returns
/// their receipts in input order.
async fn insert(
    tx: &mut Transaction<'static, Sqlite>,
    events: &[&NewEvent],
) -> Result<Vec<EventReceipt>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let received_ms = Timestamp::now().as_millisecond();
    let received_at =
        Timestamp::from_millisecond(received_ms).map_err(|error| StoreError::Corrupt {
            table: "events",
            column: "received_ms".into(),
            reason: error.to_string(),
        })?;
    let ids: Vec<Id> = events.iter().map(|_| Id::generate()).collect();
    let payloads: Vec<String> = events.iter().map(|e| e.payload.to_string()).collect();
    // Only the ids come back: a new row is what was sent, so it is not read and parsed again.
    let mut inserted: Vec<String> = Vec::with_capacity(events.len());
    let mut start = 0;
    while start < events.len() {
        let end = (start + ROWS_PER_INSERT).min(events.len());
        // Built from constants only: every value is a bound parameter.
        let sql = sqlx::AssertSqlSafe(insert_sql(end - start));
        let mut insert = sqlx::query_scalar::<_, String>(sql);
        for index in start..end {
            let event = &events[index];
            insert = insert
                .bind(ids[index].as_str())
                .bind(event.source.as_str())
                .bind(event.delivery_id.as_str())
                .bind(event.kind.as_str())
                .bind(payloads[index].as_str())
                .bind(received_ms);
        }
        inserted.extend(
            insert
                .fetch_all(&mut **tx)
                .await
                .map_err(StoreError::query(RECORD))?,
        );
        start = end;
    }
    let inserted: HashSet<&str> = inserted.iter().map(String::as_str).collect();
    let replays: Vec<(&str, &str)> = events
        .iter()
        .zip(&ids)
        .filter(|(_, id)| !inserted.contains(id.as_str()))
        .map(|(event, _)| (event.source.as_str(), event.delivery_id.as_str()))
        .collect();
    let stored = if replays.is_empty() {
        HashMap::new()
    } else {
        stored_events(tx, &replays).await?
    };
    let mut receipts = Vec::with_capacity(events.len());
    for (event, id) in events.iter().zip(ids) {
        if inserted.contains(id.as_str()) {
            receipts.push(EventReceipt::New(Event {
                id,
                source: event.source.clone(),
                delivery_id: event.delivery_id.clone(),
                kind: event.kind.clone(),
                payload: event.payload.clone(),
                received_at,
                processed_at: None,
                status: EventStatus::Received,
                error: None,
            }));
            continue;
        }
        // A delivery stored earlier, or repeated inside this batch: the stored one (the first).
        let key = (event.source.as_str(), event.delivery_id.as_str());
        let first = stored.get(&key).ok_or_else(|| StoreError::Corrupt {
            table: "events",
            column: "delivery_id".into(),
            reason: format!(
                "delivery {} vanished while it was recorded",
                event.delivery_id
            ),
        })?;
        receipts.push(EventReceipt::Replay(first.clone()));
    }
    Ok(receipts)
}

/// The stored events of these (source, delivery id) pairs, by pair.
async fn stored_events<'k>(
    tx: &mut Transaction<'static, Sqlite>,
    keys: &[(&'k str, &'k str)],
) -> Result<HashMap<(&'k str, &'k str), Event>, StoreError> {
    let keys_json = encode(keys, RECORD)?;
    let rows = sqlx::query(concat!(
        "SELECT ",
        event_columns!(),
        " FROM events WHERE (source, delivery_id) IN \
          (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($1))"
    ))
    .bind(&keys_json)
    .fetch_all(&mut **tx)
    .await
    .map_err(StoreError::query(RECORD))?;
    let mut stored = HashMap::with_capacity(rows.len());
    for row in &rows {
        let event = RowReader::new(row, "events").event()?;
        if let Some(key) = keys
            .iter()
            .find(|(source, delivery)| *source == event.source && *delivery == event.delivery_id)
        {
            stored.insert(*key, event);
        }
    }
    Ok(stored)
}

/// Applies `handled`; see [`Store::events_handled`](crate::Store::events_handled).
pub(crate) async fn mark(
    tx: &mut Transaction<'static, Sqlite>,
    handled: &[HandledEvent],
) -> Result<(), StoreError> {
    if handled.is_empty() {
        return Ok(());
    }
    let rows: Vec<MarkRow<'_>> = handled
        .iter()
        .map(|mark| MarkRow {
            id: mark.id.as_str(),
            status: mark.status.as_str(),
            error: mark.error.as_deref(),
        })
        .collect();
    let batch = encode(&rows, MARK)?;
    if let Some(back) = handled.iter().find(|m| m.status == EventStatus::Received) {
        let from: Option<String> = sqlx::query_scalar("SELECT status FROM events WHERE id = $1")
            .bind(back.id.as_str())
            .fetch_optional(&mut **tx)
            .await
            .map_err(StoreError::query(MARK))?;
        let from = from
            .as_deref()
            .and_then(EventStatus::parse)
            .ok_or_else(|| not_found(back.id.as_str()))?;
        return Err(StoreError::InvalidTransition {
            entity: "event",
            id: back.id.clone(),
            from: from.as_str(),
            to: EventStatus::Received.as_str(),
        });
    }
    let updated = sqlx::query(
        "UPDATE events SET status = mark.status, error = mark.error, processed_ms = $2 \
         FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.status') AS status, \
                      json_extract(value, '$.error') AS error \
               FROM json_each($1)) AS mark \
         WHERE events.id = mark.id",
    )
    .bind(&batch)
    .bind(Timestamp::now().as_millisecond())
    .execute(&mut **tx)
    .await
    .map_err(StoreError::query(MARK))?
    .rows_affected();
    let distinct = handled
        .iter()
        .map(|m| m.id.as_str())
        .collect::<HashSet<_>>()
        .len();
    if usize::try_from(updated).is_ok_and(|updated| updated == distinct) {
        return Ok(());
    }
    let missing: Option<String> = sqlx::query_scalar(
        "SELECT json_extract(value, '$.id') FROM json_each($1) \
         WHERE json_extract(value, '$.id') NOT IN (SELECT id FROM events) LIMIT 1",
    )
    .bind(&batch)
    .fetch_optional(&mut **tx)
    .await
    .map_err(StoreError::query(MARK))?;
    match missing {
        Some(id) => Err(not_found(&id)),
        None => Ok(()),
    }
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound {
        entity: "event",
        id: id.to_owned(),
    }
}
