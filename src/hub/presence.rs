//! Which screens are connected (user, role, stations, instance). Kept in memory per instance;
//! with Redis, each instance also writes its screens to a hash that expires unless refreshed
//! and announces changes on a channel, so a manager on any instance sees every screen — and
//! sees at once a station that no screen is holding.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use axum::{extract::ws::Utf8Bytes, extract::State, response::Response};
use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::registry::{Registry, SessionId};
use crate::{
    app::AppState,
    auth::{policy, AuthUser, Role},
    error::Result,
    extract::ok,
};

const BEAT: Duration = Duration::from_secs(2);
/// An instance that has not refreshed its screens for this long is gone.
const STALE: Duration = Duration::from_secs(10);
const STATIONS_REFRESH: Duration = Duration::from_secs(30);
/// Every this many beats an instance's screens are re-read even if its version did not move.
const FULL_REPAIR_BEATS: u32 = 15;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Screen {
    pub id: String,
    pub instance: String,
    pub user_id: i32,
    pub username: String,
    pub role: Role,
    pub stations: Vec<String>,
    pub topics: Vec<String>,
    pub connected_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize)]
struct Station {
    code: String,
    name: String,
}

#[derive(Serialize, Deserialize)]
struct RemoteChange {
    instance: String,
    change: String,
    #[serde(default)]
    screen: Option<Screen>,
    /// For "left": the screen's id.
    #[serde(default)]
    id: Option<String>,
}

/// One of this instance's screens, as kept in memory for every session: only what cannot be
/// derived (the id, the instance and the stations are).
struct Local {
    user_id: i32,
    username: Box<str>,
    role: Role,
    topics: Box<[Box<str>]>,
    connected_at: DateTime<Utc>,
}

enum Write {
    Upsert(Screen),
    Remove(String),
}

pub struct Presence {
    instance: String,
    registry: Arc<Registry>,
    /// Our screens, compactly (a `Screen` is built from one only when shared or shown).
    local: Mutex<HashMap<SessionId, Local>>,
    remote: Mutex<HashMap<String, Screen>>,
    stations: Mutex<Vec<Station>>,
    /// Screens per station code, kept as screens change (never recounted per frame).
    counts: Mutex<HashMap<String, usize>>,
    writes: Option<mpsc::Sender<Write>>,
    shared: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The stations a set of topics works: `station:<code>`, and `expo` for the expo station.
fn stations_of(topics: &[String]) -> Vec<String> {
    topics
        .iter()
        .filter_map(|t| match t.strip_prefix("station:") {
            Some(code) => Some(code.to_string()),
            None if t == "expo" => Some("expo".to_string()),
            None => None,
        })
        .collect()
}

pub struct RedisPresence {
    rx: mpsc::Receiver<Write>,
}

impl Presence {
    pub fn new(
        instance: String,
        registry: Arc<Registry>,
        shared: bool,
    ) -> (Presence, Option<RedisPresence>) {
        let (tx, rx) = mpsc::channel(4096);
        let p = Presence {
            instance,
            registry,
            local: Mutex::default(),
            remote: Mutex::default(),
            stations: Mutex::default(),
            counts: Mutex::default(),
            writes: shared.then_some(tx),
            shared,
        };
        (p, shared.then_some(RedisPresence { rx }))
    }

    /// The shareable picture of one of our screens, built only when shared or shown.
    fn screen(&self, id: SessionId, l: &Local) -> Screen {
        let topics: Vec<String> = l.topics.iter().map(|t| t.to_string()).collect();
        Screen {
            id: format!("{}/{id}", self.instance),
            instance: self.instance.clone(),
            user_id: l.user_id,
            username: l.username.to_string(),
            role: l.role,
            stations: stations_of(&topics),
            topics,
            connected_at: l.connected_at,
        }
    }

    pub fn connect(&self, id: SessionId, user: &AuthUser) {
        let l = Local {
            user_id: user.id,
            username: user.username.as_str().into(),
            role: user.role,
            topics: Box::default(),
            connected_at: Utc::now(),
        };
        // Managers hear about a screen once it holds something (a storm of fresh
        // connections stays quiet until they subscribe).
        if self.writes.is_some() {
            self.share(Write::Upsert(self.screen(id, &l)));
        }
        lock(&self.local).insert(id, l);
    }

