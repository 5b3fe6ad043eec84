//! Scale-out through Redis (DESIGN §3). One instance at a time holds a lease and relays
//! committed events from PostgreSQL to a pub/sub channel; every instance subscribes and feeds
//! its dispatcher, which takes an event only if it continues its cursor and reads any hole
//! back from PostgreSQL. Redis pub/sub is at-most-once, so every (re)subscription counts as a
//! gap, and while the subscription is down — or the relay is silent — the instance listens to
//! PostgreSQL itself, going back to Redis when it returns. Duplicates from overlapping paths
//! (or two relays for a moment) are harmless: the dispatcher drops any seq it has passed.

use std::{
    sync::{atomic::Ordering, Arc},
    time::Duration,
};

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sqlx::{postgres::PgConnectOptions, PgPool};
use tokio::{
    sync::{mpsc, Notify},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

use crate::hub::{
    dispatch::{own_pool, Relayed},
    frame::Prepared,
    metrics,
    metrics::Metrics,
    presence::{self, Presence},
};

const BATCH: i64 = 500;
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);
/// A relay that fell further behind than this starts from the head: receivers read the hole
/// from PostgreSQL anyway.
const MAX_RELAY_LAG: i64 = 10_000;

const RENEW: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

#[derive(Clone)]
pub struct Bridge {
    pub client: redis::Client,
    pub prefix: String,
    pub instance: String,
    pub lease: Duration,
    pub probe: Duration,
    pub pg: PgConnectOptions,
    pub metrics: Arc<Metrics>,
    pub presence: Arc<Presence>,
    pub stop: CancellationToken,
}

fn events_channel(prefix: &str) -> String {
    format!("{prefix}:events")
}

