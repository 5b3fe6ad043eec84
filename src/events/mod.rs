//! The event log (DESIGN §2): every change a screen must see is appended here in the same
//! transaction as its domain rows, and a NOTIFY carrying only the new head `seq` wakes the hub.
//!
//! Ordering scheme: `seq` is taken from the single `event_counter` row with
//! `UPDATE … RETURNING`. The row lock is held until the writing transaction ends, so writers
//! take numbers one at a time and commit in number order; a reader that has seen `seq = n`
//! committed can never later find `n - 1` appearing. Handlers append events as their last
//! statement so the lock is held only for the insert and the commit.

pub mod listener;
pub mod redis_bridge;
pub mod retention;
pub mod topics;

use serde::Serialize;
use serde_json::Value;
use sqlx::PgConnection;

use crate::error::Result;

/// The NOTIFY channel; the payload is the head `seq` as text.
pub const CHANNEL: &str = "kenangan_events";

#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: &'static str,
    pub topics: Vec<String>,
    pub payload: Value,
}

impl NewEvent {
    pub fn new(kind: &'static str, topics: Vec<String>, payload: impl Serialize) -> Self {
        NewEvent {
            kind,
            topics,
            payload: serde_json::to_value(payload).unwrap_or(Value::Null),
        }
    }
}

/// A stored event, as the hub reads it back.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub kind: String,
    pub topics: Vec<String>,
    pub payload: Value,
    pub actor: Option<i32>,
}

/// Appends `events` inside the caller's transaction and queues the NOTIFY for its commit.
/// Returns the seq of each event, in order.
pub async fn append(
    conn: &mut PgConnection,
    actor: Option<i32>,
    events: Vec<NewEvent>,
) -> Result<Vec<i64>> {
    if events.is_empty() {
        return Ok(vec![]);
    }
    let n = events.len() as i64;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind).collect();
    // Topics are stored as one text[] per event; unnest cannot zip a 2-D array, so pass JSON.
    let topics: Vec<Value> = events
        .iter()
        .map(|e| Value::from(e.topics.clone()))
        .collect();
    let payloads: Vec<Value> = events.into_iter().map(|e| e.payload).collect();
    // One round trip: take the numbers, insert, queue the NOTIFY. The counter's row lock is
    // held from here to commit, so this is kept to a single statement.
    let last: i64 = sqlx::query_scalar(
        "WITH c AS (UPDATE event_counter SET seq = seq + $1 WHERE id = 1 RETURNING seq),
              ins AS (
                INSERT INTO events (seq, kind, topics, payload, actor)
                SELECT c.seq - $1 + u.n, u.k, ARRAY(SELECT jsonb_array_elements_text(u.t)), u.p, $5
                FROM c, unnest($2::text[], $3::jsonb[], $4::jsonb[]) WITH ORDINALITY AS u(k, t, p, n)
              )
         SELECT c.seq FROM c, LATERAL (SELECT pg_notify($6, c.seq::text)) AS notified",
    )
    .bind(n)
    .bind(&kinds)
    .bind(&topics)
    .bind(&payloads)
    .bind(actor)
    .bind(CHANNEL)
    .fetch_one(&mut *conn)
    .await?;
    let seqs: Vec<i64> = (last - n + 1..=last).collect();
    Ok(seqs)
}

/// Events after `after` (exclusive), in seq order, at most `limit`.
pub async fn read_after(
    db: impl sqlx::PgExecutor<'_>,
    after: i64,
    limit: i64,
) -> Result<Vec<Event>> {
    Ok(sqlx::query_as(
        "SELECT seq, at, kind, topics, payload, actor FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// The committed head of the log.
pub async fn head(db: impl sqlx::PgExecutor<'_>) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT seq FROM event_counter WHERE id = 1")
            .fetch_one(db)
            .await?,
    )
}
