//! Replay with `since`, snapshots, and adding topics to a live session.

use serde_json::json;

use crate::{
    client::{expected, follow_until, head, write, write_many, Follower, Ws},
    helpers::TestApp,
};

#[tokio::test]
async fn without_since_a_snapshot_comes_first_and_events_continue_from_its_seq() {
    let mut app = TestApp::spawn().await;
    write(&app.db, "test.x", &["expo"], json!({})).await;
    let t = app.token("manager").await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    let frames = ws.subscribe(&["expo", "floor"], None).await;
    let snaps: Vec<_> = frames.iter().filter(|f| f["type"] == "snapshot").collect();
    assert_eq!(snaps.len(), 2);
    let s = snaps[0]["seq"].as_i64().unwrap();
    assert_eq!(
        snaps[1]["seq"].as_i64().unwrap(),
        s,
        "one consistent snapshot"
    );
    assert_eq!(s, head(&app.db).await);
    assert!(snaps
        .iter()
        .any(|f| f["topic"] == "floor" && f["state"]["tables"].is_array()));
    assert!(snaps
        .iter()
        .any(|f| f["topic"] == "expo" && f["state"]["tickets"].is_array()));
    let sub = frames.last().unwrap();
    assert_eq!(sub["snapshot"], true);
    let seq = write(&app.db, "test.y", &["floor"], json!({"n": 1})).await;
    let e = ws.event().await;
    assert_eq!(
        (e["seq"].as_i64(), e["prev"].as_i64(), e["kind"].as_str()),
        (Some(seq), Some(s), Some("test.y"))
    );
    assert_eq!(e["data"], json!({"n": 1}));
}

#[tokio::test]
async fn since_replays_exactly_the_missed_events_then_goes_live() {
    let mut app = TestApp::spawn().await;
    let t = app.token("kitchen").await;
    let start = head(&app.db).await;
    for i in 0..30 {
        let topics: &[&str] = match i % 3 {
            0 => &["station:kitchen", "expo"],
            1 => &["station:bar"],
            _ => &["station:grill"],
        };
        write(&app.db, "test.x", topics, json!({ "i": i })).await;
    }
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    let frames = ws
        .subscribe(&["station:kitchen", "station:grill"], Some(start))
        .await;
    let mut f = Follower {
        last: Some(start),
        ..Default::default()
    };
    for fr in &frames {
        f.apply(fr);
    }
    assert_eq!(frames.last().unwrap()["replayed"], 20);
    assert_eq!(f.snapshots, 0);
    let live = write(&app.db, "test.live", &["station:grill"], json!({})).await;
    follow_until(&mut ws, &mut f, live).await;
    assert_eq!(
        f.seqs,
        expected(&app.db, start, &["station:kitchen", "station:grill"]).await
    );
}

#[tokio::test]
async fn since_older_than_the_retained_log_or_from_another_epoch_gets_a_snapshot() {
    let mut app = TestApp::spawn().await;
    let t = app.token("kitchen").await;
    write_many(&app.db, &["expo"], 10, 0).await;
    // Pruned past seq 5: since = 2 cannot be replayed.
    sqlx::query("DELETE FROM events WHERE seq <= 5")
        .execute(&app.db)
        .await
        .unwrap();
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    let frames = ws.subscribe(&["expo"], Some(2)).await;
    assert_eq!(frames[0]["type"], "snapshot");
    assert_eq!(frames[0]["seq"], 10);
    // An event older than the retention window counts as gone too.
    sqlx::query("UPDATE events SET at = now() - interval '30 days' WHERE seq = 7")
        .execute(&app.db)
        .await
        .unwrap();
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    assert_eq!(
        ws.subscribe(&["expo"], Some(6)).await[0]["type"],
        "snapshot"
    );
    // A since from before a restore (another epoch) resnapshots.
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    ws.send(json!({"op": "subscribe", "topics": ["expo"], "since": 8, "epoch": 99}))
        .await;
    assert_eq!(ws.until("subscribed").await[0]["type"], "snapshot");
    // A since ahead of the log is not trusted.
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    assert_eq!(
        ws.subscribe(&["expo"], Some(1000)).await[0]["type"],
        "snapshot"
    );
    // And a valid one replays.
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    let frames = ws.subscribe(&["expo"], Some(8)).await;
    let seqs: Vec<i64> = frames
        .iter()
        .filter(|f| f["type"] == "event")
        .map(|f| f["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![9, 10]);
}

#[tokio::test]
async fn adding_topics_to_a_live_session_keeps_one_ordered_stream() {
    let mut app = TestApp::spawn().await;
    let t = app.token("manager").await;
    let start = head(&app.db).await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    let mut f = Follower {
        last: Some(start),
        ..Default::default()
    };
    for fr in ws.subscribe(&["expo"], Some(start)).await {
        f.apply(&fr);
    }
    write(&app.db, "test.a", &["floor"], json!({})).await;
    let e = write(&app.db, "test.b", &["expo"], json!({})).await;
    follow_until(&mut ws, &mut f, e).await;
    // `floor` has an event before the session's position: replaying it would go backwards,
    // so the new topic gets a snapshot instead.
    let frames = ws.subscribe(&["floor"], Some(start)).await;
    for fr in &frames {
        f.apply(fr);
    }
    assert_eq!(f.snapshots, 1);
    assert!(frames
        .iter()
        .any(|x| x["type"] == "snapshot" && x["topic"] == "floor"));
    // `orders` has nothing in between: it is simply added from the session's position.
    write(&app.db, "test.c", &["expo"], json!({})).await;
    let frames = ws.subscribe(&["orders"], Some(start)).await;
    for fr in &frames {
        f.apply(fr);
    }
    assert_eq!(f.snapshots, 1);
    let last = write(&app.db, "test.d", &["orders", "floor"], json!({})).await;
    follow_until(&mut ws, &mut f, last).await;
    let seqs: Vec<i64> = f.seqs.clone();
    assert_eq!(seqs.last(), Some(&last));
    // Unsubscribing stops a topic.
    ws.send(json!({"op": "unsubscribe", "topics": ["orders", "floor"]}))
        .await;
    assert_eq!(ws.frame().await["type"], "unsubscribed");
    write(&app.db, "test.e", &["orders"], json!({})).await;
    let x = write(&app.db, "test.f", &["expo"], json!({})).await;
    let e = ws.event().await;
    assert_eq!(
        (e["seq"].as_i64(), e["prev"].as_i64()),
        (Some(x), Some(last))
    );
}