    pub fn update(&self, id: SessionId, topics: &[String]) {
        let (before, after) = {
            let mut local = lock(&self.local);
            let Some(l) = local.get_mut(&id) else { return };
            if l.topics
                .iter()
                .map(|t| &**t)
                .eq(topics.iter().map(String::as_str))
            {
                return;
            }
            let before = self.screen(id, l);
            l.topics = topics.iter().map(|t| t.as_str().into()).collect();
            (before, self.screen(id, l))
        };
        self.changed(Some(&before), Some(&after));
        self.share(Write::Upsert(after));
    }

    pub fn disconnect(&self, id: SessionId) {
        let Some(l) = lock(&self.local).remove(&id) else {
            return;
        };
        // A screen that never held a topic counted nowhere and was never announced.
        if l.topics.is_empty() && self.writes.is_none() {
            return;
        }
        let screen = self.screen(id, &l);
        self.changed(Some(&screen), None);
        self.share(Write::Remove(screen.id));
    }

    fn share(&self, w: Write) {
        if let Some(tx) = &self.writes {
            // A full queue only delays sharing: the periodic rewrite of our hash catches up.
            let _ = tx.try_send(w);
        }
    }

    /// Keeps the per-station counts and tells managers, for screens that hold (or held) topics.
    fn changed(&self, before: Option<&Screen>, after: Option<&Screen>) {
        {
            let mut counts = lock(&self.counts);
            for code in before.iter().flat_map(|s| &s.stations) {
                if let Some(n) = counts.get_mut(code) {
                    *n = n.saturating_sub(1);
                }
            }
            for code in after.iter().flat_map(|s| &s.stations) {
                *counts.entry(code.clone()).or_default() += 1;
            }
        }
        let had = before.is_some_and(|s| !s.topics.is_empty());
        let (change, screen) = match (before, after) {
            (_, Some(a)) if !had && !a.topics.is_empty() => ("joined", a),
            (_, Some(a)) if had => ("updated", a),
            (Some(b), None) if had => ("left", b),
            _ => return,
        };
        self.registry.broadcast(
            crate::events::topics::FLOOR,
            |r| matches!(r, Role::Manager | Role::Admin),
            || {
                let f = json!({
                    "type": "presence",
                    "change": change,
                    "screen": screen,
                    "stations": self.station_summary(),
                });
                Utf8Bytes::from(f.to_string())
            },
        );
    }

    pub fn screens(&self) -> Vec<Screen> {
        let mut all: Vec<Screen> = lock(&self.local)
            .iter()
            .map(|(id, l)| self.screen(*id, l))
            .collect();
        all.extend(lock(&self.remote).values().cloned());
        all.sort_by(|a, b| a.connected_at.cmp(&b.connected_at).then(a.id.cmp(&b.id)));
        all
    }

    /// Every known station with how many screens hold it; zero means nobody sees its tickets.
    fn station_summary(&self) -> serde_json::Value {
        let counts = lock(&self.counts);
        let stations = lock(&self.stations);
        let mut out: Vec<serde_json::Value> = stations
            .iter()
            .map(|s| json!({"code": s.code, "name": s.name, "screens": counts.get(&s.code).copied().unwrap_or(0)}))
            .collect();
        let mut extra: Vec<(&String, &usize)> = counts
            .iter()
            .filter(|(c, n)| **n > 0 && !stations.iter().any(|s| &s.code == *c))
            .collect();
        extra.sort();
        out.extend(
            extra
                .into_iter()
                .map(|(c, n)| json!({"code": c, "name": c, "screens": n})),
        );
        serde_json::Value::Array(out)
    }

    pub fn sync_frame(&self) -> Utf8Bytes {
        let f = json!({
            "type": "presence",
            "change": "sync",
            "screens": self.screens(),
            "stations": self.station_summary(),
        });
        Utf8Bytes::from(f.to_string())
    }

    fn apply_remote(&self, msg: &[u8]) {
        let Ok(c) = serde_json::from_slice::<RemoteChange>(msg) else {
            return;
        };
        if c.instance == self.instance {
            return;
        }
        match (c.change.as_str(), c.screen) {
            ("joined" | "updated", Some(s)) if s.instance == c.instance => {
                let before = lock(&self.remote).insert(s.id.clone(), s.clone());
                if before.as_ref() != Some(&s) {
                    self.changed(before.as_ref(), Some(&s));
                }
            }
            ("left", _) => {
                let gone = c.id.and_then(|id| lock(&self.remote).remove(&id));
                if let Some(s) = gone {
                    self.changed(Some(&s), None);
                }
            }
            ("reset", _) => self.replace_instance(&c.instance, HashMap::new()),
            _ => {}
        }
    }

