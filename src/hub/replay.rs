//! Reading the log for one session: whether a `since` can be replayed, and the events of a
//! set of topics in a seq range.

use std::time::Duration;

use sqlx::PgPool;

use crate::{error::Result, events::Event};

/// True when the events after `since` are all still in the log, inside the retention window,
/// and from the same epoch (a restore starts a new one).
pub async fn replayable(
    db: &PgPool,
    since: i64,
    epoch: Option<i64>,
    retention: Duration,
) -> Result<bool> {
    let (head, current): (i64, i64) =
        sqlx::query_as("SELECT seq, epoch FROM event_counter WHERE id = 1")
            .fetch_one(db)
            .await?;
    if epoch.is_some_and(|e| e != current) || since < 0 || since > head {
        return Ok(false);
    }
    if since == head {
        return Ok(true);
    }
    // seq has no gaps, so the next event existing means nothing after `since` was pruned.
    let retention_secs = retention.as_secs() as f64;
    Ok(sqlx::query_scalar::<_, bool>(
        "SELECT EXISTS (SELECT 1 FROM events WHERE seq = $1
                        AND at >= now() - make_interval(secs => $2))",
    )
    .bind(since + 1)
    .bind(retention_secs)
    .fetch_one(db)
    .await?)
}

/// Events in `(after, upto]` carrying any of `topics`, in seq order, at most `limit`.
pub async fn read_range(
    db: &PgPool,
    after: i64,
    upto: i64,
    topics: &[String],
    limit: i64,
) -> Result<Vec<Event>> {
    Ok(sqlx::query_as(
        "SELECT seq, at, kind, topics, payload, actor FROM events
         WHERE seq > $1 AND seq <= $2 AND topics && $3 ORDER BY seq LIMIT $4",
    )
    .bind(after)
    .bind(upto)
    .bind(topics)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Whether any event in `(after, upto]` carries one of `topics`.
pub async fn any_in_range(db: &PgPool, after: i64, upto: i64, topics: &[String]) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM events WHERE seq > $1 AND seq <= $2 AND topics && $3)",
    )
    .bind(after)
    .bind(upto)
    .bind(topics)
    .fetch_one(db)
    .await?)
}
