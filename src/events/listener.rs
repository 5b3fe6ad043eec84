//! The dedicated `LISTEN` connection (DESIGN §3). A NOTIFY is only a wake-up: whoever is woken
//! reads the log after its own cursor, so a lost notification can delay an event but never lose it.
//!
//! sqlx's `PgListener::recv()` reconnects silently; we use `try_recv()`, whose `Ok(None)` says
//! "the connection was lost and re-established" — notifications may have been missed, so we wake
//! the reader to catch up. A half-open TCP connection never errors by itself, so the connection
//! is probed with a query every `probe` interval and rebuilt when the probe does not answer.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::CHANNEL;

const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Runs until `stop` is cancelled. Every notification, every reconnect and every successful
/// probe calls `wake.notify_one()`; `reconnects` counts re-established connections.
pub async fn run(
    opts: PgConnectOptions,
    wake: Arc<Notify>,
    probe: Duration,
    reconnects: Arc<AtomicU64>,
    stop: CancellationToken,
) {
    let mut backoff = Duration::from_millis(100);
    let mut first = true;
    while !stop.is_cancelled() {
        // A one-connection pool of its own, so a busy application pool never starves the
        // listener; a fresh one per attempt, because dropping a listener whose connection is
        // half-open leaves sqlx's UNLISTEN task holding that pool's only connection.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(CONNECT_TIMEOUT)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_lazy_with(opts.clone());
        let listener = tokio::select! {
            _ = stop.cancelled() => break,
            l = connect(&pool) => l,
        };
        let mut listener = match listener {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "LISTEN connection failed; retrying");
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        if !first {
            reconnects.fetch_add(1, Ordering::Relaxed);
            tracing::info!("LISTEN connection re-established; catching up");
        }
        first = false;
        // Anything committed while we were not listening is read now.
        wake.notify_one();
        if let Err(e) = listen(&mut listener, &wake, probe, &reconnects, &stop).await {
            tracing::warn!(error = %e, "LISTEN connection lost; reconnecting");
        }
    }
}

async fn connect(pool: &sqlx::PgPool) -> Result<PgListener, sqlx::Error> {
    let fut = async {
        let mut l = PgListener::connect_with(pool).await?;
        l.ignore_pool_close_event(true);
        l.listen(CHANNEL).await?;
        Ok(l)
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, fut).await {
        Ok(r) => r,
        Err(_) => Err(sqlx::Error::PoolTimedOut),
    }
}

/// Returns on an error that needs a fresh listener; Ok(()) when stopped.
async fn listen(
    l: &mut PgListener,
    wake: &Notify,
    probe: Duration,
    reconnects: &AtomicU64,
    stop: &CancellationToken,
) -> Result<(), sqlx::Error> {
    let mut probe_tick = tokio::time::interval(probe);
    probe_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    probe_tick.tick().await;
    loop {
        // `try_recv` is cancel-safe (sqlx reads whole messages only), so racing it is fine.
        tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            r = l.try_recv() => match r? {
                Some(_) => wake.notify_one(),
                None => {
                    reconnects.fetch_add(1, Ordering::Relaxed);
                    tracing::info!("LISTEN connection was lost and re-established; catching up");
                    wake.notify_one();
                }
            },
            _ = probe_tick.tick() => {
                let q = sqlx::query_scalar::<_, i64>("SELECT seq FROM event_counter WHERE id = 1");
                match tokio::time::timeout(PROBE_TIMEOUT, q.fetch_one(&mut *l)).await {
                    // A cheap safety net as well: the reader checks the log now and then even
                    // if every NOTIFY went missing.
                    Ok(Ok(_)) => wake.notify_one(),
                    Ok(Err(e)) => return Err(e),
                    Err(_) => {
                        tracing::warn!("LISTEN connection did not answer a probe (half-open?)");
                        return Err(sqlx::Error::PoolTimedOut);
                    }
                }
            }
        }
    }
}