    /// Replaces what we know of one instance's screens, telling managers about the difference.
    fn replace_instance(&self, instance: &str, now: HashMap<String, Screen>) {
        let mut changes = Vec::new();
        {
            let mut remote = lock(&self.remote);
            let gone: Vec<String> = remote
                .values()
                .filter(|s| s.instance == instance && !now.contains_key(&s.id))
                .map(|s| s.id.clone())
                .collect();
            for id in gone {
                if let Some(s) = remote.remove(&id) {
                    changes.push((Some(s), None));
                }
            }
            for (id, s) in now {
                match remote.insert(id, s.clone()) {
                    None => changes.push((None, Some(s))),
                    Some(old) if old != s => changes.push((Some(old), Some(s))),
                    Some(_) => {}
                }
            }
        }
        for (before, after) in changes {
            self.changed(before.as_ref(), after.as_ref());
        }
    }

    fn remote_instances(&self) -> Vec<String> {
        let mut v: Vec<String> = lock(&self.remote)
            .values()
            .map(|s| s.instance.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Called by the Redis receiver for messages on the presence channel.
    pub fn on_redis_message(&self, payload: &[u8]) {
        self.apply_remote(payload);
    }

    async fn refresh_stations(&self, db: &PgPool) {
        if let Ok(rows) =
            sqlx::query_as::<_, (String, String)>("SELECT code, name FROM stations ORDER BY id")
                .fetch_all(db)
                .await
        {
            *lock(&self.stations) = rows
                .into_iter()
                .map(|(code, name)| Station { code, name })
                .collect();
        }
    }
}

pub fn channel(prefix: &str) -> String {
    format!("{prefix}:presence")
}

fn hash_key(prefix: &str, instance: &str) -> String {
    format!("{prefix}:presence:{instance}")
}

fn instances_key(prefix: &str) -> String {
    format!("{prefix}:presence:instances")
}

/// Hash instance → a counter bumped with every change to that instance's screens, so the beat
/// re-reads only the instances that changed (not every screen of every instance every 2 s).
fn versions_key(prefix: &str) -> String {
    format!("{prefix}:presence:versions")
}

/// Keeps the station list fresh and, with Redis, shares our screens and reads everyone else's.
pub async fn run(
    presence: Arc<Presence>,
    db: PgPool,
    redis: Option<(redis::Client, RedisPresence)>,
    prefix: String,
    stop: CancellationToken,
) {
    presence.refresh_stations(&db).await;
    let mut stations_tick = tokio::time::interval(STATIONS_REFRESH);
    let mut beat = tokio::time::interval(BEAT);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let Some((client, RedisPresence { mut rx })) = redis else {
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = stations_tick.tick() => presence.refresh_stations(&db).await,
            }
        }
    };
    let Some(mut conn) = crate::events::redis_bridge::manager(&client, &stop).await else {
        return;
    };
    let me = presence.instance.clone();
    let key = hash_key(&prefix, &me);
    let mut dirty = true;
    let mut seen = Seen::default();
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = stations_tick.tick() => presence.refresh_stations(&db).await,
            Some(w) = rx.recv() => {
                if !dirty && write_one(&mut conn, &prefix, &key, &me, w).await.is_err() {
                    dirty = true;
                }
            }
            _ = beat.tick() => {
                dirty = beat_once(&presence, &mut conn, &prefix, &key, dirty, &mut seen).await.is_err();
            }
        }
    }
    // Leaving: our screens vanish for everyone at once rather than after the hash expires.
    let reset = json!({"instance": me, "change": "reset"}).to_string();
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        redis::pipe()
            .del(&key)
            .zrem(instances_key(&prefix), &me)
            .hdel(versions_key(&prefix), &me)
            .publish(channel(&prefix), reset)
            .query_async::<()>(&mut conn)
            .await
    })
    .await;
}

