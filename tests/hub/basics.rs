//! Connecting, authenticating, topic authorization, bad frames, token expiry.

use std::time::Duration;

use kenangan::auth::{jwt, Role};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::{
    client::{write, Got, Ws, WAIT},
    helpers::TestApp,
};

#[tokio::test]
async fn welcome_names_the_user_the_head_and_the_epoch() {
    let mut app = TestApp::spawn().await;
    let seq = write(&app.db, "test.x", &["expo"], json!({})).await;
    let t = app.token("kitchen").await;
    let (_ws, w) = Ws::open(&app.ws_url(), &t).await;
    assert_eq!(w["user"]["username"], "kitchen");
    assert_eq!(w["user"]["role"], "kitchen");
    assert_eq!(w["head"], seq);
    assert_eq!(w["epoch"], 1);
    assert!(w["server_time"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn a_first_auth_frame_authenticates_like_the_query_token() {
    let mut app = TestApp::spawn().await;
    let t = app.token("waiter").await;
    let mut ws = Ws::connect(&app.ws_url(), None).await;
    ws.send(json!({"op": "auth", "token": t})).await;
    let w = ws.frame().await;
    assert_eq!(w["type"], "welcome");
    assert_eq!(w["user"]["role"], "waiter");
}

#[tokio::test]
async fn no_or_bad_token_closes_with_4001() {
    let app = TestApp::spawn().await;
    let mut ws = Ws::connect(&app.ws_url(), None).await;
    ws.send(json!({"op": "subscribe", "topics": ["expo"]}))
        .await;
    assert_eq!(ws.close_code(WAIT).await, Some(4001));

    let mut ws = Ws::connect(&app.ws_url(), Some("not-a-jwt")).await;
    assert_eq!(ws.close_code(WAIT).await, Some(4001));
}

#[tokio::test]
async fn a_forbidden_topic_gets_an_error_frame_and_the_session_stays() {
    let mut app = TestApp::spawn().await;
    let t = app.token("waiter").await;
    let other = app.user_id("waiter2").await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    let frames = ws
        .subscribe(
            &[
                "station:grill",
                "orders",
                &format!("waiter:{other}"),
                "floor",
                "bogus",
            ],
            None,
        )
        .await;
    let errors: Vec<_> = frames.iter().filter(|f| f["type"] == "error").collect();
    let codes: Vec<(String, String)> = errors
        .iter()
        .map(|e| {
            (
                e["topic"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let theirs = format!("waiter:{other}");
    let want: Vec<(String, String)> = [
        ("station:grill", "forbidden_topic"),
        ("orders", "forbidden_topic"),
        (theirs.as_str(), "forbidden_topic"),
        ("bogus", "unknown_topic"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(codes, want);
    let sub = frames.last().unwrap();
    assert_eq!(sub["topics"], json!(["floor"]));
    // No events of the refused topics reach it; the allowed one does.
    write(&app.db, "test.x", &["station:grill", "orders"], json!({})).await;
    let seq = write(&app.db, "test.y", &["floor"], json!({})).await;
    let f = ws.frame().await;
    assert_eq!(
        (f["type"].as_str(), f["seq"].as_i64(), f["topic"].as_str()),
        (Some("event"), Some(seq), Some("floor"))
    );
}

#[tokio::test]
async fn malformed_frames_get_errors_and_repeated_abuse_closes() {
    let mut app = TestApp::spawn().await;
    let t = app.token("manager").await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    ws.send_raw(Message::Text("not json".into())).await;
    assert_eq!(ws.frame().await["code"], "bad_frame");
    ws.send(json!({"op": "dance"})).await;
    assert_eq!(ws.frame().await["code"], "unknown_op");
    ws.send(json!({"op": "subscribe", "topics": "expo"})).await;
    assert_eq!(ws.frame().await["code"], "bad_frame");
    ws.send_raw(Message::Binary(vec![1, 2, 3].into())).await;
    assert_eq!(ws.frame().await["code"], "bad_frame");
    // Still usable.
    ws.send(json!({"op": "ping", "id": 7})).await;
    let p = ws.frame().await;
    assert_eq!(
        (p["type"].as_str(), p["id"].as_i64()),
        (Some("pong"), Some(7))
    );
    for _ in 0..20 {
        ws.send_raw(Message::Text("{".into())).await;
    }
    assert_eq!(ws.close_code(WAIT).await, Some(1008));
}

#[tokio::test]
async fn an_oversized_frame_closes_the_session() {
    let mut app = TestApp::spawn().await;
    let t = app.token("manager").await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    let big = json!({"op": "ping", "id": "x".repeat(64 * 1024)});
    ws.send_raw(Message::Text(big.to_string().into())).await;
    // Closed — with 1009, or cut off before the close frame could be read — never left open.
    let mut ended = None;
    for _ in 0..100 {
        match ws.recv(WAIT).await {
            Got::Frame(_) => continue,
            other => {
                ended = Some(other);
                break;
            }
        }
    }
    assert!(
        matches!(ended, Some(Got::Close(Some(1009))) | Some(Got::End)),
        "the session stayed open or closed oddly: {ended:?}"
    );
}

async fn short_token(app: &mut TestApp, user: &str, role: Role, secs: u64) -> String {
    let id = app.user_id(user).await;
    jwt::issue(
        &app.state.config.jwt_secret,
        id,
        user,
        role,
        Duration::from_secs(secs),
    )
    .unwrap()
    .0
}

#[tokio::test]
async fn an_expired_token_closes_with_4001() {
    let mut app = TestApp::spawn().await;
    let t = short_token(&mut app, "kitchen", Role::Kitchen, 2).await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    ws.subscribe(&["expo"], None).await;
    assert_eq!(ws.close_code(Duration::from_secs(15)).await, Some(4001));
}

#[tokio::test]
async fn a_token_refreshed_in_band_keeps_the_session() {
    let mut app = TestApp::spawn().await;
    let long = app.token("kitchen").await;
    let other = app.token("bar").await;
    let t = short_token(&mut app, "kitchen", Role::Kitchen, 4).await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    ws.subscribe(&["expo"], None).await;
    // Another user's token is refused and changes nothing.
    ws.send(json!({"op": "auth", "token": other})).await;
    assert_eq!(ws.frame().await["code"], "auth_failed");
    ws.send(json!({"op": "auth", "token": long})).await;
    assert_eq!(ws.frame().await["type"], "auth_ok");
    // Past the first token's expiry the session still delivers.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let seq = write(&app.db, "test.x", &["expo"], json!({})).await;
    match ws.recv(WAIT).await {
        Got::Frame(f) => assert_eq!(f["seq"], seq),
        other => panic!("session ended: {other:?}"),
    }
}

#[tokio::test]
async fn metrics_are_prometheus_text() {
    let mut app = TestApp::spawn().await;
    let t = app.token("kitchen").await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    ws.subscribe(&["station:kitchen"], None).await;
    write(&app.db, "test.x", &["station:kitchen"], json!({})).await;
    ws.frame().await;
    let body = reqwest::get(format!("http://{}/metrics", app.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "kenangan_ws_topic_sessions{topic=\"station:kitchen\"} 1",
        "kenangan_hub_events_dispatched_total 1",
        "kenangan_hub_slow_consumer_closes_total 0",
        "kenangan_hub_listener_reconnects_total",
        "kenangan_hub_replays_total",
        "kenangan_hub_fanout_mode{mode=\"listen\"} 1",
        "kenangan_hub_relay_leader 0",
        "kenangan_hub_dispatch_latency_seconds_count 1",
    ] {
        assert!(body.contains(needle), "missing {needle} in\n{body}");
    }
}

/// Deactivating a user or changing their role closes their open screens at once (4001); a
/// session refreshed with a token whose user now has another role is closed too.
#[tokio::test]
async fn deactivated_or_demoted_users_are_disconnected() {
    let mut app = TestApp::spawn().await;
    let manager = app.user_id("manager").await;
    let cashier = app.user_id("cashier").await;
    let mt = app.token("manager").await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &mt).await;
    ws.subscribe(&["orders"], None).await;
    let r = app
        .patch(
            "admin",
            &format!("/admin/users/{manager}"),
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ws.close_code(WAIT).await, Some(4001));
    // And the old token cannot come back.
    let mut again = Ws::connect(&app.ws_url(), Some(&mt)).await;
    assert_eq!(again.close_code(WAIT).await, Some(4001));

    let ct = app.token("cashier").await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &ct).await;
    ws.subscribe(&["orders"], None).await;
    let r = app
        .patch(
            "admin",
            &format!("/admin/users/{cashier}"),
            json!({"role": "waiter"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(ws.close_code(WAIT).await, Some(4001));
    // Reconnecting as a waiter, `orders` is no longer allowed.
    let (mut ws, _) = Ws::open(&app.ws_url(), &ct).await;
    let frames = ws.subscribe(&["orders"], None).await;
    assert!(
        frames
            .iter()
            .any(|f| f["type"] == "error" && f["code"] == "forbidden_topic"),
        "{frames:?}"
    );
}

#[tokio::test]
async fn waiter_topics_must_be_canonical() {
    let mut app = TestApp::spawn().await;
    let id = app.user_id("waiter").await;
    let t = app.token("waiter").await;
    let (mut ws, _) = Ws::open(&app.ws_url(), &t).await;
    let frames = ws.subscribe(&[&format!("waiter:0{id}")], None).await;
    assert!(
        frames
            .iter()
            .any(|f| f["type"] == "error" && f["code"] == "unknown_topic"),
        "{frames:?}"
    );
}
