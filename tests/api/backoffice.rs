use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, PNG};

#[tokio::test]
async fn rates_are_edited_in_the_database_and_apply_to_new_orders_only() {
    let mut app = TestApp::spawn().await;
    let r = app.get("waiter", "/settings").await;
    assert_eq!(r.data()["tax_rate_percent"], 11.0);
    assert_eq!(r.data()["service_charge_percent"], 5.0);
    let before = app.steak_order("waiter", "T1").await;

    let mt = app.token("manager").await;
    let r = app
        .req(
            Method::PUT,
            "/settings",
            Some(&mt),
            Some(json!({"tax_rate_percent": 10, "service_charge_percent": 0})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["tax_rate_percent"], 10.0);
    assert_eq!(r.data()["tax_rate_default_percent"], 11.0);
    let r = app
        .req(
            Method::PUT,
            "/settings",
            Some(&mt),
            Some(json!({"tax_rate_percent": 150})),
        )
        .await;
    assert_eq!(r.status, 422);
    let wt = app.token("waiter").await;
    let r = app
        .req(
            Method::PUT,
            "/settings",
            Some(&wt),
            Some(json!({"tax_rate_percent": 0})),
        )
        .await;
    assert_eq!(r.status, 403);

    let after = app.steak_order("waiter", "T2").await;
    assert_eq!(after["subtotal"], 1_040_000);
    assert_eq!(after["service_charge"], 0);
    assert_eq!(after["tax"], 104_000);
    // The earlier order keeps the rates it was opened with.
    let r = app
        .get("manager", &format!("/orders/{}", before["id"]))
        .await;
    assert_eq!(r.data()["tax"], before["tax"]);
    assert_eq!(r.data()["service_charge"], 52_000);

    // Amounts are rounded half up to the rupiah: 3.33 % of Rp 25.000 is 832,5 → 833.
    let r = app
        .req(
            Method::PUT,
            "/settings",
            Some(&mt),
            Some(json!({"tax_rate_percent": 3.33, "service_charge_percent": 0})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let kopi = app.product_id("Kopi Tubruk").await;
    let r = app
        .post(
            "cashier",
            "/orders",
            json!({"items": [{"product_id": kopi, "quantity": 1}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.data()["subtotal"], 25_000);
    assert_eq!(r.data()["tax"], 833);
    assert_eq!(r.data()["total"], 25_833);
}

#[tokio::test]
async fn the_audit_log_says_who_did_what() {
    let mut app = TestApp::spawn().await;
    let order = app.steak_order("waiter", "T3").await;
    let oid = order["id"].as_i64().unwrap();
    let item = order["items"][0]["id"].as_i64().unwrap();
    app.post(
        "waiter",
        &format!("/orders/{oid}/items/{item}/void"),
        json!({"reason": "dropped on the floor"}),
    )
    .await;
    let grill = app.ticket_for(oid, "bar").await;
    app.post("bar", &format!("/tickets/{grill}/ready"), json!({}))
        .await;
    app.post("bar", &format!("/tickets/{grill}/recall"), json!({}))
        .await;
    app.post(
        "manager",
        &format!("/orders/{oid}/cancel"),
        json!({"reason": "guest left"}),
    )
    .await;

    let r = app.get("manager", "/audit").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let entries = r.data()["entries"].as_array().unwrap();
    let find = |kind: &str| {
        entries
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind}: {entries:?}"))
            .clone()
    };
    let void = find("order.item_voided");
    assert_eq!(void["actor_name"], "Budi Pelayan");
    assert!(void["what"]
        .as_str()
        .unwrap()
        .contains("dropped on the floor"));
    assert_eq!(find("ticket.recalled")["actor_role"], "bar");
    assert!(find("order.cancelled")["what"]
        .as_str()
        .unwrap()
        .contains("guest left"));
    assert!(
        entries.iter().all(|e| e["kind"] != "ticket.ready"),
        "routine steps are left out"
    );

    let waiter = app.user_id("waiter").await;
    let r = app
        .get("manager", &format!("/audit?user_id={waiter}"))
        .await;
    assert!(r.data()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor_id"] == waiter));
    let r = app.get("manager", "/audit?date=2020-01-01").await;
    assert!(r.data()["entries"].as_array().unwrap().is_empty());
    let r = app.get("manager", "/audit?kind=nonsense").await;
    assert_eq!(r.status, 400);
    let r = app.get("waiter", "/audit").await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn the_qris_image_is_uploaded_once_and_served() {
    let mut app = TestApp::spawn().await;
    let token = app.token("manager").await;
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("qris.png"),
    );
    let r = app
        .client
        .post(format!("{}/settings/qris", app.base))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    let url = v["data"]["qris_image_url"].as_str().unwrap().to_string();
    let r = app.get("cashier", "/settings").await;
    assert_eq!(r.data()["qris_image_url"], url.as_str());
    let img = app
        .client
        .get(format!("http://{}{url}", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(img.bytes().await.unwrap().as_ref(), PNG);
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(b"not an image".to_vec()).file_name("qris.png"),
    );
    let r = app
        .client
        .post(format!("{}/settings/qris", app.base))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
}
