//! End to end through the REST write path: an order placed over HTTP reaches the station
//! screens, expo and the waiter; a bump reaches the waiter as "ready".

use serde_json::Value;

use crate::{client::Ws, helpers::TestApp};

async fn next_event(ws: &mut Ws) -> Value {
    ws.event().await
}

#[tokio::test]
async fn an_order_over_rest_reaches_the_stations_expo_and_its_waiter() {
    let mut app = TestApp::spawn().await;
    let url = app.ws_url();
    let wid = app.user_id("waiter").await;
    let (mut grill, _) = Ws::open(&url, &app.token("kitchen").await).await;
    grill.subscribe(&["station:grill"], None).await;
    let (mut bar, _) = Ws::open(&url, &app.token("bar").await).await;
    bar.subscribe(&["station:bar"], None).await;
    let (mut waiter, _) = Ws::open(&url, &app.token("waiter").await).await;
    waiter.subscribe(&[&format!("waiter:{wid}")], None).await;
    let (mut cashier, _) = Ws::open(&url, &app.token("cashier").await).await;
    cashier.subscribe(&["orders"], None).await;

    let order = app.steak_order("waiter", "T7").await;
    let order_id = order["id"].as_i64().unwrap();

    let g = next_event(&mut grill).await;
    assert!(g["kind"].as_str().unwrap().starts_with("ticket."), "{g}");
    assert_eq!(g["topic"], "station:grill");
    let b = next_event(&mut bar).await;
    assert_eq!(b["topic"], "station:bar");
    let c = next_event(&mut cashier).await;
    assert_eq!(c["kind"], "order.created");
    let w = next_event(&mut waiter).await;
    assert_eq!(w["kind"], "order.created");

    // The grill bumps its ticket: the waiter hears it.
    let ticket = app.ticket_for(order_id, "grill").await;
    let r = app
        .post(
            "kitchen",
            &format!("/tickets/{ticket}/ready"),
            serde_json::json!({}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let mut kinds = Vec::new();
    for _ in 0..20 {
        let e = next_event(&mut waiter).await;
        let k = e["kind"].as_str().unwrap().to_string();
        kinds.push(k.clone());
        if k == "ticket.ready" {
            break;
        }
    }
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("ticket.ready"),
        "{kinds:?}"
    );
}
