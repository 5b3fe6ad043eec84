//! Live sessions by topic, and the dispatcher's cursor.
//!
//! The seam between replay and live delivery rests on one rule: the dispatcher hands an event
//! out and advances `cursor` under the same lock a session takes to join. A session that joins
//! when `cursor == c` has therefore received (by replay) everything up to `c` and will be
//! handed everything after `c`. Hand-out is `try_send` into each session's bounded queue; the
//! lock is never held across an await.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        atomic::{AtomicBool, AtomicI64, AtomicU16, AtomicU64, Ordering},
        Arc, Mutex, MutexGuard,
    },
};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::Notify;

use super::frame::Prepared;
use crate::auth::Role;

pub type SessionId = u64;

/// What the dispatcher (or presence) puts in a session's queue.
#[derive(Debug)]
pub enum Out {
    Event(Arc<Prepared>),
    /// A frame not in the event stream (presence). Behind an `Arc` to keep queue slots small.
    Frame(Arc<Utf8Bytes>),
}

/// Out-of-band control of one session: the dispatcher closes a slow session through it
/// without ever touching its socket, and the hub's heartbeat sweep (`heartbeat`) reads its
/// liveness and token expiry here and asks it to ping — so an idle session owns no timer.
/// It also holds the session's bounded outbound queue: a `VecDeque` that allocates only
/// while frames wait (an idle session's queue costs nothing), filled by the dispatcher and
/// emptied by the session in one go per wake-up.
pub struct SessionCtl {
    close_code: AtomicU16,
    /// Wakes the session: a close, a ping request, or frames queued (when the queue was empty).
    pub notify: Notify,
    queue: Mutex<VecDeque<Out>>,
    capacity: usize,
    /// `heartbeat::now_ms()` of the last frame received from the screen.
    pub(super) last_inbound: AtomicU64,
    /// `heartbeat::now_ms()` of the last ping the sweep asked for.
    pub(super) last_ping: AtomicU64,
    /// Set by the sweep: send a WebSocket ping.
    pub(super) ping_due: AtomicBool,
    /// Unix seconds at which the session's token expires.
    pub(super) expires_at: AtomicI64,
}

impl SessionCtl {
    /// A session whose queue holds at most `capacity` frames.
    pub fn new(capacity: usize) -> SessionCtl {
        SessionCtl {
            close_code: AtomicU16::new(0),
            notify: Notify::new(),
            queue: Mutex::new(VecDeque::new()),
            capacity,
            last_inbound: AtomicU64::new(0),
            last_ping: AtomicU64::new(0),
            ping_due: AtomicBool::new(false),
            expires_at: AtomicI64::new(i64::MAX),
        }
    }

    /// Queues a frame; false when the queue is full (the screen is not keeping up). Wakes the
    /// session only when the queue was empty: otherwise a wake-up is already pending.
    pub fn push(&self, out: Out) -> bool {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() >= self.capacity {
            return false;
        }
        let wake = q.is_empty();
        q.push_back(out);
        drop(q);
        if wake {
            self.notify.notify_one();
        }
        true
    }

    /// Everything queued, oldest first (the queue is left empty, with no allocation).
    pub fn take_queued(&self) -> VecDeque<Out> {
        std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn close(&self, code: u16) {
        // The first reason wins (a 4008 is not turned into something else later).
        let _ = self
            .close_code
            .compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire);
        self.notify.notify_one();
    }

    /// A frame came from the screen: it is alive.
    pub fn touch(&self) {
        self.last_inbound
            .store(super::heartbeat::now_ms(), Ordering::Relaxed);
    }

    pub fn set_expiry(&self, unix_secs: i64) {
        self.expires_at.store(unix_secs, Ordering::Relaxed);
    }

    /// Takes the sweep's ping request, if any (a plain load first: almost always false).
    pub fn take_ping(&self) -> bool {
        self.ping_due.load(Ordering::Relaxed) && self.ping_due.swap(false, Ordering::AcqRel)
    }

    pub fn close_code(&self) -> Option<u16> {
        match self.close_code.load(Ordering::Acquire) {
            0 => None,
            c => Some(c),
        }
    }
}

struct Live {
    ctl: Arc<SessionCtl>,
    role: Role,
    /// Shared with the `by_topic` keys: no string allocation per session and topic.
    topics: Vec<Arc<str>>,
    /// Last seq handed to this session, so an event on several of its topics goes once.
    last: i64,
}

