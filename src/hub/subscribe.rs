//! Subscribing: authorize, leave the live stream, replay or snapshot, rejoin — without a gap
//! or a duplicate at the seam (see `registry` for the rule that makes the seam exact).
//!
//! A session's events form one stream in seq order. Topics added to a session that already
//! streams are replayed from `since` when that cannot reorder the stream (nothing of the new
//! topics lies before the session's position), otherwise they get a snapshot.

use std::{future::Future, sync::atomic::Ordering::Relaxed, time::Duration};

use super::{
    access,
    frame::{self, Prepared},
    registry::{SessionCtl, SessionId},
    replay,
    session::{kick, End, Session, CLOSE_INTERNAL, CLOSE_TRY_LATER, MAX_TOPICS},
    snapshot, Hub,
};
use crate::auth::Role;

const BATCH: i64 = 500;
/// Rounds of "replay up to the dispatcher's cursor, try to join" before giving up (the
/// dispatcher moving faster than one screen can replay means the server is overloaded).
const MAX_ROUNDS: usize = 1000;
/// Longest a session waits for a catch-up permit before it is told to come back (1013).
const ADMIT_WAIT: Duration = Duration::from_secs(60);

enum Start {
    /// Replay the new topics from this seq.
    From(i64),
    Snapshot,
}

impl Session {
    pub(super) async fn subscribe(
        &mut self,
        topics: Vec<String>,
        since: Option<i64>,
        epoch: Option<i64>,
    ) -> Result<(), End> {
        let mut new: Vec<String> = Vec::new();
        for t in topics {
            if self.held.contains(&t) || new.contains(&t) {
                continue;
            }
            match access::check(&self.user, &t) {
                Ok(()) => new.push(t),
                Err(r) => self.error(r.code, &r.message, Some(&t)).await?,
            }
        }
        if new.is_empty() {
            let held = self.held.clone();
            return self
                .send(frame::subscribed(&held, self.covered, 0, false))
                .await;
        }
        if self.held.len() + new.len() > MAX_TOPICS {
            return self
                .error(
                    "too_many_topics",
                    "A session holds at most 64 topics.",
                    None,
                )
                .await;
        }

        // Leave the live stream; what it already queued for us goes out first.
        let left_at = self.hub.registry().leave(self.id);
        for item in self.ctl.take_queued() {
            self.deliver(item).await?;
        }
        if self.pos.is_some() {
            self.covered = self.covered.max(left_at);
        }

        let start = self.plan(&new, since, epoch).await?;
        let (from_new, snap) = match start {
            Start::From(s) => {
                if self.pos.is_none() {
                    self.pos = Some(s);
                    self.covered = s;
                }
                (s, false)
            }
            Start::Snapshot => (self.snapshot(&new).await?, true),
        };
        let old = std::mem::take(&mut self.held);
        self.held = old.iter().chain(new.iter()).cloned().collect();
        let replayed = self.catch_up(&new, from_new).await?;
        let m = self.hub.metrics();
        if replayed > 0 {
            m.replays.fetch_add(1, Relaxed);
            m.replayed_events.fetch_add(replayed, Relaxed);
        }
        self.hub.presence().update(self.id, &self.held);
        let held = self.held.clone();
        self.send(frame::subscribed(&held, self.covered, replayed, snap))
            .await?;
        // While this session was out of the live stream it missed presence broadcasts, so a
        // manager holding `floor` gets the full picture again after every subscribe.
        if self.held.iter().any(|t| t == "floor")
            && matches!(self.user.role, Role::Manager | Role::Admin)
        {
            let f = self.hub.presence().sync_frame();
            self.send(f).await?;
        }
        Ok(())
    }

    /// Replay from `since`, or snapshot.
    async fn plan(
        &mut self,
        new: &[String],
        since: Option<i64>,
        epoch: Option<i64>,
    ) -> Result<Start, End> {
        let Some(s) = since else {
            return Ok(Start::Snapshot);
        };
        let retention = self.st.config.event_retention;
        let ok = admitted(
            &self.hub,
            &self.ctl,
            self.id,
            replay::replayable(&self.st.db, s, epoch, retention),
        )
        .await?;
        if !ok {
            return Ok(Start::Snapshot);
        }
        if self.pos.is_none() || s >= self.covered {
            return Ok(Start::From(s));
        }
        // The stream is already past `since`: replaying the new topics from there would send
        // older seqs after newer ones, unless they have nothing in between.
        let behind = admitted(
            &self.hub,
            &self.ctl,
            self.id,
            replay::any_in_range(&self.st.db, s, self.covered, new),
        )
        .await?;
        Ok(if behind {
            Start::Snapshot
        } else {
            Start::From(self.covered)
        })
    }

