//! Prometheus text exposition for the hub, hand-rolled: a few atomics need no framework.

use std::{
    fmt::Write as _,
    sync::atomic::{AtomicI64, AtomicU64, AtomicU8, Ordering::Relaxed},
    sync::Arc,
};

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};

use super::{frame::Prepared, registry::Handout};
use crate::app::AppState;

/// Upper bounds (seconds) of the commit → hand-out latency histogram.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
pub struct Metrics {
    pub sessions_opened: AtomicU64,
    pub sessions_active: AtomicI64,
    pub auth_failures: AtomicU64,
    pub bad_frames: AtomicU64,
    pub events_dispatched: AtomicU64,
    pub frames_queued: AtomicU64,
    pub slow_closes: AtomicU64,
    pub replays: AtomicU64,
    pub replayed_events: AtomicU64,
    pub snapshots: AtomicU64,
    pub backfills: AtomicU64,
    pub listener_reconnects: Arc<AtomicU64>,
    pub redis_reconnects: AtomicU64,
    pub relay_published: AtomicU64,
    /// 1 while this instance holds the relay lease.
    pub relay_leader: AtomicU8,
    /// 0 = PostgreSQL LISTEN (no Redis), 1 = Redis, 2 = PostgreSQL LISTEN as fallback for Redis.
    pub fanout_mode: AtomicU8,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_us: AtomicU64,
}

pub const MODE_LISTEN: u8 = 0;
pub const MODE_REDIS: u8 = 1;
pub const MODE_FALLBACK: u8 = 2;

impl Metrics {
    pub fn dispatched(&self, p: &Prepared, h: Handout) {
        self.events_dispatched.fetch_add(1, Relaxed);
        self.frames_queued.fetch_add(h.delivered, Relaxed);
        self.slow_closes.fetch_add(h.slow_closed, Relaxed);
        let us = (chrono::Utc::now() - p.at)
            .num_microseconds()
            .unwrap_or(0)
            .max(0) as u64;
        let secs = us as f64 / 1e6;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.latency_buckets[i].fetch_add(1, Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Relaxed);
        self.latency_sum_us.fetch_add(us, Relaxed);
    }

    pub fn inc_backfill(&self) {
        self.backfills.fetch_add(1, Relaxed);
    }

    pub fn render(&self, topics: &[(String, usize)], live: usize, cursor: i64) -> String {
        let mut s = String::with_capacity(4096);
        let mut counter = |name: &str, help: &str, v: u64| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
        };
        counter(
            "kenangan_ws_sessions_opened_total",
            "WebSocket sessions authenticated.",
            self.sessions_opened.load(Relaxed),
        );
        counter(
            "kenangan_ws_auth_failures_total",
            "WebSocket connections closed with 4001.",
            self.auth_failures.load(Relaxed),
        );
        counter(
            "kenangan_ws_bad_frames_total",
            "Malformed or refused client frames.",
            self.bad_frames.load(Relaxed),
        );
        counter(
            "kenangan_hub_events_dispatched_total",
            "Events handed out by the dispatcher.",
            self.events_dispatched.load(Relaxed),
        );
        counter(
            "kenangan_hub_frames_queued_total",
            "Event frames queued to sessions.",
            self.frames_queued.load(Relaxed),
        );
        counter(
            "kenangan_hub_slow_consumer_closes_total",
            "Sessions closed with 4008 (queue full or write stalled).",
            self.slow_closes.load(Relaxed),
        );
        counter(
            "kenangan_hub_replays_total",
            "Subscriptions that replayed from the log.",
            self.replays.load(Relaxed),
        );
        counter(
            "kenangan_hub_replayed_events_total",
            "Events sent from the log on replay.",
            self.replayed_events.load(Relaxed),
        );
        counter(
            "kenangan_hub_snapshots_total",
            "Snapshots sent.",
            self.snapshots.load(Relaxed),
        );
        counter(
            "kenangan_hub_backfills_total",
            "Holes in relayed seq read back from PostgreSQL.",
            self.backfills.load(Relaxed),
        );
        counter(
            "kenangan_hub_listener_reconnects_total",
            "Times the LISTEN connection was re-established.",
            self.listener_reconnects.load(Relaxed),
        );
        counter(
            "kenangan_hub_redis_reconnects_total",
            "Times the Redis subscription was re-established.",
            self.redis_reconnects.load(Relaxed),
        );
        counter(
            "kenangan_hub_relay_published_total",
            "Events this instance published to Redis as relay.",
            self.relay_published.load(Relaxed),
        );
        let _ = writeln!(s, "# HELP kenangan_ws_sessions Open WebSocket sessions.\n# TYPE kenangan_ws_sessions gauge\nkenangan_ws_sessions {}", self.sessions_active.load(Relaxed));
        let _ = writeln!(s, "# HELP kenangan_ws_live_sessions Sessions receiving live events.\n# TYPE kenangan_ws_live_sessions gauge\nkenangan_ws_live_sessions {live}");
        let _ = writeln!(s, "# HELP kenangan_ws_topic_sessions Live sessions per topic.\n# TYPE kenangan_ws_topic_sessions gauge");
        for (t, n) in topics {
            let _ = writeln!(
                s,
                "kenangan_ws_topic_sessions{{topic=\"{}\"}} {n}",
                escape(t)
            );
        }
        let _ = writeln!(s, "# HELP kenangan_hub_cursor Last seq handed out.\n# TYPE kenangan_hub_cursor gauge\nkenangan_hub_cursor {cursor}");
        let _ = writeln!(s, "# HELP kenangan_hub_relay_leader 1 while this instance relays PostgreSQL to Redis.\n# TYPE kenangan_hub_relay_leader gauge\nkenangan_hub_relay_leader {}", self.relay_leader.load(Relaxed));
        let mode = self.fanout_mode.load(Relaxed);
        let _ = writeln!(s, "# HELP kenangan_hub_fanout_mode Where events come from (listen, redis, fallback).\n# TYPE kenangan_hub_fanout_mode gauge");
        for (m, name) in [
            (MODE_LISTEN, "listen"),
            (MODE_REDIS, "redis"),
            (MODE_FALLBACK, "fallback"),
        ] {
            let _ = writeln!(
                s,
                "kenangan_hub_fanout_mode{{mode=\"{name}\"}} {}",
                u8::from(m == mode)
            );
        }
        let name = "kenangan_hub_dispatch_latency_seconds";
        let _ = writeln!(
            s,
            "# HELP {name} From the writing transaction to hand-out.\n# TYPE {name} histogram"
        );
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                s,
                "{name}_bucket{{le=\"{b}\"}} {}",
                self.latency_buckets[i].load(Relaxed)
            );
        }
        let count = self.latency_count.load(Relaxed);
        let _ = writeln!(s, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            s,
            "{name}_sum {}",
            self.latency_sum_us.load(Relaxed) as f64 / 1e6
        );
        let _ = writeln!(s, "{name}_count {count}");
        s
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `GET /metrics`
pub async fn handler(State(st): State<AppState>) -> Response {
    let hub = &st.hub;
    let body = hub.metrics().render(
        &hub.registry().topic_counts(),
        hub.registry().live_sessions(),
        hub.registry().cursor(),
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
