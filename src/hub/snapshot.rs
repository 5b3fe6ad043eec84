//! Snapshots consistent with a seq: the state of each topic and `event_counter.seq` are read in
//! one REPEATABLE READ transaction, so the events after that seq are exactly those the state
//! does not yet reflect (every change commits together with its event).

use serde_json::Value;
use sqlx::PgPool;

use crate::error::Result;
use crate::orders::views::snapshot_for_topic;

pub struct Snapshot {
    pub seq: i64,
    pub epoch: i64,
    pub states: Vec<Value>,
}

pub async fn take(db: &PgPool, topics: &[String]) -> Result<Snapshot> {
    let mut tx = db.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let (seq, epoch): (i64, i64) =
        sqlx::query_as("SELECT seq, epoch FROM event_counter WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
    let mut states = Vec::with_capacity(topics.len());
    for t in topics {
        states.push(snapshot_for_topic(&mut tx, t).await?);
    }
    tx.commit().await?;
    Ok(Snapshot { seq, epoch, states })
}
