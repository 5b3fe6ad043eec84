//! The LISTEN connection dies mid-burst (pg_terminate_backend): nothing is lost.

use serde_json::json;

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
    let mut f = Follower { last: Some(start), ..Default::default() };
    for fr in ws.subscribe(&["expo", "floor"], Some(start)).await {
        f.apply(&fr);
    }
    let db = app.db.clone();
    let writer = tokio::spawn(async move {
        let mut killed = 0;
        for i in 0..300 {
            let topics: &[&str] = if i % 2 == 0 { &["expo"] } else { &["floor", "orders"] };
            write(&db, "test.burst", topics, json!({ "i": i })).await;
            if i == 100 || i == 200 {
                killed += terminate(&db, "kenangan-listener").await;
            }
        }
        killed
    });
    let killed = writer.await.unwrap();
    assert_eq!(killed, 2, "the listener connection was found and killed twice");
    let exp = expected(&app.db, start, &["expo", "floor"]).await;
    follow_until(&mut ws, &mut f, *exp.last().unwrap()).await;
    assert_eq!(f.seqs, exp);
    let m = reqwest::get(format!("http://{}/metrics", app.addr)).await.unwrap().text().await.unwrap();
    let reconnects: u64 = m
        .lines()
        .find_map(|l| l.strip_prefix("kenangan_hub_listener_reconnects_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(reconnects >= 2, "{m}");
}
