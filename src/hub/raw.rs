//! Raw fan-out: the floor the load driver (`loadtest/fanout`) compares the full path against.
//!
//! With `KENANGAN_RAW_FANOUT="topic=expo,sessions=1000,count=600,rate=50"` (never in
//! production) the hub waits until `sessions` sessions are live, then hands one pre-serialized
//! frame per tick to every live session holding `topic`, through the same registry, bounded
//! queues and session tasks as events — but with no database, no event log, no JSON of an event
//! and no per-session `prev`/`topic` suffix. Each frame is built once per tick for all sessions:
//! `{"type":"raw","n":<1..count>,"t":<unix µs at hand-out>}`. It runs once per process.
//!
//! A benchmark tool only; screens never see it unless the variable is set.

use std::time::Duration;

use super::Hub;

#[derive(Debug, Clone, PartialEq)]
pub struct RawFanout {
    pub topic: String,
    pub sessions: usize,
    pub count: u64,
    pub rate: u64,
}

impl RawFanout {
    pub fn parse(s: &str) -> Option<RawFanout> {
        let mut r = RawFanout {
            topic: "expo".into(),
            sessions: 1,
            count: 100,
            rate: 10,
        };
        for kv in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = kv.split_once('=')?;
            match k.trim() {
                "topic" => r.topic = v.trim().to_string(),
                "sessions" => r.sessions = v.trim().parse().ok()?,
                "count" => r.count = v.trim().parse().ok()?,
                "rate" => r.rate = v.trim().parse().ok()?,
                _ => return None,
            }
        }
        r.rate = r.rate.clamp(1, 100_000);
        r.count = r.count.min(10_000_000);
        Some(r)
    }

    /// From `KENANGAN_RAW_FANOUT`, outside production only.
    pub fn from_env(production: bool) -> Option<RawFanout> {
        if production {
            return None;
        }
        let v = std::env::var("KENANGAN_RAW_FANOUT").ok()?;
        let r = RawFanout::parse(&v);
        if r.is_none() {
            tracing::warn!(value = %v, "KENANGAN_RAW_FANOUT not understood; raw fan-out off");
        }
        r
    }
}

pub async fn run(hub: Hub, cfg: RawFanout) {
    tracing::warn!(?cfg, "raw fan-out mode (benchmark): waiting for sessions");
    // Bounded wait: at most an hour for the sessions to appear.
    for _ in 0..36_000 {
        if hub.registry().live_sessions() >= cfg.sessions || hub.is_closing() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / cfg.rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for n in 1..=cfg.count {
        tick.tick().await;
        if hub.is_closing() {
            return;
        }
        let t = chrono::Utc::now().timestamp_micros();
        hub.registry().broadcast(
            &cfg.topic,
            |_| true,
            || format!(r#"{{"type":"raw","n":{n},"t":{t}}}"#).into(),
        );
    }
    tracing::warn!("raw fan-out finished");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_setting() {
        let r = RawFanout::parse("topic=station:bar, sessions=10,count=5,rate=20").unwrap();
        assert_eq!(r.topic, "station:bar");
        assert_eq!((r.sessions, r.count, r.rate), (10, 5, 20));
        assert!(RawFanout::parse("bogus=1").is_none());
    }
}
