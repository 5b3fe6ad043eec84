//! The LISTEN connection dies mid-burst (pg_terminate_backend): nothing is lost.

use serde_json::json;
use sqlx::PgPool;

use crate::pgproxy::Proxy;

use crate::{
    client::{expected, follow_until, head, write, Follower, Ws},
    helpers::TestApp,
};

async fn terminate(db: &sqlx::PgPool, app_name: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = $1 AND datname = current_database()) t",
    )
    .bind(app_name)
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_listen_connection_mid_burst_loses_nothing() {
    // The periodic probe is a safety net that would hide a missed catch-up: push it out of the way.
    let mut app = TestApp::spawn_with(&[("LISTENER_PROBE_SECONDS", "86400")]).await;
    let t = app.token("manager").await;
    let start = head(&app.db).await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    let mut f = Follower {
        last: Some(start),
        ..Default::default()
    };
    for fr in ws.subscribe(&["expo", "floor"], Some(start)).await {
        f.apply(&fr);
    }
    let db = app.db.clone();
    let writer = tokio::spawn(async move {
        let mut killed = 0;
        for i in 0..300 {
            let topics: &[&str] = if i % 2 == 0 {
                &["expo"]
            } else {
                &["floor", "orders"]
            };
            write(&db, "test.burst", topics, json!({ "i": i })).await;
            if i == 100 || i == 200 {
                killed += terminate(&db, "kenangan-listener").await;
            }
        }
        killed
    });
    let killed = writer.await.unwrap();
    assert_eq!(
        killed, 2,
        "the listener connection was found and killed twice"
    );
    let exp = expected(&app.db, start, &["expo", "floor"]).await;
    follow_until(&mut ws, &mut f, *exp.last().unwrap()).await;
    assert_eq!(f.seqs, exp);
    let m = reqwest::get(format!("http://{}/metrics", app.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let reconnects: u64 = m
        .lines()
        .find_map(|l| l.strip_prefix("kenangan_hub_listener_reconnects_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(reconnects >= 2, "{m}");
}

/// A server that reaches PostgreSQL through `Proxy` (listener probe every `probe` seconds), a
/// direct pool for the test's own writes (not through the proxy), and a manager screen on
/// `expo` that has already received one event. Keep the `TestApp` alive for the test.
async fn following_through_a_proxy(probe: &str) -> (Proxy, TestApp, PgPool, Ws, Follower, i64) {
    let db_url = crate::helpers::fresh_database().await;
    let proxy = Proxy::start().await;
    let proxied = db_url.replace("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port));
    let mut app = TestApp::spawn_on(&proxied, &[("LISTENER_PROBE_SECONDS", probe)]).await;
    let db = kenangan::db::pool(&db_url, 4).await.unwrap();
    let t = app.token("manager").await;
    let start = head(&db).await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    let mut f = Follower {
        last: Some(start),
        ..Default::default()
    };
    for fr in ws.subscribe(&["expo"], Some(start)).await {
        f.apply(&fr);
    }
    let first = write(&db, "test.before", &["expo"], json!({})).await;
    follow_until(&mut ws, &mut f, first).await;
    (proxy, app, db, ws, f, start)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_committed_while_the_server_was_cut_off_from_postgres_arrive_after() {
    let (proxy, _app, db, mut ws, mut f, start) = following_through_a_proxy("86400").await;
    proxy.cut().await;
    for i in 0..50 {
        write(&db, "test.during", &["expo"], json!({ "i": i })).await;
    }
    proxy.restore();
    let last = write(&db, "test.after", &["expo"], json!({})).await;
    follow_until(&mut ws, &mut f, last).await;
    assert_eq!(f.seqs, expected(&db, start, &["expo"]).await);
}

/// Every connection to PostgreSQL goes silent without closing (a half-open TCP connection, as
/// after a NAT or firewall drops its state): the LISTEN probe and the dispatcher's read timeout
/// notice, reconnect, and nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connections_to_postgres_are_detected_and_replaced() {
    let (proxy, _app, db, mut ws, mut f, start) = following_through_a_proxy("1").await;
    // Existing connections stop forwarding but stay open; new ones work.
    proxy.freeze_existing().await;
    for i in 0..20 {
        write(&db, "test.silent", &["expo"], json!({ "i": i })).await;
    }
    let last = write(&db, "test.after", &["expo"], json!({})).await;
    // Bounded: the probe gives up after 5 s, the dispatcher's read after 10 s; on a loaded
    // machine the reconnect can take longer than one ordinary WAIT, so wait up to a minute.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while f.last.is_none_or(|l| l < last) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never caught up to {last}: {:?}",
            f.last
        );
        if let crate::client::Got::Frame(v) = ws.recv(std::time::Duration::from_secs(5)).await {
            f.apply(&v);
        }
    }
    assert_eq!(f.seqs, expected(&db, start, &["expo"]).await);
}
