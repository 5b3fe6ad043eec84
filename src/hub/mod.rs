//! The real-time hub (DESIGN §3, §4, §6): WebSocket sessions, topics, replay, fan-out and presence.
//!
//! One dispatcher per process owns the cursor into the event log and hands each event, serialized
//! once, to the live sessions holding its topics (`registry`). It learns of new events from a
//! dedicated LISTEN connection (`events::listener`) or, with Redis, from the relay
//! (`events::redis_bridge`). A session joining or resuming replays from the log (`subscribe`)
//! and joins the live stream exactly where the dispatcher stands.

pub mod access;
pub mod dispatch;
pub mod frame;
pub mod heartbeat;
pub mod metrics;
pub mod presence;
pub mod raw;
pub mod registry;
pub mod replay;
pub mod session;
pub mod settings;
pub mod snapshot;
mod subscribe;

use std::{
    collections::HashMap,
    future::Future,
    sync::{
        atomic::{AtomicI64, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use anyhow::Context;
use sqlx::PgPool;
use tokio::{
    sync::{Notify, OwnedSemaphorePermit, Semaphore},
    task::JoinHandle,
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use self::{
    dispatch::Dispatcher,
    metrics::Metrics,
    presence::Presence,
    registry::{Registry, SessionCtl, SessionId},
};
use crate::{app::Routes, auth::AuthUser, config::Config, events};

pub use metrics::handler as metrics;

pub fn routes(r: Routes) -> Routes {
    r.get("/ws", session::upgrade)
        .get("/presence", presence::list)
}

#[derive(Clone)]
pub struct Hub(Arc<Inner>);

struct WaitingGuard<'a>(&'a AtomicI64);

impl Drop for WaitingGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

struct Inner {
    instance: String,
    registry: Arc<Registry>,
    metrics: Arc<Metrics>,
    presence: Arc<Presence>,
    /// Each live session's control and its user.
    sessions: Mutex<HashMap<SessionId, (i32, Arc<SessionCtl>)>>,
    next_id: AtomicU64,
    epoch: AtomicI64,
    /// Graceful shutdown: sessions close with 1012.
    closing: CancellationToken,
    /// Background tasks stop (after the sessions are gone).
    stop: CancellationToken,
    /// Fault injection: everything stops without a goodbye.
    crashed: CancellationToken,
    tracker: TaskTracker,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// Admission control for catching sessions up (replays, snapshots): at most this many
    /// read the log at once, so a reconnect storm queues instead of draining the pool.
    catchup: Arc<Semaphore>,
    catchup_permits: usize,
    catchup_waiting: AtomicI64,
}

impl Hub {
    /// Starts the dispatcher and its event source: PostgreSQL LISTEN, or with `REDIS_URL` the
    /// Redis relay election and subscription (falling back to LISTEN while Redis is away).
    pub async fn start(db: PgPool, config: Arc<Config>) -> anyhow::Result<Hub> {
        let (head, epoch): (i64, i64) =
            sqlx::query_as("SELECT seq, epoch FROM event_counter WHERE id = 1")
                .fetch_one(&db)
                .await
                .context("reading the event log head")?;
        let settings = &config.hub;
        let registry = Arc::new(Registry::new(head));
        let shared = config.redis_url.is_some();
        let (presence, presence_redis) =
            Presence::new(settings.instance_id.clone(), registry.clone(), shared);
        let catchup_permits = settings.catchup_permits(config.db_pool_size);
        let hub = Hub(Arc::new(Inner {
            instance: settings.instance_id.clone(),
            registry,
            metrics: Arc::new(Metrics::default()),
            presence: Arc::new(presence),
            sessions: Mutex::default(),
            next_id: AtomicU64::new(1),
            epoch: AtomicI64::new(epoch),
            closing: CancellationToken::new(),
            stop: CancellationToken::new(),
            crashed: CancellationToken::new(),
            tracker: TaskTracker::new(),
            tasks: Mutex::default(),
            catchup: Arc::new(Semaphore::new(catchup_permits)),
            catchup_permits,
            catchup_waiting: AtomicI64::new(0),
        }));
        hub.spawn(heartbeat::run(
            hub.clone(),
            settings.ping_interval,
            hub.0.stop.clone(),
        ));

        let pg = crate::db::options(&config.database_url)?;
        let wake = Arc::new(Notify::new());
        let (relayed_tx, relayed_rx) = tokio::sync::mpsc::channel(1024);
        let dispatcher = Dispatcher::new(
            hub.clone(),
            pg.clone(),
            wake.clone(),
            relayed_rx,
            hub.0.stop.clone(),
        );
        hub.spawn(dispatcher.run());

        let redis = match &config.redis_url {
            None => {
                hub.metrics()
                    .fanout_mode
                    .store(metrics::MODE_LISTEN, Ordering::Relaxed);
                hub.spawn(events::listener::run(
                    pg.clone().application_name("kenangan-listener"),
                    wake,
                    settings.listener_probe,
                    hub.metrics().listener_reconnects.clone(),
                    hub.0.stop.clone(),
                ));
                None
            }
            Some(url) => {
                let client = redis::Client::open(url.as_str()).context("REDIS_URL")?;
                let bridge = events::redis_bridge::Bridge {
                    client: client.clone(),
                    prefix: settings.redis_prefix.clone(),
                    instance: settings.instance_id.clone(),
                    lease: settings.relay_lease,
                    probe: settings.listener_probe,
                    pg: pg.clone(),
                    metrics: hub.0.metrics.clone(),
                    presence: hub.0.presence.clone(),
                    stop: hub.0.stop.clone(),
                };
                hub.spawn(bridge.clone().receive(relayed_tx, wake));
                hub.spawn(bridge.relay());
                Some(client)
            }
        };
        if let Some(raw) = raw::RawFanout::from_env(config.is_production()) {
            hub.spawn(raw::run(hub.clone(), raw));
        }
        if let Some(after) = config.event_prune_after {
            hub.spawn(events::retention::run(
                db.clone(),
                after,
                hub.0.stop.clone(),
            ));
        }
        let presence_redis = redis.zip(presence_redis);
        hub.spawn(presence::run(
            hub.0.presence.clone(),
            db,
            presence_redis,
            settings.redis_prefix.clone(),
            hub.0.stop.clone(),
        ));
        Ok(hub)
    }

    fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) {
        let h = tokio::spawn(f);
        self.0
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(h);
    }

    pub fn registry(&self) -> &Registry {
        &self.0.registry
    }

    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    pub fn presence(&self) -> &Presence {
        &self.0.presence
    }

    pub fn instance(&self) -> &str {
        &self.0.instance
    }

    pub fn epoch(&self) -> i64 {
        self.0.epoch.load(Ordering::Acquire)
    }

    pub(crate) fn set_epoch(&self, e: i64) {
        self.0.epoch.store(e, Ordering::Release);
    }

    pub fn is_closing(&self) -> bool {
        self.0.closing.is_cancelled()
    }

    pub(crate) fn closing(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.0.closing.cancelled()
    }

    /// Resolves once a shutdown has begun.
    pub async fn closing_signal(&self) {
        self.0.closing.cancelled().await
    }

    pub(crate) fn crashed(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.0.crashed.cancelled()
    }

    /// Session tasks are tracked so a shutdown can wait for their close frames.
    pub(crate) fn track<F: Future<Output = ()>>(&self, f: F) -> impl Future<Output = ()> {
        self.0.tracker.track_future(f)
    }

    pub(crate) fn open_session(&self, user: &AuthUser, ctl: Arc<SessionCtl>) -> SessionId {
        let id = self.0.next_id.fetch_add(1, Ordering::Relaxed);
        self.0
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, (user.id, ctl.clone()));
        // A session that slipped in as the shutdown began is closed like the others.
        if self.is_closing() {
            ctl.close(session::CLOSE_RESTART);
        }
        self.0.presence.connect(id, user);
        self.metrics()
            .sessions_opened
            .fetch_add(1, Ordering::Relaxed);
        self.metrics()
            .sessions_active
            .fetch_add(1, Ordering::Relaxed);
        id
    }

    pub(crate) fn close_session(&self, id: SessionId) {
        self.0.registry.leave(id);
        self.0
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        self.0.presence.disconnect(id);
        self.metrics()
            .sessions_active
            .fetch_sub(1, Ordering::Relaxed);
    }

    /// Runs `f` on every open session's control (the heartbeat sweep), under the sessions lock.
    pub(crate) fn each_session(&self, mut f: impl FnMut(&SessionCtl)) {
        for (_, ctl) in self
            .0
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            f(ctl);
        }
    }

    /// Waits for one of the catch-up permits (`WS_CATCHUP_CONCURRENCY`). Held while a session
    /// reads the log or a snapshot, never while it writes to its socket.
    /// (`None` only if the semaphore were closed, which it never is.)
    pub(crate) async fn catchup_permit(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(p) = self.0.catchup.clone().try_acquire_owned() {
            return Some(p);
        }
        self.0.catchup_waiting.fetch_add(1, Ordering::Relaxed);
        let _waiting = WaitingGuard(&self.0.catchup_waiting);
        self.0.catchup.clone().acquire_owned().await.ok()
    }

    /// Sessions waiting for a catch-up permit, and how many permits there are (metrics).
    pub fn catchup_state(&self) -> (i64, usize, usize) {
        (
            self.0.catchup_waiting.load(Ordering::Relaxed),
            self.0.catchup_permits - self.0.catchup.available_permits(),
            self.0.catchup_permits,
        )
    }

    /// Closes every session with `code` (they reconnect and resume or resnapshot).
    pub fn close_all(&self, code: u16) {
        let all: Vec<Arc<SessionCtl>> = self
            .0
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|(_, ctl)| ctl.clone())
            .collect();
        for ctl in all {
            ctl.close(code);
        }
    }

    /// Closes every session of one user with `code`.
    pub fn kick_user(&self, user_id: i32, code: u16) {
        let theirs: Vec<Arc<SessionCtl>> = self
            .0
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|(uid, _)| *uid == user_id)
            .map(|(_, ctl)| ctl.clone())
            .collect();
        for ctl in theirs {
            ctl.close(code);
        }
    }

    /// Stops taking WebSocket connections and closes every session with 1012.
    pub fn begin_shutdown(&self) {
        self.0.closing.cancel();
        self.close_all(session::CLOSE_RESTART);
    }

    /// After `begin_shutdown`: waits (at most `grace`) for the sessions to close, then stops the
    /// background tasks (the relay gives up its lease, presence withdraws this instance).
    pub async fn finish(&self, grace: Duration) {
        self.begin_shutdown();
        self.0.tracker.close();
        if tokio::time::timeout(grace, self.0.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("some WebSocket sessions did not close in time");
        }
        self.0.stop.cancel();
        let tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.0.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for t in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(3), t).await;
        }
    }

    /// Fault injection for tests: stops everything at once as a killed process would — no close
    /// frames, no lease release, no presence withdrawal.
    pub fn crash(&self) {
        for t in self
            .0
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            t.abort();
        }
        self.0.crashed.cancel();
        self.close_all(session::CLOSE_ABORT);
        self.0.stop.cancel();
    }
}