#[derive(Default)]
struct Inner {
    cursor: i64,
    sessions: HashMap<SessionId, Live>,
    by_topic: HashMap<Arc<str>, Vec<SessionId>>,
}

/// Outcome of handing one event out.
#[derive(Default, Debug, Clone, Copy)]
pub struct Handout {
    pub delivered: u64,
    pub slow_closed: u64,
}

pub struct Registry {
    inner: Mutex<Inner>,
    /// Mirror of `inner.cursor` for lock-free reads.
    cursor: AtomicI64,
}

pub const SLOW_CONSUMER: u16 = 4008;

impl Registry {
    pub fn new(cursor: i64) -> Registry {
        Registry {
            inner: Mutex::new(Inner {
                cursor,
                ..Default::default()
            }),
            cursor: AtomicI64::new(cursor),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the maps half-updated in a way that
        // matters more than stopping fan-out would; keep serving.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn cursor(&self) -> i64 {
        self.cursor.load(Ordering::Acquire)
    }

    /// Hands `ev` to every live session holding one of its topics, then advances the cursor.
    /// Events must come in seq order; older ones are ignored.
    pub fn dispatch(&self, ev: &Arc<Prepared>) -> Handout {
        let mut out = Handout::default();
        let mut g = self.lock();
        if ev.seq <= g.cursor {
            return out;
        }
        let mut slow: Vec<SessionId> = Vec::new();
        {
            let Inner {
                sessions, by_topic, ..
            } = &mut *g;
            for t in ev.topics.iter() {
                let Some(ids) = by_topic.get(&**t) else {
                    continue;
                };
                for id in ids {
                    let Some(s) = sessions.get_mut(id) else {
                        continue;
                    };
                    if s.last >= ev.seq {
                        continue;
                    }
                    s.last = ev.seq;
                    if s.ctl.push(Out::Event(ev.clone())) {
                        out.delivered += 1;
                    } else {
                        slow.push(*id);
                    }
                }
            }
        }
        for id in slow {
            if let Some(s) = remove(&mut g, id) {
                s.ctl.close(SLOW_CONSUMER);
                out.slow_closed += 1;
            }
        }
        g.cursor = ev.seq;
        self.cursor.store(ev.seq, Ordering::Release);
        out
    }

    /// Moves the cursor without handing anything out (after a restore resets the log).
    pub fn reset_cursor(&self, cursor: i64) {
        let mut g = self.lock();
        g.cursor = cursor;
        self.cursor.store(cursor, Ordering::Release);
    }

    /// Joins the live stream if the dispatcher has not gone past `covered`; otherwise returns
    /// false and the session replays up to the new cursor first.
    pub fn join(
        &self,
        id: SessionId,
        ctl: &Arc<SessionCtl>,
        role: Role,
        topics: &[String],
        covered: i64,
    ) -> bool {
        let mut g = self.lock();
        if g.cursor > covered {
            return false;
        }
        remove(&mut g, id);
        let topics: Vec<Arc<str>> = topics
            .iter()
            .map(|t| {
                let key = match g.by_topic.get_key_value(t.as_str()) {
                    Some((k, _)) => k.clone(),
                    None => Arc::from(t.as_str()),
                };
                g.by_topic.entry(key.clone()).or_default().push(id);
                key
            })
            .collect();
        g.sessions.insert(
            id,
            Live {
                ctl: ctl.clone(),
                role,
                topics,
                last: covered,
            },
        );
        true
    }

    /// Leaves the live stream; returns the cursor at that instant. Everything up to it that
    /// matched the session is already in its queue, nothing after it will be.
    pub fn leave(&self, id: SessionId) -> i64 {
        let mut g = self.lock();
        remove(&mut g, id);
        g.cursor
    }

    /// Drops topics from a live session (events still queued for them are filtered by the session).
    pub fn drop_topics(&self, id: SessionId, topics: &[String]) {
        let mut g = self.lock();
        let Inner {
            sessions, by_topic, ..
        } = &mut *g;
        if let Some(s) = sessions.get_mut(&id) {
            s.topics
                .retain(|t| !topics.iter().any(|x| x.as_str() == &**t));
        }
        for t in topics {
            if let Some(ids) = by_topic.get_mut(t.as_str()) {
                ids.retain(|x| *x != id);
                if ids.is_empty() {
                    by_topic.remove(t.as_str());
                }
            }
        }
    }

    /// Sends a non-event frame to live sessions holding `topic` whose role passes `want`; the
    /// frame is built only if someone is to receive it.
    pub fn broadcast(
        &self,
        topic: &str,
        want: impl Fn(Role) -> bool,
        build: impl FnOnce() -> Utf8Bytes,
    ) {
        let mut build = Some(build);
        let mut frame: Option<Arc<Utf8Bytes>> = None;
        let mut g = self.lock();
        let mut slow = Vec::new();
        {
            let Inner {
                sessions, by_topic, ..
            } = &mut *g;
            let Some(ids) = by_topic.get(topic) else {
                return;
            };
            for id in ids {
                let Some(s) = sessions.get_mut(id) else {
                    continue;
                };
                if !want(s.role) {
                    continue;
                }
                let f = match (&frame, build.take()) {
                    (Some(f), _) => f.clone(),
                    (None, Some(b)) => frame.insert(Arc::new(b())).clone(),
                    (None, None) => return,
                };
                if !s.ctl.push(Out::Frame(f)) {
                    slow.push(*id);
                }
            }
        }
        for id in slow {
            if let Some(s) = remove(&mut g, id) {
                s.ctl.close(SLOW_CONSUMER);
            }
        }
    }

    /// Live sessions per topic, for metrics.
    pub fn topic_counts(&self) -> Vec<(String, usize)> {
        let g = self.lock();
        let mut v: Vec<(String, usize)> = g
            .by_topic
            .iter()
            .map(|(t, ids)| (t.to_string(), ids.len()))
            .collect();
        v.sort();
        v
    }

    pub fn live_sessions(&self) -> usize {
        self.lock().sessions.len()
    }
}

fn remove(g: &mut Inner, id: SessionId) -> Option<Live> {
    let s = g.sessions.remove(&id)?;
    for t in &s.topics {
        if let Some(ids) = g.by_topic.get_mut(&**t) {
            ids.retain(|x| *x != id);
            if ids.is_empty() {
                g.by_topic.remove(&**t);
            }
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Event;

    fn ev(seq: i64, topics: &[&str]) -> Arc<Prepared> {
        Prepared::from_event(&Event {
            seq,
            at: chrono::Utc::now(),
            kind: "k".into(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            payload: serde_json::Value::Null,
            actor: None,
        })
    }

    #[test]
    fn an_event_on_two_held_topics_is_handed_out_once() {
        let r = Registry::new(0);
        let ctl = Arc::new(SessionCtl::new(8));
        assert!(r.join(1, &ctl, Role::Manager, &["expo".into(), "floor".into()], 0));
        r.dispatch(&ev(1, &["expo", "floor"]));
        r.dispatch(&ev(2, &["orders"]));
        let mut q = ctl.take_queued();
        assert!(matches!(q.pop_front(), Some(Out::Event(e)) if e.seq == 1));
        assert!(q.is_empty());
        assert_eq!(r.cursor(), 2);
    }

    #[test]
    fn join_refuses_when_the_dispatcher_is_ahead() {
        let r = Registry::new(5);
        let ctl = Arc::new(SessionCtl::new(8));
        assert!(!r.join(1, &ctl, Role::Kitchen, &["expo".into()], 4));
        assert!(r.join(1, &ctl, Role::Kitchen, &["expo".into()], 5));
    }

    #[test]
    fn a_full_queue_closes_only_that_session() {
        let r = Registry::new(0);
        let slow = Arc::new(SessionCtl::new(1));
        let ok = Arc::new(SessionCtl::new(8));
        r.join(1, &slow, Role::Kitchen, &["expo".into()], 0);
        r.join(2, &ok, Role::Kitchen, &["expo".into()], 0);
        r.dispatch(&ev(1, &["expo"]));
        let h = r.dispatch(&ev(2, &["expo"]));
        assert_eq!(h.slow_closed, 1);
        assert_eq!(slow.close_code(), Some(SLOW_CONSUMER));
        assert_eq!(ok.close_code(), None);
        assert_eq!(r.live_sessions(), 1);
        assert_eq!(ok.take_queued().len(), 2);
    }
}