    /// Sends a snapshot of `new`, first bringing the topics already held up to its seq so the
    /// stream stays in order. Returns the snapshot seq.
    async fn snapshot(&mut self, new: &[String]) -> Result<i64, End> {
        let snap = admitted(
            &self.hub,
            &self.ctl,
            self.id,
            snapshot::take(&self.st.db, new),
        )
        .await?;
        if self.pos.is_some() && snap.seq > self.covered {
            let held = self.held.clone();
            self.replay_upto(&held, &[], i64::MIN, snap.seq).await?;
        }
        for (t, state) in new.iter().zip(&snap.states) {
            self.send(frame::snapshot(t, snap.seq, snap.epoch, state))
                .await?;
        }
        self.hub.metrics().snapshots.fetch_add(1, Relaxed);
        self.pos = Some(snap.seq);
        self.covered = self.covered.max(snap.seq);
        Ok(snap.seq)
    }

    /// Replays up to the dispatcher's cursor and joins the live stream at exactly that point.
    async fn catch_up(&mut self, new: &[String], from_new: i64) -> Result<u64, End> {
        let mut replayed = 0;
        let held = self.held.clone();
        for _ in 0..MAX_ROUNDS {
            let target = self.hub.registry().cursor();
            if self.covered >= target {
                let joined = self.hub.registry().join(
                    self.id,
                    &self.ctl,
                    self.user.role,
                    &held,
                    self.covered,
                );
                if joined {
                    return Ok(replayed);
                }
                continue;
            }
            replayed += self.replay_upto(&held, new, from_new, target).await?;
        }
        Err(End::Close(
            CLOSE_TRY_LATER,
            "server too busy to catch up; retry",
        ))
    }

    /// Sends the events of `topics` in `(covered, upto]`; events of the `fresh` topics only
    /// after `fresh_from`. Leaves `covered == upto`.
    async fn replay_upto(
        &mut self,
        topics: &[String],
        fresh: &[String],
        fresh_from: i64,
        upto: i64,
    ) -> Result<u64, End> {
        let mut sent = 0;
        while self.covered < upto {
            let rows = admitted(
                &self.hub,
                &self.ctl,
                self.id,
                replay::read_range(&self.st.db, self.covered, upto, topics, BATCH),
            )
            .await?;
            let full = rows.len() as i64 == BATCH;
            for e in &rows {
                let topic = e.topics.iter().find(|t| {
                    self.held.contains(t)
                        && topics.contains(t)
                        && (e.seq > fresh_from || !fresh.contains(t))
                });
                if let Some(t) = topic {
                    let f = Prepared::from_event(e).frame(self.pos.unwrap_or(e.seq - 1), t);
                    self.pos = Some(e.seq);
                    self.send(f).await?;
                    sent += 1;
                }
                self.covered = e.seq;
            }
            if !full {
                self.covered = upto;
            }
        }
        Ok(sent)
    }
}

/// Runs one read of the log (or a snapshot) under a catch-up permit: at most
/// `WS_CATCHUP_CONCURRENCY` sessions read at once, the others queue here, so a reconnect
/// storm cannot take the pool from REST requests. The permit is released before any frame
/// is written, so a stalled screen never holds one.
async fn admitted<T>(
    hub: &Hub,
    ctl: &SessionCtl,
    session: SessionId,
    read: impl Future<Output = crate::error::Result<T>>,
) -> Result<T, End> {
    let permit = tokio::select! {
        biased;
        end = kick(ctl) => return Err(end),
        p = tokio::time::timeout(ADMIT_WAIT, hub.catchup_permit()) => match p {
            Ok(p) => p,
            Err(_) => {
                return Err(End::Close(
                    CLOSE_TRY_LATER,
                    "server too busy to catch up; retry",
                ))
            }
        },
    };
    let r = read.await;
    drop(permit);
    r.map_err(|e| {
        tracing::warn!(error = %e, session, "replay or snapshot failed");
        End::Close(
            CLOSE_INTERNAL,
            "could not read the event log; reconnect with since",
        )
    })
}
