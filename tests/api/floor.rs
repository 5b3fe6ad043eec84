use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn tables_and_their_qr_codes() {
    let mut app = TestApp::spawn().await;
    let r = app.get("waiter", "/tables").await;
    assert!(r.data().as_array().unwrap().len() >= 12);
    let r = app
        .post(
            "manager",
            "/tables",
            json!({"label": "VIP-1", "area": "VIP", "capacity": 8}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.data()["id"].as_i64().unwrap();
    assert_eq!(r.data()["status"], "free");
    let r = app
        .post(
            "manager",
            "/tables",
            json!({"label": "VIP-1", "capacity": 2}),
        )
        .await;
    assert_eq!(r.status, 409);
    let r = app
        .post("manager", "/tables", json!({"label": "X", "capacity": 0}))
        .await;
    assert_eq!(r.status, 422);
    let r = app
        .patch("manager", &format!("/tables/{id}"), json!({"capacity": 10}))
        .await;
    assert_eq!(r.data()["capacity"], 10);

    // The QR code is a PNG that decodes to the table's link.
    let resp = app
        .client
        .get(format!("{}/tables/{id}/qr.png", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let bytes = resp.bytes().await.unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(
        content,
        format!("http://localhost:{}/t/VIP-1", app.state.config.api_port)
    );
    let r = app
        .client
        .get(format!("{}/tables/99999/qr.png", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn invalid_table_transitions_answer_409_with_the_current_state() {
    let mut app = TestApp::spawn().await;
    let t1 = app.table_id("T1").await;
    let r = app
        .post("waiter", &format!("/tables/{t1}/request-bill"), json!({}))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "invalid_transition");
    assert_eq!(r.body["error"]["details"]["current"]["status"], "free");
    let r = app
        .post(
            "waiter",
            &format!("/tables/{t1}/seat"),
            json!({"covers": 0}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = app
        .post(
            "waiter",
            &format!("/tables/{t1}/seat"),
            json!({"covers": 4}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = app
        .post(
            "waiter2",
            &format!("/tables/{t1}/seat"),
            json!({"covers": 2}),
        )
        .await;
    assert_eq!(r.status, 409, "a seated table cannot be seated again");
    // Guests leave before ordering: the table can be cleared.
    let r = app
        .post("waiter", &format!("/tables/{t1}/clear"), json!({}))
        .await;
    assert_eq!(r.status, 200);
    app.steak_order("waiter", "T1").await;
    let r = app
        .post("waiter", &format!("/tables/{t1}/clear"), json!({}))
        .await;
    assert_eq!(
        r.status, 409,
        "a table with an open order cannot be cleared"
    );
}

#[tokio::test]
async fn floor_view_and_dashboard_stats() {
    let mut app = TestApp::spawn().await;
    let order = app.steak_order("waiter", "T10").await;
    let oid = order["id"].as_i64().unwrap();
    let r = app.get("manager", "/floor").await;
    assert_eq!(r.status, 200);
    let t10 = r.data()["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == "T10")
        .unwrap()
        .clone();
    assert_eq!(t10["status"], "ordered");
    assert_eq!(t10["covers"], 2);
    assert_eq!(t10["waiter_name"], "Budi Pelayan");
    let grill = r.data()["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "grill")
        .unwrap()
        .clone();
    assert_eq!(grill["open_tickets"], 1);
    let r = app.get("kitchen", "/floor").await;
    assert_eq!(r.status, 403);

    let grill = app.ticket_for(oid, "grill").await;
    app.post("kitchen", &format!("/tickets/{grill}/ready"), json!({}))
        .await;
    app.post("waiter", &format!("/orders/{oid}/fire"), json!({}))
        .await;
    app.post(
        "cashier",
        &format!("/orders/{oid}/pay"),
        json!({"method": "qris"}),
    )
    .await;
    let r = app.get("manager", "/admin/dashboard/stats").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = r.data();
    assert_eq!(d["orders"], 1);
    assert_eq!(d["paid_orders"], 1);
    assert_eq!(d["covers"], 2);
    assert_eq!(d["revenue"], 1_212_120, "tax and service charge included");
    assert_eq!(d["top_products"][0]["name"], "Wagyu Sirloin 200g");
    let g = d["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["station"] == "grill")
        .unwrap()
        .clone();
    assert_eq!(g["tickets_ready"], 1);
    assert!(g["p90_fire_to_ready_secs"].as_f64().unwrap() >= 0.0);
    let r = app
        .get("manager", "/admin/dashboard/stats?date=2020-01-01")
        .await;
    assert_eq!(r.data()["orders"], 0);
    let r = app
        .get("manager", "/admin/dashboard/stats?date=yesterday")
        .await;
    assert_eq!(r.status, 400);
    let r = app.get("waiter", "/admin/dashboard/stats").await;
    assert_eq!(r.status, 403);
    let _ = Method::GET;
}
