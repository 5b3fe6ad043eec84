//! Keeps the log to its retention window (`EVENT_RETENTION_DAYS`). A screen whose `since` is
//! older than what is left gets a snapshot instead of a replay (`hub::replay::replayable`).

use std::time::Duration;

use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_secs(3600);
const BATCH: i64 = 5000;

pub async fn run(db: PgPool, retention: Duration, stop: CancellationToken) {
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        // Oldest first and in small batches, so a long backlog never holds a big lock.
        for _ in 0..1000 {
            let r = sqlx::query(
                "DELETE FROM events WHERE seq IN (
                   SELECT seq FROM events WHERE at < now() - make_interval(secs => $1)
                   ORDER BY seq LIMIT $2)",
            )
            .bind(retention.as_secs() as f64)
            .bind(BATCH)
            .execute(&db)
            .await;
            match r {
                Ok(done) if (done.rows_affected() as i64) < BATCH => break,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "pruning old events failed");
                    break;
                }
            }
        }
    }
}
