//! The event log's guarantee (DESIGN §2): under concurrent writers, `seq` is 1..N with no
//! gap, in commit order, and when a NOTIFY for seq S is seen every event up to S is visible
//! along with its rows.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use sqlx::postgres::PgListener;

use crate::helpers::TestApp;

const WRITERS: usize = 16;
const CHANGES: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_writers_make_a_gap_free_log_in_commit_order() {
    let mut app = TestApp::spawn_with(&[("DATABASE_POOL_SIZE", "24")]).await;
    let mut listener = PgListener::connect(&app.db_url).await.unwrap();
    listener.listen(kenangan::events::CHANNEL).await.unwrap();
    // The checker reads on its own connections, not the server's pool.
    let pool = kenangan::db::pool(&app.db_url, 4).await.unwrap();
    let expected_events = (WRITERS * (CHANGES / 2) * 2 + WRITERS * (CHANGES / 2)) as i64;

    // Checks every notification as it arrives: the log is contiguous up to it, and each
    // order.created event's order row is already visible.
    let checker = tokio::spawn(async move {
        let mut seen: i64 = 0;
        let mut notifications = 0u64;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        while seen < expected_events {
            let n = tokio::time::timeout_at(deadline, listener.recv())
                .await
                .expect("notifications stalled")
                .unwrap();
            notifications += 1;
            let s: i64 = n.payload().parse().unwrap();
            if s <= seen {
                continue;
            }
            let rows: Vec<(i64, String, serde_json::Value)> = sqlx::query_as(
                "SELECT seq, kind, payload FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq",
            )
            .bind(seen)
            .bind(s)
            .fetch_all(&pool)
            .await
            .unwrap();
            assert_eq!(
                rows.len() as i64,
                s - seen,
                "events {}..={s} all visible at its NOTIFY",
                seen + 1
            );
            for (i, (seq, kind, payload)) in rows.iter().enumerate() {
                assert_eq!(*seq, seen + 1 + i as i64, "no gap");
                if kind == "order.created" {
                    let exists: bool =
                        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1)")
                            .bind(payload["id"].as_i64().unwrap())
                            .fetch_one(&pool)
                            .await
                            .unwrap();
                    assert!(exists, "order row of event {seq} visible");
                }
            }
            seen = s;
        }
        (seen, notifications)
    });

    let kopi = app.product_id("Kopi Tubruk").await;
    let water = app.product_id("Air Mineral").await;
    let cashier = app.token("cashier").await;
    let manager = app.token("manager").await;
    let mut writers = vec![];
    for w in 0..WRITERS {
        let (client, base, cashier, manager) = (
            app.client.clone(),
            app.base.clone(),
            cashier.clone(),
            manager.clone(),
        );
        writers.push(tokio::spawn(async move {
            for i in 0..CHANGES {
                let resp = if i % 2 == 0 {
                    client
                        .post(format!("{base}/orders"))
                        .bearer_auth(&cashier)
                        .json(&json!({"items": [{"product_id": kopi, "quantity": 1 + (w % 3)}]}))
                        .send()
                        .await
                        .unwrap()
                } else {
                    client
                        .request(Method::PUT, format!("{base}/products/{water}/availability"))
                        .bearer_auth(&manager)
                        .json(&json!({"is_available": i % 4 == 1}))
                        .send()
                        .await
                        .unwrap()
                };
                assert!(
                    resp.status().is_success(),
                    "writer {w} change {i}: {}",
                    resp.status()
                );
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    let (seen, notifications) = checker.await.unwrap();
    assert_eq!(seen, expected_events);
    assert!(notifications > 0);

    let seqs: Vec<i64> = sqlx::query_scalar("SELECT seq FROM events ORDER BY seq")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(seqs.len() as i64, expected_events);
    assert!(
        seqs.iter().enumerate().all(|(i, s)| *s == i as i64 + 1),
        "seq is exactly 1..N"
    );
    assert_eq!(
        kenangan::events::head(&app.db).await.unwrap(),
        expected_events
    );
    app.stop().await;
}
