//! Presence on one instance: managers on `floor` see screens come and go.

use serde_json::Value;

use crate::{
    client::{Got, Ws, WAIT},
    helpers::TestApp,
};

fn station<'a>(f: &'a Value, code: &str) -> &'a Value {
    f["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {f}"))
}

/// The next presence frame (skipping others), bounded.
pub async fn presence(ws: &mut Ws) -> Value {
    for _ in 0..1000 {
        match ws.recv(WAIT).await {
            Got::Frame(f) if f["type"] == "presence" => return f,
            Got::Frame(_) => continue,
            other => panic!("no presence frame: {other:?}"),
        }
    }
    panic!("no presence frame");
}

/// Presence frames until `pred` holds for one (returned), bounded.
pub async fn presence_until(ws: &mut Ws, pred: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let f = presence(ws).await;
        if pred(&f) {
            return f;
        }
    }
    panic!("presence never matched");
}

#[tokio::test]
async fn a_manager_sees_a_kitchen_screen_arrive_and_leave() {
    let mut app = TestApp::spawn().await;
    let m = app.token("manager").await;
    let (mut mgr, _) = Ws::open(&app.ws_url(), &m).await;
    mgr.subscribe(&["floor"], None).await;
    let sync = presence(&mut mgr).await;
    assert_eq!(sync["change"], "sync");
    assert_eq!(
        station(&sync, "kitchen")["screens"],
        0,
        "a dark station shows as 0"
    );

    let k = app.token("kitchen").await;
    let (mut kitchen, _) = Ws::open(&app.ws_url(), &k).await;
    kitchen.subscribe(&["station:kitchen"], None).await;
    let f = presence_until(&mut mgr, |f| station(f, "kitchen")["screens"] == 1).await;
    assert_eq!(f["screen"]["username"], "kitchen");
    assert_eq!(f["screen"]["stations"], serde_json::json!(["kitchen"]));

    let r = app.get("manager", "/presence").await;
    assert_eq!(r.status, 200);
    assert_eq!(station(r.data(), "kitchen")["screens"], 1);
    assert_eq!(r.data()["shared"], false);
    assert_eq!(app.get("waiter", "/presence").await.status, 403);

    drop(kitchen);
    let f = presence_until(&mut mgr, |f| {
        f["change"] == "left" && f["screen"]["username"] == "kitchen"
    })
    .await;
    assert_eq!(station(&f, "kitchen")["screens"], 0);

    // Waiters hold `floor` too but get no presence frames.
    let w = app.token("waiter").await;
    let (mut waiter, _) = Ws::open(&app.ws_url(), &w).await;
    let frames = waiter.subscribe(&["floor"], None).await;
    assert!(frames.iter().all(|f| f["type"] != "presence"));
}