async fn timed<T>(
    f: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> redis::RedisResult<T> {
    match tokio::time::timeout(REDIS_TIMEOUT, f).await {
        Ok(r) => r,
        Err(_) => Err(redis::RedisError::from((
            redis::ErrorKind::IoError,
            "redis timed out",
        ))),
    }
}

/// A command connection that reconnects by itself; waits (until `stop`) for Redis to be reachable.
pub async fn manager(
    client: &redis::Client,
    stop: &CancellationToken,
) -> Option<ConnectionManager> {
    let cfg = ConnectionManagerConfig::new()
        .set_connection_timeout(REDIS_TIMEOUT)
        .set_response_timeout(REDIS_TIMEOUT)
        .set_number_of_retries(2)
        .set_max_delay(1000);
    let mut backoff = Duration::from_millis(200);
    loop {
        match ConnectionManager::new_with_config(client.clone(), cfg.clone()).await {
            Ok(c) => return Some(c),
            Err(e) => tracing::warn!(error = %e, "Redis unreachable; retrying"),
        }
        tokio::select! {
            _ = stop.cancelled() => return None,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

/// A PostgreSQL LISTEN running until its token is cancelled.
struct Listening {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Listening {
    fn start(b: &Bridge, name: &str, wake: Arc<Notify>) -> Listening {
        let stop = b.stop.child_token();
        let task = tokio::spawn(super::listener::run(
            b.pg.clone().application_name(name),
            wake,
            b.probe,
            b.metrics.listener_reconnects.clone(),
            stop.clone(),
        ));
        Listening { stop, task }
    }

    fn stop(self) {
        self.stop.cancel();
        drop(self.task);
    }
}

impl Bridge {
    /// How long the channel may stay silent before we assume the relay or our subscription is gone
    /// (the relay sends a heartbeat every third of its lease).
    fn silence(&self) -> Duration {
        self.lease * 2
    }

    /// Every instance: subscribe, feed the dispatcher, fall back to LISTEN while Redis is away.
    pub async fn receive(self, out: mpsc::Sender<Relayed>, wake: Arc<Notify>) {
        let events_ch = events_channel(&self.prefix);
        let presence_ch = presence::channel(&self.prefix);
        let mut fallback: Option<Listening> = None;
        let mut backoff = Duration::from_millis(100);
        let mut first = true;
        while !self.stop.is_cancelled() {
            let sub = tokio::select! {
                _ = self.stop.cancelled() => break,
                s = timed(async {
                    let mut ps = self.client.get_async_pubsub().await?;
                    ps.subscribe(&[&events_ch, &presence_ch]).await?;
                    Ok(ps.split())
                }) => s,
            };
            let (_sink, mut stream) = match sub {
                Ok(s) => s,
                Err(e) => {
                    if fallback.is_none() {
                        tracing::warn!(error = %e, "Redis unreachable; listening to PostgreSQL directly");
                        fallback = Some(Listening::start(&self, "kenangan-fallback", wake.clone()));
                        self.metrics
                            .fanout_mode
                            .store(metrics::MODE_FALLBACK, Ordering::Relaxed);
                    }
                    tokio::select! {
                        _ = self.stop.cancelled() => break,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                    continue;
                }
            };
            backoff = Duration::from_millis(100);
            if !first {
                self.metrics
                    .redis_reconnects
                    .fetch_add(1, Ordering::Relaxed);
            }
            first = false;
            // Whatever was published while we were not subscribed is lost to us: catch up.
            wake.notify_one();
            loop {
                let msg = tokio::select! {
                    _ = self.stop.cancelled() => break,
                    m = tokio::time::timeout(self.silence(), stream.next()) => m,
                };
                let msg = match msg {
                    Ok(Some(m)) => m,
                    Ok(None) => {
                        tracing::warn!(
                            "Redis subscription ended; listening to PostgreSQL until it is back"
                        );
                        break;
                    }
                    Err(_) => {
                        tracing::warn!("no relay heartbeat on Redis; listening to PostgreSQL and resubscribing");
                        break;
                    }
                };
                let payload = msg.get_payload_bytes();
                if msg.get_channel_name() == presence_ch {
                    self.presence.on_redis_message(payload);
                    continue;
                }
                let relayed = if let Some(seq) = payload.strip_prefix(b"H ") {
                    std::str::from_utf8(seq)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .map(Relayed::Head)
                } else {
                    Prepared::from_relay(payload).map(Relayed::Event)
                };
                let Some(relayed) = relayed else { continue };
                // The relay is alive and we hear it: PostgreSQL LISTEN is no longer needed.
                if let Some(l) = fallback.take() {
                    tracing::info!("Redis relay heard again; back to Redis fan-out");
                    l.stop();
                    wake.notify_one();
                }
                self.metrics
                    .fanout_mode
                    .store(metrics::MODE_REDIS, Ordering::Relaxed);
                // Never wait on the dispatcher here: redis-rs keeps reading the socket into an
                // unbounded buffer, so waiting would grow memory instead of pushing back. A
                // dropped event is a seq hole the dispatcher backfills from PostgreSQL.
                match out.try_send(relayed) {
                    Ok(()) => {}
                    Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => {
                        wake.notify_one();
                    }
                    Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => return,
                }
            }
            if self.stop.is_cancelled() {
                break;
            }
            if fallback.is_none() {
                fallback = Some(Listening::start(&self, "kenangan-fallback", wake.clone()));
                self.metrics
                    .fanout_mode
                    .store(metrics::MODE_FALLBACK, Ordering::Relaxed);
            }
        }
        if let Some(l) = fallback {
            l.stop();
        }
    }

    /// Every instance runs for the lease; the holder relays PostgreSQL → Redis.
    pub async fn relay(self) {
        let Some(mut conn) = manager(&self.client, &self.stop).await else {
            return;
        };
        let lease_key = format!("{}:relay:lease", self.prefix);
        let cursor_key = format!("{}:relay:cursor", self.prefix);
        let channel = events_channel(&self.prefix);
        let lease_ms = self.lease.as_millis() as u64;
        let mut db = own_pool(&self.pg, "kenangan-relay");
        let mut tick = tokio::time::interval(self.lease / 3);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let wake = Arc::new(Notify::new());
        let mut leading: Option<(Listening, i64)> = None;
        loop {
            let woken = async {
                if leading.is_some() {
                    wake.notified().await
                } else {
                    std::future::pending().await
                }
            };
            let mut beat = false;
            tokio::select! {
                _ = self.stop.cancelled() => break,
                _ = woken => {}
                _ = tick.tick() => {
                    beat = true;
                    match leading.take() {
                        None => {
                            let won: Option<String> = timed(
                                redis::cmd("SET").arg(&lease_key).arg(&self.instance).arg("NX").arg("PX").arg(lease_ms)
                                    .query_async(&mut conn),
                            ).await.unwrap_or(None);
                            if won.is_some() {
                                match self.relay_start(&mut conn, &db, &cursor_key).await {
                                    Some(c) => {
                                        tracing::info!(instance = %self.instance, from = c, "took the relay lease");
                                        self.metrics.relay_leader.store(1, Ordering::Relaxed);
                                        leading = Some((Listening::start(&self, "kenangan-relay-listen", wake.clone()), c));
                                    }
                                    None => release(&mut conn, &lease_key, &self.instance).await,
                                }
                            }
                        }
                        Some((listening, cursor)) => {
                            let kept: redis::RedisResult<i64> = timed(
                                redis::cmd("EVAL").arg(RENEW).arg(1).arg(&lease_key).arg(&self.instance).arg(lease_ms)
                                    .query_async(&mut conn),
                            ).await;
                            if matches!(kept, Ok(1)) {
                                leading = Some((listening, cursor));
                            } else {
                                tracing::warn!(instance = %self.instance, "lost the relay lease");
                                self.metrics.relay_leader.store(0, Ordering::Relaxed);
                                listening.stop();
                            }
                        }
                    }
                }
            }
            if let Some((_, cursor)) = leading.as_mut() {
                *cursor = self
                    .publish(&mut conn, &mut db, &channel, &cursor_key, *cursor)
                    .await;
                if beat {
                    // Lets receivers notice a lost message or a dead relay even when nothing happens.
                    let hb = format!("H {cursor}");
                    let _ = timed(
                        redis::cmd("PUBLISH")
                            .arg(&channel)
                            .arg(hb)
                            .query_async::<()>(&mut conn),
                    )
                    .await;
                }
            }
        }
        if let Some((listening, _)) = leading {
            listening.stop();
            release(&mut conn, &lease_key, &self.instance).await;
            self.metrics.relay_leader.store(0, Ordering::Relaxed);
        }
    }

    /// Where a new relay starts: the last seq any relay published, unless that is far behind.
    async fn relay_start(
        &self,
        conn: &mut ConnectionManager,
        db: &PgPool,
        cursor_key: &str,
    ) -> Option<i64> {
        let head = tokio::time::timeout(READ_TIMEOUT, super::head(db))
            .await
            .ok()?
            .ok()?;
        let stored: Option<i64> = timed(redis::cmd("GET").arg(cursor_key).query_async(conn))
            .await
            .ok()?;
        Some(match stored {
            Some(c) if c <= head && head - c <= MAX_RELAY_LAG => c,
            _ => head,
        })
    }

    /// Publishes everything committed after `cursor`; returns the new cursor.
    async fn publish(
        &self,
        conn: &mut ConnectionManager,
        db: &mut PgPool,
        channel: &str,
        cursor_key: &str,
        mut cursor: i64,
    ) -> i64 {
        for _ in 0..64 {
            let rows =
                match tokio::time::timeout(READ_TIMEOUT, super::read_after(&*db, cursor, BATCH))
                    .await
                {
                    Ok(Ok(r)) => r,
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "relay cannot read the event log");
                        return cursor;
                    }
                    Err(_) => {
                        // No client-side statement timeout in sqlx: a half-open connection hangs.
                        tracing::warn!(
                            "relay read did not answer (half-open connection?); reconnecting"
                        );
                        *db = own_pool(&self.pg, "kenangan-relay");
                        return cursor;
                    }
                };
            let Some(last) = rows.last().map(|e| e.seq) else {
                return cursor;
            };
            let mut p = redis::pipe();
            for e in &rows {
                p.publish(channel, Prepared::from_event(e).to_relay())
                    .ignore();
            }
            p.set(cursor_key, last).ignore();
            if let Err(e) = timed(p.query_async::<()>(conn)).await {
                tracing::warn!(error = %e, "relay cannot publish to Redis");
                return cursor;
            }
            self.metrics
                .relay_published
                .fetch_add(rows.len() as u64, Ordering::Relaxed);
            cursor = last;
            if (rows.len() as i64) < BATCH {
                break;
            }
        }
        cursor
    }
}

async fn release(conn: &mut ConnectionManager, key: &str, me: &str) {
    let _ = timed(
        redis::cmd("EVAL")
            .arg(RELEASE)
            .arg(1)
            .arg(key)
            .arg(me)
            .query_async::<i64>(conn),
    )
    .await;
}
