//! The one dispatcher per process. It owns the cursor: it reads the log after it (woken by the
//! LISTEN connection), or takes events relayed through Redis when they continue it exactly,
//! and hands each event, serialized once, to the sessions holding its topics.

use std::{sync::Arc, time::Duration};

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};
use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;

use super::{frame::Prepared, Hub};
use crate::events;

const BATCH: i64 = 512;
/// Batches read per wake-up before yielding to other work (it wakes itself to go on).
const MAX_BATCHES: usize = 64;
const RETRY: Duration = Duration::from_millis(250);
const EPOCH_CHECK: Duration = Duration::from_secs(15);
/// A read that takes longer is stuck on a dead (half-open) connection: start a fresh one.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// What the Redis receiver hands the dispatcher.
#[derive(Debug)]
pub enum Relayed {
    Event(Arc<Prepared>),
    /// The relay's heartbeat: everything up to this seq has been published.
    Head(i64),
}

pub struct Dispatcher {
    hub: Hub,
    pg: PgConnectOptions,
    /// A connection of its own, so REST load never delays fan-out.
    db: PgPool,
    wake: Arc<Notify>,
    relayed: mpsc::Receiver<Relayed>,
    stop: CancellationToken,
}

/// One connection, opened on first use.
pub fn own_pool(pg: &PgConnectOptions, name: &str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(pg.clone().application_name(name))
}

impl Dispatcher {
    pub fn new(
        hub: Hub,
        pg: PgConnectOptions,
        wake: Arc<Notify>,
        relayed: mpsc::Receiver<Relayed>,
        stop: CancellationToken,
    ) -> Dispatcher {
        Dispatcher {
            db: own_pool(&pg, "kenangan-dispatcher"),
            hub,
            pg,
            wake,
            relayed,
            stop,
        }
    }

    /// sqlx has no client-side statement timeout: a read on a half-open connection would hang
    /// for ever, so it is bounded and the connection replaced.
    async fn read<T>(
        &mut self,
        what: &str,
        f: impl std::future::Future<Output = crate::error::Result<T>>,
    ) -> Option<T> {
        match tokio::time::timeout(READ_TIMEOUT, f).await {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "dispatcher cannot {what}; retrying");
                None
            }
            Err(_) => {
                tracing::warn!(
                    "dispatcher read did not answer (half-open connection?); reconnecting"
                );
                self.db = own_pool(&self.pg, "kenangan-dispatcher");
                None
            }
        }
    }

    pub async fn run(mut self) {
        let mut retry_at: Option<tokio::time::Instant> = None;
        let mut epoch_tick = tokio::time::interval(EPOCH_CHECK);
        epoch_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let retry = async {
                match retry_at {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            let ok = tokio::select! {
                _ = self.stop.cancelled() => return,
                _ = self.wake.notified() => self.pull().await,
                Some(m) = self.relayed.recv() => match m {
                    Relayed::Event(p) => self.relayed_event(p).await,
                    Relayed::Head(h) if h > self.hub.registry().cursor() => self.pull().await,
                    Relayed::Head(_) => true,
                },
                _ = retry => self.pull().await,
                _ = epoch_tick.tick() => self.check_epoch().await,
            };
            retry_at = (!ok).then(|| tokio::time::Instant::now() + RETRY);
        }
    }

    fn dispatch(&self, p: &Arc<Prepared>) {
        let h = self.hub.registry().dispatch(p);
        self.hub.metrics().dispatched(p, h);
        // A user changed (deactivated, new role, password reset): every instance sees the
        // event in the log, so each closes that user's sessions; they reconnect and are
        // authorized afresh (or refused).
        if let Some(user_id) = p.user_changed() {
            self.hub.kick_user(user_id, super::session::CLOSE_AUTH);
        }
    }

    /// An event from Redis: taken as is when it continues the cursor; a hole is read from PostgreSQL.
    async fn relayed_event(&mut self, p: Arc<Prepared>) -> bool {
        let cursor = self.hub.registry().cursor();
        if p.seq <= cursor {
            return true;
        }
        if p.seq == cursor + 1 {
            self.dispatch(&p);
            return true;
        }
        self.hub.metrics().inc_backfill();
        tracing::debug!(
            cursor,
            got = p.seq,
            "hole in relayed seq; reading it from PostgreSQL"
        );
        self.pull().await
    }

    /// Reads and dispatches everything committed after the cursor. False on a database error.
    async fn pull(&mut self) -> bool {
        for _ in 0..MAX_BATCHES {
            let cursor = self.hub.registry().cursor();
            let db = self.db.clone();
            let Some(rows) = self
                .read("read the event log", events::read_after(&db, cursor, BATCH))
                .await
            else {
                return false;
            };
            if let Some(first) = rows.first() {
                if first.seq != cursor + 1 {
                    // Only pruning past a very stale cursor can do this; sessions behind it resnapshot.
                    tracing::warn!(
                        cursor,
                        first = first.seq,
                        "event log has a hole after the cursor"
                    );
                }
            }
            let n = rows.len() as i64;
            for e in &rows {
                self.dispatch(&Prepared::from_event(e));
            }
            if n < BATCH {
                return true;
            }
        }
        // More is waiting: come back after letting other tasks run.
        self.wake.notify_one();
        true
    }

    /// A restore (DESIGN: `event_counter.epoch`) rewinds the log: every session must resnapshot.
    async fn check_epoch(&mut self) -> bool {
        let db = self.db.clone();
        let q =
            async move {
                Ok(sqlx::query_as::<_, (i64, i64)>(
                    "SELECT seq, epoch FROM event_counter WHERE id = 1",
                )
                .fetch_one(&db)
                .await?)
            };
        let Some((seq, epoch)) = self.read("read the log head", q).await else {
            return true;
        };
        let known = self.hub.epoch();
        if epoch != known || seq < self.hub.registry().cursor() {
            tracing::warn!(
                old_epoch = known,
                epoch,
                seq,
                "event log was restored; restarting every session"
            );
            self.hub.set_epoch(epoch);
            self.hub.registry().reset_cursor(seq);
            self.hub.close_all(1012);
        }
        true
    }
}
