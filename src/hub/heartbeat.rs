//! One heartbeat for every session. Instead of a timer per session (10,000 idle screens were
//! 10,000 timers firing and 10,000 task wake-ups per ping interval), one task sweeps the
//! sessions once a second and reads a few atomics of each (`SessionCtl`): a screen silent for
//! `WS_PING_SECONDS` is asked to ping (only it is woken), one silent for 2.5 intervals is
//! closed with 1001, and one whose token has expired with 4001. A session that is not due is
//! never woken.

use std::{
    sync::{
        atomic::Ordering::{AcqRel, Relaxed},
        OnceLock,
    },
    time::{Duration, Instant},
};

use super::{
    session::{CLOSE_AUTH, CLOSE_GOING_AWAY},
    Hub,
};

/// How often the sweep runs: the granularity of pings, drops and token expiry.
pub const SWEEP: Duration = Duration::from_secs(1);

static START: OnceLock<Instant> = OnceLock::new();

/// Milliseconds on the hub's monotonic clock (a process-wide origin).
pub fn now_ms() -> u64 {
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

pub async fn run(hub: Hub, ping_interval: Duration, stop: tokio_util::sync::CancellationToken) {
    let mut tick = tokio::time::interval(SWEEP.min(ping_interval));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => sweep(&hub, ping_interval),
        }
    }
}

/// One pass over every session. Cheap per session (a few relaxed loads); only sessions with
/// something to do are notified.
pub fn sweep(hub: &Hub, ping_interval: Duration) {
    let now = now_ms();
    let unix = chrono::Utc::now().timestamp();
    let every = ping_interval.as_millis() as u64;
    let dead_after = every * 5 / 2;
    hub.each_session(|ctl| {
        if ctl.close_code().is_some() {
            return;
        }
        if ctl.expires_at.load(Relaxed) <= unix {
            ctl.close(CLOSE_AUTH);
            return;
        }
        let silent = now.saturating_sub(ctl.last_inbound.load(Relaxed));
        if silent > dead_after {
            ctl.close(CLOSE_GOING_AWAY);
            return;
        }
        // Any frame from the client proves it alive; ping only the silent ones, once per
        // interval (screens that send their own `ping` op are never pinged).
        if silent >= every && now.saturating_sub(ctl.last_ping.load(Relaxed)) >= every {
            ctl.last_ping.store(now, Relaxed);
            if !ctl.ping_due.swap(true, AcqRel) {
                ctl.notify.notify_one();
            }
        }
    });
}
