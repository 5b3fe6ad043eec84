use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_table_from_seating_to_paid_and_free() {
    let mut app = TestApp::spawn().await;
    let t7 = app.table_id("T7").await;
    let r = app
        .post(
            "waiter",
            &format!("/tables/{t7}/seat"),
            json!({"covers": 3}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["status"], "seated");
    assert_eq!(r.data()["waiter_id"], app.user_id("waiter").await);

    let order = app.steak_order("waiter", "T7").await;
    let oid = order["id"].as_i64().unwrap();
    assert_eq!(order["status"], "open");
    assert_eq!(order["covers"], 2);
    assert_eq!(order["version"], 1);
    assert_eq!(app.table_status("T7").await, "ordered");
    // Grill and bar fire now; the dessert course is held.
    let tickets = order["tickets"].as_array().unwrap();
    let mut stations: Vec<&str> = tickets
        .iter()
        .map(|t| t["station"].as_str().unwrap())
        .collect();
    stations.sort();
    assert_eq!(stations, ["bar", "grill"]);
    let held: Vec<_> = order["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "held")
        .collect();
    assert_eq!(held.len(), 1);
    // Totals: 2×485000 + 2×15000 + 40000 = 1,040,000; service 5 % = 52,000; tax 11 % of 1,092,000 = 120,120.
    assert_eq!(order["subtotal"], 1_040_000);
    assert_eq!(order["service_charge"], 52_000);
    assert_eq!(order["tax"], 120_120);
    assert_eq!(order["total"], 1_212_120);

    let grill = app.ticket_for(oid, "grill").await;
    let bar = app.ticket_for(oid, "bar").await;
    // The bar cannot bump the grill's ticket.
    let r = app
        .post("bar", &format!("/tickets/{grill}/ready"), json!({}))
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .post("kitchen", &format!("/tickets/{grill}/start"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["status"], "started");
    let r = app
        .post("kitchen", &format!("/tickets/{grill}/start"), json!({}))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "invalid_transition");
    assert_eq!(r.body["error"]["details"]["current"]["status"], "started");
    let r = app
        .post("kitchen", &format!("/tickets/{grill}/ready"), json!({}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        app.table_status("T7").await,
        "ordered",
        "bar ticket still cooking"
    );
    let r = app
        .post("bar", &format!("/tickets/{bar}/ready"), json!({}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(app.table_status("T7").await, "food_ready");

    // Recall brings the grill ticket back to the screen.
    let r = app
        .post("kitchen", &format!("/tickets/{grill}/recall"), json!({}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.data()["status"], "started");
    assert_eq!(r.data()["recall_count"], 1);
    assert_eq!(app.table_status("T7").await, "ordered");
    app.post("kitchen", &format!("/tickets/{grill}/ready"), json!({}))
        .await;

    for t in [grill, bar] {
        let r = app
            .post("waiter", &format!("/tickets/{t}/serve"), json!({}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    assert_eq!(app.table_status("T7").await, "served");

    // Paying with a held course is refused; fire it, then ask for the bill.
    let r = app
        .post(
            "cashier",
            &format!("/orders/{oid}/pay"),
            json!({"method": "card"}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "items_held");
    let r = app
        .post(
            "waiter",
            &format!("/orders/{oid}/fire"),
            json!({"course": 3}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let dessert = app.ticket_for(oid, "kitchen").await;
    assert_eq!(app.table_status("T7").await, "ordered");
    let r = app
        .post("waiter", &format!("/orders/{oid}/fire"), json!({}))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "nothing_to_fire");
    app.post("kitchen", &format!("/tickets/{dessert}/ready"), json!({}))
        .await;
    app.post("waiter", &format!("/tickets/{dessert}/serve"), json!({}))
        .await;
    let r = app
        .post("waiter", &format!("/tables/{t7}/request-bill"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["status"], "bill_requested");

    // Cash short of the total is refused; enough cash gives change.
    let r = app
        .post(
            "cashier",
            &format!("/orders/{oid}/pay"),
            json!({"method": "cash", "amount_tendered": 1_000_000}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = app
        .post(
            "cashier",
            &format!("/orders/{oid}/pay"),
            json!({"method": "cash", "amount_tendered": 1_300_000}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["change"], 87_880);
    assert_eq!(r.data()["order"]["status"], "paid");
    assert_eq!(app.table_status("T7").await, "paid");

    // A paid order never changes again.
    let es_teh = app.product_id("Es Teh Manis").await;
    let r = app
        .post(
            "waiter",
            &format!("/orders/{oid}/items"),
            json!({"items": [{"product_id": es_teh, "quantity": 1}]}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "order_closed");
    let r = app
        .post(
            "manager",
            &format!("/orders/{oid}/cancel"),
            json!({"reason": "oops"}),
        )
        .await;
    assert_eq!(r.status, 409);
    let r = app
        .post(
            "cashier",
            &format!("/orders/{oid}/pay"),
            json!({"method": "card"}),
        )
        .await;
    assert_eq!(r.status, 409);

    let r = app
        .post("waiter", &format!("/tables/{t7}/clear"), json!({}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.data()["status"], "free");
    assert!(r.data()["covers"].is_null());

    // Every step left its event, in order and without gaps.
    let evs = app.events().await;
    assert!(evs
        .iter()
        .enumerate()
        .all(|(i, (seq, _))| *seq == i as i64 + 1));
    let kinds: Vec<&str> = evs.iter().map(|(_, k)| k.as_str()).collect();
    for k in [
        "order.created",
        "ticket.fired",
        "ticket.started",
        "ticket.ready",
        "ticket.recalled",
        "ticket.served",
        "order.fired",
        "order.paid",
        "table.status",
    ] {
        assert!(kinds.contains(&k), "missing {k} in {kinds:?}");
    }
}

#[tokio::test]
async fn items_added_and_voided_after_firing_are_flagged() {
    let mut app = TestApp::spawn().await;
    let order = app.steak_order("waiter", "T2").await;
    let oid = order["id"].as_i64().unwrap();
    let fries = app.product_id("French Fries").await;
    let r = app
        .post(
            "waiter",
            &format!("/orders/{oid}/items"),
            json!({"items": [{"product_id": fries, "quantity": 2, "notes": "extra crispy"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let added = r.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["product_id"] == fries)
        .unwrap()
        .clone();
    assert_eq!(added["added_late"], true);
    assert_eq!(added["status"], "fired", "new items fire at once");
    assert_eq!(r.data()["subtotal"], 1_040_000 + 70_000);
    // The held dessert stays held.
    assert!(r.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["status"] == "held"));

    let wagyu_item = order["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["station"] == "grill")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post(
            "waiter",
            &format!("/orders/{oid}/items/{wagyu_item}/void"),
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = app
        .post(
            "waiter",
            &format!("/orders/{oid}/items/{wagyu_item}/void"),
            json!({"reason": "guest changed mind"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["subtotal"], 70_000 + 30_000 + 40_000);
    let grill = r.data()["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["station"] == "grill")
        .unwrap()
        .clone();
    assert_eq!(
        grill["status"], "voided",
        "a ticket with every item voided leaves the screen"
    );
    let r = app
        .post(
            "waiter",
            &format!("/orders/{oid}/items/{wagyu_item}/void"),
            json!({"reason": "again"}),
        )
        .await;
    assert_eq!(r.status, 409);

    let kinds: Vec<String> = app.events().await.into_iter().map(|(_, k)| k).collect();
    assert!(kinds.contains(&"order.items_added".to_string()));
    assert!(kinds.contains(&"ticket.voided".to_string()));
}

#[tokio::test]
async fn item_level_ready_and_rush() {
    let mut app = TestApp::spawn().await;
    let body = json!({
        "table_id": app.table_id("T3").await,
        "items": [
            {"product_id": app.product_id("Wagyu Sirloin 200g").await, "quantity": 1},
            {"product_id": app.product_id("Tenderloin 180g").await, "quantity": 1}
        ]
    });
    let r = app.post("waiter", "/orders", body).await;
    let oid = r.data()["id"].as_i64().unwrap();
    let grill = app.ticket_for(oid, "grill").await;
    let r = app
        .post(
            "waiter",
            &format!("/tickets/{grill}/rush"),
            json!({"rush": true}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.data()["rush"], true);
    let items: Vec<i64> = r.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    let r = app
        .post(
            "kitchen",
            &format!("/tickets/{grill}/items/{}/ready", items[0]),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["status"], "fired", "one of two items done");
    let r = app
        .post(
            "kitchen",
            &format!("/tickets/{grill}/items/{}/ready", items[0]),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 409);
    let r = app
        .post(
            "kitchen",
            &format!("/tickets/{grill}/items/{}/ready", items[1]),
            json!({}),
        )
        .await;
    assert_eq!(
        r.data()["status"],
        "ready",
        "the last item makes the ticket ready"
    );
    assert_eq!(app.table_status("T3").await, "food_ready");
}

#[tokio::test]
async fn takeaway_and_cancel() {
    let mut app = TestApp::spawn().await;
    let latte = app.product_id("Kopi Tubruk").await;
    let r = app
        .post(
            "cashier",
            "/orders",
            json!({"items": [{"product_id": latte, "quantity": 3}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.data()["order_type"], "takeaway");
    assert_eq!(
        r.data()["service_charge"],
        0,
        "no service charge on takeaway"
    );
    assert_eq!(r.data()["tax"], 8_250);
    let oid = r.data()["id"].as_i64().unwrap();
    let r = app
        .post(
            "waiter",
            &format!("/orders/{oid}/cancel"),
            json!({"reason": "left"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .post(
            "manager",
            &format!("/orders/{oid}/cancel"),
            json!({"reason": "guest left"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["status"], "cancelled");
    assert!(r.data()["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["status"] == "voided"));
    assert!(r.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["status"] == "voided"));

    // Cancelling a table's order frees the table.
    let order = app.steak_order("waiter", "T4").await;
    let oid = order["id"].as_i64().unwrap();
    let r = app
        .post(
            "admin",
            &format!("/orders/{oid}/cancel"),
            json!({"reason": "wrong table"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(app.table_status("T4").await, "free");
}

#[tokio::test]
async fn a_table_takes_one_open_order_and_86d_products_cannot_be_ordered() {
    let mut app = TestApp::spawn().await;
    app.steak_order("waiter", "T5").await;
    let es_teh = app.product_id("Es Teh Manis").await;
    let t5 = app.table_id("T5").await;
    let r = app
        .post(
            "waiter2",
            "/orders",
            json!({"table_id": t5, "items": [{"product_id": es_teh, "quantity": 1}]}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "table_has_open_order");

    let ribs = app.product_id("Iga Bakar Kenangan").await;
    let kt = app.token("kitchen").await;
    let r = app
        .req(
            Method::PUT,
            &format!("/products/{ribs}/availability"),
            Some(&kt),
            Some(json!({"is_available": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let orders_before = app.count("orders").await;
    let r = app
        .post("waiter", "/orders", json!({"table_id": app.table_id("T6").await, "items": [{"product_id": es_teh, "quantity": 1}, {"product_id": ribs, "quantity": 1}]}))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "product_unavailable");
    assert!(r.body["message"].as_str().unwrap().contains("Iga Bakar"));
    assert_eq!(app.count("orders").await, orders_before, "nothing created");
    assert_eq!(app.table_status("T6").await, "free", "table untouched");
    let r = app.get("waiter", "/products?available=false").await;
    assert_eq!(r.data().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn two_devices_cannot_overwrite_each_other() {
    let mut app = TestApp::spawn().await;
    let order = app.steak_order("waiter", "T8").await;
    let oid = order["id"].as_i64().unwrap();
    let v = order["version"].as_i64().unwrap().to_string();
    let fries = app.product_id("French Fries").await;
    let body = json!({"items": [{"product_id": fries, "quantity": 1}]});
    let token = app.token("waiter").await;
    // Device A changes the order at version v.
    let a = app
        .req_h(
            Method::POST,
            &format!("/orders/{oid}/items"),
            Some(&token),
            Some(body.clone()),
            &[("if-match", &v)],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    // Device B still holds version v: refused, told the current state.
    let b = app
        .req_h(
            Method::POST,
            &format!("/orders/{oid}/items"),
            Some(&token),
            Some(body.clone()),
            &[("if-match", &v)],
        )
        .await;
    assert_eq!(b.status, 409);
    assert_eq!(b.code(), "version_conflict");
    assert_eq!(
        b.body["error"]["details"]["current"]["version"],
        a.data()["version"]
    );
    let bad = app
        .req_h(
            Method::POST,
            &format!("/orders/{oid}/items"),
            Some(&token),
            Some(body),
            &[("if-match", "abc")],
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn twenty_concurrent_identical_posts_make_one_order() {
    let mut app = TestApp::spawn_with(&[("DATABASE_POOL_SIZE", "24")]).await;
    let token = app.token("waiter").await;
    let body = json!({
        "table_id": app.table_id("T9").await,
        "items": [{"product_id": app.product_id("Sate Sapi").await, "quantity": 2}]
    });
    let key = uuid::Uuid::new_v4().to_string();
    let mut tasks = vec![];
    for _ in 0..20 {
        let (client, url, token, body, key) = (
            app.client.clone(),
            format!("{}/orders", app.base),
            token.clone(),
            body.clone(),
            key.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let v: serde_json::Value = r.json().await.unwrap();
            (status, v)
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let (status, v) = t.await.unwrap();
        assert_eq!(status, 201, "{v}");
        ids.insert(v["data"]["id"].as_i64().unwrap());
    }
    assert_eq!(ids.len(), 1, "every retry got the same order");
    assert_eq!(app.count("orders").await, 1);
    assert_eq!(app.count("tickets").await, 1);
    let created: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'order.created'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(created, 1);

    // The same key with a different body is a client bug, not a retry.
    let other =
        json!({"items": [{"product_id": app.product_id("Sate Sapi").await, "quantity": 5}]});
    let r = app
        .req_h(
            Method::POST,
            "/orders",
            Some(&token),
            Some(other),
            &[("idempotency-key", &key)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.code(), "idempotency_key_reused");
}

#[tokio::test]
async fn two_stations_bumping_at_once_make_the_table_food_ready() {
    // The grill and the bar finish the same table's tickets in the same instant: whichever
    // commits second must see the other's ticket ready, or the waiter is never told.
    let mut app = TestApp::spawn().await;
    let kt = app.token("kitchen").await;
    let bt = app.token("bar").await;
    for label in ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"] {
        let o = app.steak_order("waiter", label).await;
        let oid = o["id"].as_i64().unwrap();
        let grill = app.ticket_for(oid, "grill").await;
        let bar = app.ticket_for(oid, "bar").await;
        let (gp, bp) = (
            format!("/tickets/{grill}/ready"),
            format!("/tickets/{bar}/ready"),
        );
        let (a, b) = tokio::join!(
            app.req(Method::POST, &gp, Some(&kt), Some(json!({}))),
            app.req(Method::POST, &bp, Some(&bt), Some(json!({}))),
        );
        assert_eq!((a.status.as_u16(), b.status.as_u16()), (200, 200));
        assert_eq!(app.table_status(label).await, "food_ready", "table {label}");
    }
}
