//! Live sessions by topic, and the dispatcher's cursor.
//!
//! The seam between replay and live delivery rests on one rule: the dispatcher hands an event
//! out and advances `cursor` under the same lock a session takes to join. A session that joins
//! when `cursor == c` has therefore received (by replay) everything up to `c` and will be
//! handed everything after `c`. Hand-out is `try_send` into each session's bounded queue; the
//! lock is never held across an await.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicI64, AtomicU16, Ordering},
        Arc, Mutex, MutexGuard,
    },
};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{mpsc, Notify};

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
/// without ever touching its socket.
#[derive(Default)]
pub struct SessionCtl {
    close_code: AtomicU16,
    pub notify: Notify,
}

impl SessionCtl {
    pub fn close(&self, code: u16) {
        // The first reason wins (a 4008 is not turned into something else later).
        let _ = self
            .close_code
            .compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire);
        self.notify.notify_one();
    }

    pub fn close_code(&self) -> Option<u16> {
        match self.close_code.load(Ordering::Acquire) {
            0 => None,
            c => Some(c),
        }
    }
}

struct Live {
    tx: mpsc::Sender<Out>,
    ctl: Arc<SessionCtl>,
    role: Role,
    topics: Vec<Box<str>>,
    /// Last seq handed to this session, so an event on several of its topics goes once.
    last: i64,
}

#[derive(Default)]
struct Inner {
    cursor: i64,
    sessions: HashMap<SessionId, Live>,
    by_topic: HashMap<Box<str>, Vec<SessionId>>,
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
                let Some(ids) = by_topic.get(t) else { continue };
                for id in ids {
                    let Some(s) = sessions.get_mut(id) else {
                        continue;
                    };
                    if s.last >= ev.seq {
                        continue;
                    }
                    s.last = ev.seq;
                    match s.tx.try_send(Out::Event(ev.clone())) {
                        Ok(()) => out.delivered += 1,
                        Err(mpsc::error::TrySendError::Full(_)) => slow.push(*id),
                        // The session is ending; it removes itself.
                        Err(mpsc::error::TrySendError::Closed(_)) => {}
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
        tx: &mpsc::Sender<Out>,
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
        let topics: Vec<Box<str>> = topics.iter().map(|t| t.as_str().into()).collect();
        for t in &topics {
            g.by_topic.entry(t.clone()).or_default().push(id);
        }
        g.sessions.insert(
            id,
            Live {
                tx: tx.clone(),
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
                if let Err(mpsc::error::TrySendError::Full(_)) = s.tx.try_send(Out::Frame(f)) {
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
        if let Some(ids) = g.by_topic.get_mut(t) {
            ids.retain(|x| *x != id);
            if ids.is_empty() {
                g.by_topic.remove(t);
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
        let (tx, mut rx) = mpsc::channel(8);
        let ctl = Arc::new(SessionCtl::default());
        assert!(r.join(
            1,
            &tx,
            &ctl,
            Role::Manager,
            &["expo".into(), "floor".into()],
            0
        ));
        r.dispatch(&ev(1, &["expo", "floor"]));
        r.dispatch(&ev(2, &["orders"]));
        assert!(matches!(rx.try_recv(), Ok(Out::Event(e)) if e.seq == 1));
        assert!(rx.try_recv().is_err());
        assert_eq!(r.cursor(), 2);
    }

    #[test]
    fn join_refuses_when_the_dispatcher_is_ahead() {
        let r = Registry::new(5);
        let (tx, _rx) = mpsc::channel(8);
        let ctl = Arc::new(SessionCtl::default());
        assert!(!r.join(1, &tx, &ctl, Role::Kitchen, &["expo".into()], 4));
        assert!(r.join(1, &tx, &ctl, Role::Kitchen, &["expo".into()], 5));
    }

    #[test]
    fn a_full_queue_closes_only_that_session() {
        let r = Registry::new(0);
        let (slow_tx, _slow_rx) = mpsc::channel(1);
        let (ok_tx, mut ok_rx) = mpsc::channel(8);
        let slow = Arc::new(SessionCtl::default());
        let ok = Arc::new(SessionCtl::default());
        r.join(1, &slow_tx, &slow, Role::Kitchen, &["expo".into()], 0);
        r.join(2, &ok_tx, &ok, Role::Kitchen, &["expo".into()], 0);
        r.dispatch(&ev(1, &["expo"]));
        let h = r.dispatch(&ev(2, &["expo"]));
        assert_eq!(h.slow_closed, 1);
        assert_eq!(slow.close_code(), Some(SLOW_CONSUMER));
        assert_eq!(ok.close_code(), None);
        assert_eq!(r.live_sessions(), 1);
        assert!(ok_rx.try_recv().is_ok() && ok_rx.try_recv().is_ok());
    }
}
