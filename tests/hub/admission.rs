//! Admission control for catching sessions up: a storm of screens resuming with `since`
//! queues for a few catch-up permits (`WS_CATCHUP_CONCURRENCY`, default a quarter of the
//! pool) instead of taking every pooled connection, so REST requests are still served.

use std::time::Duration;

use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::{
    client::{write, Ws},
    helpers::TestApp,
};

/// Replays of this database waiting for our lock (the check that `since` is still in the log,
/// the first read of the log a resuming session makes).
async fn blocked(admin: &mut PgConnection, db: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'
           AND query LIKE 'SELECT EXISTS (SELECT 1 FROM events WHERE seq = $1%'",
    )
    .bind(db)
    .fetch_one(admin)
    .await
    .expect("pg_stat_activity")
}

#[tokio::test]
async fn a_resume_storm_queues_for_permits_and_leaves_the_pool_to_rest() {
    // Pool of 4 → one catch-up permit by default.
    let mut app = TestApp::spawn_with(&[("DATABASE_POOL_SIZE", "4")]).await;
    let db_name = app
        .db_url
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let mut seqs = Vec::new();
    for i in 0..5 {
        seqs.push(write(&app.db, "test.x", &["expo"], json!({ "i": i })).await);
    }
    let since = seqs.remove(0);
    let kitchen = app.token("kitchen").await;
    let manager = app.token("manager").await;
    let station: i32 = sqlx::query_scalar("SELECT id FROM stations ORDER BY id LIMIT 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    const SCREENS: usize = 12;
    let mut screens = Vec::new();
    for _ in 0..SCREENS {
        screens.push(Ws::open(&app.ws_url(), &kitchen).await.0);
    }

    // Every replay blocks on the log while we hold this lock, keeping its connection busy.
    let mut locker = PgConnection::connect(&app.db_url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut locker).await.unwrap();
    sqlx::query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .await
        .unwrap();
    let mut admin = PgConnection::connect(&app.db_url).await.unwrap();

    for ws in &mut screens {
        ws.send(json!({"op": "subscribe", "topics": ["expo"], "since": since}))
            .await;
    }
    // Wait (bounded) until a replay is stuck on the lock, then give the rest time to pile up:
    // without admission control every pooled connection would be stuck by now.
    let mut seen = 0;
    for _ in 0..200 {
        seen = blocked(&mut admin, &db_name).await;
        if seen > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen > 0, "a replay reached the log");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let most = blocked(&mut admin, &db_name).await;
    assert_eq!(most, 1, "replays reading the log at once, with one permit");

    // A REST write that does not touch the event log gets a connection.
    let r = app
        .req(
            reqwest::Method::POST,
            "/categories",
            Some(&manager),
            Some(json!({"name": "Storm-proof", "station_id": station, "sort_order": 9})),
        )
        .await;
    assert_eq!(r.status, 201, "REST write during the storm: {}", r.body);

    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
    // Every screen is caught up in turn: no 1011, nothing missing.
    for ws in &mut screens {
        let frames = ws.until("subscribed").await;
        let events: Vec<i64> = frames
            .iter()
            .filter(|f| f["type"] == "event")
            .filter_map(|f| f["seq"].as_i64())
            .collect();
        assert_eq!(events, seqs, "{frames:?}");
    }
}