async fn write_one(
    conn: &mut ConnectionManager,
    prefix: &str,
    key: &str,
    me: &str,
    w: Write,
) -> redis::RedisResult<()> {
    let mut p = redis::pipe();
    p.atomic();
    let msg = match w {
        Write::Upsert(s) => {
            let body = serde_json::to_string(&s).unwrap_or_default();
            p.hset(key, &s.id, &body);
            json!({"instance": me, "change": "updated", "screen": s})
        }
        Write::Remove(id) => {
            p.hdel(key, &id);
            json!({"instance": me, "change": "left", "id": id})
        }
    };
    p.hincr(versions_key(prefix), me, 1);
    p.publish(channel(prefix), msg.to_string());
    timeout(p.query_async::<()>(conn)).await
}

/// The version of each other instance's screens we last read, and beats since a full read.
#[derive(Default)]
struct Seen {
    versions: HashMap<String, i64>,
    beats: u32,
}

/// Refreshes our hash (rewriting it when a write was lost) and reads every other instance's.
async fn beat_once(
    presence: &Presence,
    conn: &mut ConnectionManager,
    prefix: &str,
    key: &str,
    dirty: bool,
    seen: &mut Seen,
) -> redis::RedisResult<()> {
    let now_ms = Utc::now().timestamp_millis();
    let ttl_ms = STALE.as_millis() as i64;
    let mut p = redis::pipe();
    if dirty {
        let local: Vec<(String, String)> = lock(&presence.local)
            .iter()
            .map(|(id, l)| {
                let s = presence.screen(*id, l);
                let body = serde_json::to_string(&s).unwrap_or_default();
                (s.id, body)
            })
            .collect();
        p.atomic().del(key);
        if !local.is_empty() {
            p.hset_multiple(key, &local);
        }
        p.hincr(versions_key(prefix), &presence.instance, 1);
    }
    p.pexpire(key, ttl_ms)
        .zadd(instances_key(prefix), &presence.instance, now_ms)
        .zrembyscore(instances_key(prefix), "-inf", now_ms - 6 * ttl_ms);
    timeout(p.query_async::<()>(conn)).await?;

    let live: Vec<String> = timeout(
        redis::cmd("ZRANGEBYSCORE")
            .arg(instances_key(prefix))
            .arg(now_ms - ttl_ms)
            .arg("+inf")
            .query_async(conn),
    )
    .await?;
    let versions: HashMap<String, i64> = timeout(
        redis::cmd("HGETALL")
            .arg(versions_key(prefix))
            .query_async(conn),
    )
    .await?;
    seen.beats += 1;
    let full = seen.beats >= FULL_REPAIR_BEATS;
    if full {
        seen.beats = 0;
    }
    seen.versions.retain(|i, _| live.contains(i));
    for inst in live.iter().filter(|i| **i != presence.instance) {
        // Changes arrive on the channel; this read only repairs what it lost, so an instance
        // whose screens did not change since we last read them is skipped.
        let version = versions.get(inst).copied();
        if !full && version.is_some() && seen.versions.get(inst).copied() == version {
            continue;
        }
        let all: HashMap<String, String> = timeout(
            redis::cmd("HGETALL")
                .arg(hash_key(prefix, inst))
                .query_async(conn),
        )
        .await?;
        let screens = all
            .into_iter()
            .filter_map(|(id, body)| serde_json::from_str::<Screen>(&body).ok().map(|s| (id, s)))
            .collect();
        presence.replace_instance(inst, screens);
        match version {
            Some(v) => seen.versions.insert(inst.clone(), v),
            None => seen.versions.remove(inst),
        };
    }
    for gone in presence
        .remote_instances()
        .iter()
        .filter(|i| !live.contains(i))
    {
        presence.replace_instance(gone, HashMap::new());
    }
    Ok(())
}

async fn timeout<T>(
    f: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> redis::RedisResult<T> {
    match tokio::time::timeout(Duration::from_secs(2), f).await {
        Ok(r) => r,
        Err(_) => Err(redis::RedisError::from((
            redis::ErrorKind::IoError,
            "redis timed out",
        ))),
    }
}

/// `GET /api/v1/presence` (manager, admin): every connected screen and every station's count.
pub async fn list(State(st): State<AppState>, user: AuthUser) -> Result<Response> {
    user.require(policy::MANAGE)?;
    let p = st.hub.presence();
    Ok(ok(
        "Connected screens",
        json!({
            "instance": p.instance,
            "shared": p.shared,
            "screens": p.screens(),
            "stations": p.station_summary(),
        }),
    ))
}
