//! The authorization matrix: every route × every role → allowed or 403, and 401 without a
//! token. A new route fails this test until its row is added here.

use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

const ALL: &[&str] = &["admin", "manager", "cashier", "waiter", "kitchen", "bar"];
const ADMIN: &[&str] = &["admin"];
const MANAGE: &[&str] = &["admin", "manager"];
const MENU: &[&str] = &["admin", "manager", "kitchen", "bar"];
const FLOOR: &[&str] = &["admin", "manager", "cashier", "waiter"];
const PAY: &[&str] = &["admin", "manager", "cashier"];
const STATION_GRILL: &[&str] = &["admin", "manager", "kitchen"];
const STATIONS: &[&str] = &["admin", "manager", "kitchen", "bar"];
const SERVE: &[&str] = &["admin", "manager", "waiter", "kitchen", "bar"];
const PUBLIC: &[&str] = &[];

fn expected(method: &Method, path: &str) -> Option<&'static [&'static str]> {
    let p = path.trim_start_matches("/api/v1");
    Some(match (method.as_str(), p) {
        ("GET", "/health") | ("POST", "/auth/login") | ("GET", "/tables/{id}/qr.png") => PUBLIC,
        ("GET", "/auth/me") | ("POST", "/auth/password") | ("POST", "/auth/refresh") => ALL,
        (_, "/admin/users") | (_, "/admin/users/{id}") => ADMIN,
        ("GET", "/admin/dashboard/stats" | "/audit" | "/presence") => MANAGE,
        ("GET", "/settings") => ALL,
        ("PUT", "/settings") | ("POST", "/settings/qris") => MANAGE,
        (
            "GET",
            "/stations" | "/categories" | "/products" | "/products/{id}" | "/tables"
            | "/tables/{id}",
        ) => ALL,
        (
            "POST",
            "/stations" | "/categories" | "/products" | "/products/{id}/image" | "/tables",
        ) => MANAGE,
        ("PATCH", "/stations/{id}" | "/categories/{id}" | "/products/{id}" | "/tables/{id}") => {
            MANAGE
        }
        ("PUT", "/products/{id}/availability") => MENU,
        ("POST", "/tables/{id}/seat" | "/tables/{id}/request-bill" | "/tables/{id}/clear") => FLOOR,
        ("GET", "/floor") => FLOOR,
        ("GET", "/orders" | "/orders/{id}") => FLOOR,
        (
            "POST",
            "/orders"
            | "/orders/{id}/items"
            | "/orders/{id}/items/{item_id}/void"
            | "/orders/{id}/fire",
        ) => FLOOR,
        ("POST", "/orders/{id}/pay") => PAY,
        ("POST", "/orders/{id}/cancel") => MANAGE,
        ("GET", "/tickets") => STATIONS,
        (
            "POST",
            "/tickets/{id}/start"
            | "/tickets/{id}/ready"
            | "/tickets/{id}/recall"
            | "/tickets/{id}/items/{item_id}/ready",
        ) => STATION_GRILL,
        ("GET", "/tickets/{id}") | ("POST", "/tickets/{id}/serve" | "/tickets/{id}/rush") => SERVE,
        _ => return None,
    })
}

#[tokio::test]
async fn every_route_for_every_role() {
    let mut app = TestApp::spawn().await;
    let order = app.steak_order("waiter", "T1").await;
    let oid = order["id"].as_i64().unwrap();
    let grill = app.ticket_for(oid, "grill").await;
    let grill_item = order["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["station"] == "grill")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let waiter2 = app.user_id("waiter2").await;
    let mut tokens = vec![];
    for role in ALL {
        tokens.push((*role, app.token(role).await));
    }

    let mut missing = vec![];
    let mut wrong = vec![];
    for (method, path) in kenangan::app::route_list() {
        if path.ends_with("/ws") {
            continue; // the WebSocket authenticates in its own protocol (tests/hub)
        }
        let Some(allowed) = expected(&method, &path) else {
            missing.push(format!("{method} {path}"));
            continue;
        };
        let id = if path.contains("/tickets/") {
            grill
        } else if path.contains("/orders/") {
            oid
        } else if path.contains("/admin/users/") {
            waiter2 as i64
        } else {
            1
        };
        let url = path
            .trim_start_matches("/api/v1")
            .replace("{id}", &id.to_string())
            .replace("{item_id}", &grill_item.to_string());
        let body = (method != Method::GET).then(|| json!({}));

        let r = app.req(method.clone(), &url, None, body.clone()).await;
        if allowed.is_empty() {
            if r.status == 401 || r.status == 403 {
                wrong.push(format!(
                    "{method} {path} is public but answered {} without a token",
                    r.status
                ));
            }
            continue;
        }
        if r.status != 401 {
            wrong.push(format!(
                "{method} {path} without a token: {} (want 401)",
                r.status
            ));
        }
        for (role, token) in &tokens {
            let r = app
                .req(method.clone(), &url, Some(token), body.clone())
                .await;
            let ok = allowed.contains(role);
            if ok && (r.status == 403 || r.status == 401) {
                wrong.push(format!(
                    "{method} {path} as {role}: {} but should be allowed ({})",
                    r.status, r.body
                ));
            }
            if !ok && r.status != 403 {
                wrong.push(format!(
                    "{method} {path} as {role}: {} (want 403)",
                    r.status
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without an authorization row: {missing:#?}"
    );
    assert!(wrong.is_empty(), "authorization mismatches: {wrong:#?}");
}
