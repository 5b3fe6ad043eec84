//! Several instances on one Redis: relay, takeover, pub/sub loss, Redis restarts, presence.

use std::time::Duration;

use serde_json::json;
use sqlx::PgPool;

use crate::{
    backpressure::metric,
    client::{expected, follow_until, head, write, Follower, Ws},
    helpers::{fresh_database, TestApp},
    presence::presence_until,
    redis_server::RedisServer,
};

async fn cluster(redis: &RedisServer, names: &[&str]) -> Vec<TestApp> {
    let db_url = fresh_database().await;
    let prefix = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let url = redis.url();
    let mut apps = Vec::new();
    for name in names {
        apps.push(
            TestApp::spawn_on(
                &db_url,
                &[
                    ("REDIS_URL", url.as_str()),
                    ("REDIS_PREFIX", prefix.as_str()),
                    ("RELAY_LEASE_MS", "600"),
                    ("INSTANCE_ID", name),
                ],
            )
            .await,
        );
    }
    apps
}

async fn lease_holder(redis: &RedisServer, app: &TestApp) -> Option<String> {
    let key = format!("{}:relay:lease", app.state.config.hub.redis_prefix);
    let mut c = redis.conn().await;
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut c)
        .await
        .unwrap()
}

/// Waits (bounded) until some instance holds the relay lease and returns its name.
async fn leader(redis: &RedisServer, app: &TestApp, not: Option<&str>) -> String {
    for _ in 0..400 {
        if let Some(l) = lease_holder(redis, app).await {
            if Some(l.as_str()) != not {
                return l;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no relay took the lease");
}

/// Waits (bounded) until `app` takes its events from Redis.
async fn on_redis(app: &TestApp) {
    for _ in 0..400 {
        if metric(app, "kenangan_hub_fanout_mode{mode=\"redis\"}").await == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("instance never switched to Redis fan-out");
}

struct Screen {
    ws: Ws,
    f: Follower,
    topics: Vec<&'static str>,
}

/// Instances "a" (the relay) and "b" on Redis, a manager screen on a and a kitchen screen on b,
/// both following from the current head.
async fn two_screens_on_two_instances(
    redis: &RedisServer,
) -> (Vec<TestApp>, PgPool, i64, Screen, Screen) {
    let mut apps = cluster(redis, &["a", "b"]).await;
    leader(redis, &apps[0], None).await;
    on_redis(&apps[0]).await;
    on_redis(&apps[1]).await;
    let db = apps[0].db.clone();
    let start = head(&db).await;
    let s0 = screen(
        &mut apps[0],
        "manager",
        vec!["expo", "floor", "orders"],
        start,
    )
    .await;
    let s1 = screen(
        &mut apps[1],
        "kitchen",
        vec!["station:grill", "expo"],
        start,
    )
    .await;
    (apps, db, start, s0, s1)
}

async fn screen(app: &mut TestApp, user: &str, topics: Vec<&'static str>, start: i64) -> Screen {
    let t = app.token(user).await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    let mut f = Follower {
        last: Some(start),
        ..Default::default()
    };
    for fr in ws.subscribe(&topics, Some(start)).await {
        f.apply(&fr);
    }
    Screen { ws, f, topics }
}

impl Screen {
    async fn check(&mut self, db: &PgPool, start: i64) {
        let exp = expected(db, start, &self.topics).await;
        if let Some(last) = exp.last() {
            follow_until(&mut self.ws, &mut self.f, *last).await;
        }
        assert_eq!(self.f.seqs, exp, "screen {:?}", self.topics);
    }
}

async fn burst(db: &PgPool, from: usize, to: usize) {
    for i in from..to {
        let topics: &[&str] = match i % 3 {
            0 => &["expo", "station:grill"],
            1 => &["floor"],
            _ => &["expo", "orders"],
        };
        write(db, "test.burst", topics, json!({ "i": i })).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_order_written_through_one_instance_reaches_screens_on_the_others() {
    let redis = RedisServer::start().await;
    let mut apps = cluster(&redis, &["a", "b", "c"]).await;
    leader(&redis, &apps[0], None).await;
    for a in &apps {
        on_redis(a).await;
    }
    let start = head(&apps[0].db).await;
    let wid = apps[0].user_id("waiter").await;
    let mut b = screen(
        &mut apps[1],
        "kitchen",
        vec!["station:grill", "expo"],
        start,
    )
    .await;
    let mut c = screen(&mut apps[2], "manager", vec!["orders", "floor"], start).await;
    let wt: &'static str = Box::leak(format!("waiter:{wid}").into_boxed_str());
    let mut c2 = screen(&mut apps[2], "waiter", vec![wt], start).await;
    apps[0].steak_order("waiter", "T3").await;
    burst(&apps[0].db, 0, 60).await;
    let db = apps[0].db.clone();
    b.check(&db, start).await;
    c.check(&db, start).await;
    c2.check(&db, start).await;
    assert!(b.f.seqs.len() > 40 && c2.f.seqs.len() >= 2);
    let published: u64 = {
        let mut n = 0;
        for a in &apps {
            n += metric(a, "kenangan_hub_relay_published_total").await;
        }
        n
    };
    assert!(
        published >= b.f.seqs.len() as u64,
        "events went through the relay"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_relay_instance_hands_over_and_loses_nothing() {
    let redis = RedisServer::start().await;
    let names = ["a", "b", "c"];
    let mut apps = cluster(&redis, &names).await;
    let old = leader(&redis, &apps[0], None).await;
    let dead = names.iter().position(|n| *n == old).unwrap();
    let alive: Vec<usize> = (0..3).filter(|i| *i != dead).collect();
    for i in &alive {
        on_redis(&apps[*i]).await;
    }
    let db = apps[0].db.clone();
    let start = head(&db).await;
    let mut screens = Vec::new();
    for i in &alive {
        screens.push(screen(&mut apps[*i], "manager", vec!["expo", "floor"], start).await);
        screens.push(screen(&mut apps[*i], "cashier", vec!["orders"], start).await);
    }
    burst(&db, 0, 100).await;
    let mut published_before = 0;
    for i in &alive {
        published_before += metric(&apps[*i], "kenangan_hub_relay_published_total").await;
    }
    // The relay dies as a killed process would: no lease release, no goodbye.
    apps[dead].state.hub.crash();
    if let Some(s) = apps[dead].server.take() {
        s.abort();
    }
    burst(&db, 100, 200).await;
    let new = leader(&redis, &apps[alive[0]], Some(&old)).await;
    assert_ne!(new, old);
    burst(&db, 200, 300).await;
    for s in &mut screens {
        s.check(&db, start).await;
    }
    // The survivors took over the relaying (the lease may change hands again on a loaded
    // machine, so count both).
    let mut published_after = 0;
    for i in &alive {
        published_after += metric(&apps[*i], "kenangan_hub_relay_published_total").await;
    }
    assert!(
        published_after > published_before,
        "no survivor relayed after the crash"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_kill_of_the_subscriptions_mid_burst_loses_nothing() {
    let redis = RedisServer::start().await;
    let (apps, db, start, mut s0, mut s1) = two_screens_on_two_instances(&redis).await;
    burst(&db, 0, 100).await;
    let mut c = redis.conn().await;
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(killed >= 2, "killed {killed} subscriptions");
    burst(&db, 100, 200).await;
    s0.check(&db, start).await;
    s1.check(&db, start).await;
    let mut reconnects = 0;
    for a in &apps {
        reconnects += metric(a, "kenangan_hub_redis_reconnects_total").await;
    }
    assert!(reconnects >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redis_restart_mid_burst_loses_nothing_and_delivery_goes_on_meanwhile() {
    let mut redis = RedisServer::start().await;
    let (apps, db, start, mut s0, mut s1) = two_screens_on_two_instances(&redis).await;
    burst(&db, 0, 80).await;
    redis.kill().await;
    burst(&db, 80, 160).await;
    // Redis is down, yet the screens get everything (the instances listen to PostgreSQL).
    s0.check(&db, start).await;
    s1.check(&db, start).await;
    redis.restart().await;
    burst(&db, 160, 240).await;
    on_redis(&apps[0]).await;
    on_redis(&apps[1]).await;
    burst(&db, 240, 300).await;
    s0.check(&db, start).await;
    s1.check(&db, start).await;
    assert_eq!(s0.f.seqs.len(), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_manager_on_one_instance_sees_a_kitchen_screen_on_another() {
    let redis = RedisServer::start().await;
    let mut apps = cluster(&redis, &["a", "b"]).await;
    let t = apps[0].token("manager").await;
    let (mut mgr, _) = Ws::open(&apps[0].ws_url(), &t).await;
    mgr.subscribe(&["floor"], None).await;
    let k = apps[1].token("kitchen").await;
    let (mut kitchen, _) = Ws::open(&apps[1].ws_url(), &k).await;
    kitchen.subscribe(&["station:kitchen"], None).await;
    let f = presence_until(&mut mgr, |f| {
        f["screen"]["instance"] == "b" && f["screen"]["stations"] == json!(["kitchen"])
    })
    .await;
    assert_eq!(f["screen"]["username"], "kitchen");
    let r = apps[0].get("manager", "/presence").await;
    assert_eq!(r.data()["shared"], true);
    assert!(r.data()["screens"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["instance"] == "b" && s["username"] == "kitchen"));
    drop(kitchen);
    let f = presence_until(&mut mgr, |f| {
        f["change"] == "left" && f["screen"]["instance"] == "b"
    })
    .await;
    let kitchen_count = f["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "kitchen")
        .unwrap()["screens"]
        .clone();
    assert_eq!(kitchen_count, 0);
}
