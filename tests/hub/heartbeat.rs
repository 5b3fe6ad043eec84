//! Liveness without a timer per session: the hub's heartbeat sweep pings silent screens, drops
//! one that stops answering (1001), and leaves the others alone.

use std::time::Duration;

use serde_json::json;

use crate::{
    client::{write, Got, Ws, WAIT},
    helpers::TestApp,
};

#[tokio::test]
async fn a_screen_that_stops_answering_pings_is_dropped_and_the_others_stay() {
    let mut app = TestApp::spawn_with(&[("WS_PING_SECONDS", "1")]).await;
    let t = app.token("kitchen").await;
    let (mut dead, _) = Ws::open(&app.ws_url(), &t).await;
    dead.subscribe(&["expo"], None).await;
    let (mut alive, _) = Ws::open(&app.ws_url(), &t).await;
    alive.subscribe(&["expo"], None).await;

    // `alive` keeps reading (its client answers the server's pings); `dead` reads nothing, so
    // its pings go unanswered. Both are silent at the application level.
    let watch = tokio::spawn(async move {
        let mut pings_seen = 0u32;
        // Well past 2.5 ping intervals plus the sweep's granularity.
        let until = tokio::time::Instant::now() + Duration::from_secs(6);
        loop {
            match tokio::time::timeout_at(until, futures_util::StreamExt::next(&mut alive.s)).await
            {
                Err(_) => break,
                Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Ping(_)))) => pings_seen += 1,
                Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(f)))) => {
                    panic!("a screen answering pings was closed: {f:?}")
                }
                Ok(Some(Ok(_))) => {}
                Ok(None) | Ok(Some(Err(_))) => panic!("a screen answering pings was dropped"),
            }
        }
        (alive, pings_seen)
    });
    let (mut alive, pings_seen) = watch.await.expect("watcher");
    assert!(pings_seen >= 1, "a silent screen is pinged");

    assert_eq!(
        dead.close_code(WAIT).await,
        Some(1001),
        "no heartbeat for 2.5 intervals closes with 1001"
    );

    let seq = write(&app.db, "test.x", &["expo"], json!({})).await;
    let e = alive.event().await;
    assert_eq!(e["seq"].as_i64(), Some(seq));
}

/// A screen that sends its own `ping` op is alive without answering WebSocket pings.
#[tokio::test]
async fn application_pings_keep_a_screen_alive() {
    let mut app = TestApp::spawn_with(&[("WS_PING_SECONDS", "1")]).await;
    let t = app.token("kitchen").await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    ws.subscribe(&["expo"], None).await;
    for i in 0..8 {
        ws.send(json!({"op": "ping", "id": i})).await;
        // Read only the pong (WebSocket pings in between are skipped by `recv`).
        match ws.recv(WAIT).await {
            Got::Frame(f) => assert_eq!(f["type"], "pong", "{f}"),
            other => panic!("expected a pong, got {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let seq = write(&app.db, "test.x", &["expo"], json!({})).await;
    assert_eq!(ws.event().await["seq"].as_i64(), Some(seq));
}
