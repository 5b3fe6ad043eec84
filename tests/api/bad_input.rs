//! Bad input gets a clear 4xx with a stable code and a sentence, and changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

async fn raw(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    ct: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let mut rb = app
        .client
        .request(method, format!("{}{}", app.base, path))
        .bearer_auth(token)
        .body(body);
    if let Some(ct) = ct {
        rb = rb.header("content-type", ct);
    }
    let r = rb.send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// (what, method, path, content type, body, status, error code)
type Case<'a> = (
    &'a str,
    Method,
    String,
    Option<&'a str>,
    Vec<u8>,
    u16,
    &'a str,
);

#[tokio::test]
async fn bad_input_is_refused_clearly_and_changes_nothing() {
    let mut app = TestApp::spawn().await;
    let token = app.token("waiter").await;
    let sate = app.product_id("Sate Sapi").await;
    let t1 = app.table_id("T1").await;
    let before = (
        app.count("orders").await,
        app.count("events").await,
        app.count("order_items").await,
    );

    let json_ct = Some("application/json");
    let cases: Vec<Case> = vec![
        ("malformed JSON", Method::POST, "/orders".into(), json_ct, b"{\"items\": [".to_vec(), 400, "malformed_json"),
        ("wrong type", Method::POST, "/orders".into(), json_ct,
            json!({"items": [{"product_id": "sate", "quantity": 1}]}).to_string().into_bytes(), 422, "invalid_body"),
        ("missing field", Method::POST, "/orders".into(), json_ct, json!({"table_id": t1}).to_string().into_bytes(), 422, "invalid_body"),
        ("negative quantity", Method::POST, "/orders".into(), json_ct,
            json!({"table_id": t1, "items": [{"product_id": sate, "quantity": -2}]}).to_string().into_bytes(), 422, "validation_failed"),
        ("zero quantity", Method::POST, "/orders".into(), json_ct,
            json!({"table_id": t1, "items": [{"product_id": sate, "quantity": 0}]}).to_string().into_bytes(), 422, "validation_failed"),
        ("empty order", Method::POST, "/orders".into(), json_ct,
            json!({"table_id": t1, "items": []}).to_string().into_bytes(), 422, "validation_failed"),
        ("unknown product", Method::POST, "/orders".into(), json_ct,
            json!({"table_id": t1, "items": [{"product_id": 999999, "quantity": 1}]}).to_string().into_bytes(), 422, "unknown_product"),
        ("unknown table", Method::POST, "/orders".into(), json_ct,
            json!({"table_id": 999999, "items": [{"product_id": sate, "quantity": 1}]}).to_string().into_bytes(), 422, "validation_failed"),
        ("unknown field", Method::POST, "/orders".into(), json_ct,
            json!({"table_id": t1, "items": [{"product_id": sate, "quantity": 1}], "discount": 100}).to_string().into_bytes(), 422, "invalid_body"),
        ("wrong content type", Method::POST, "/orders".into(), Some("text/plain"),
            json!({"items": [{"product_id": sate, "quantity": 1}]}).to_string().into_bytes(), 415, "unsupported_media_type"),
        ("no content type", Method::POST, "/tables/1/seat".into(), None, b"{\"covers\":2}".to_vec(), 415, "unsupported_media_type"),
        ("oversize body", Method::POST, "/tables/1/seat".into(), json_ct,
            format!("{{\"covers\": 2, \"x\": \"{}\"}}", "a".repeat(400_000)).into_bytes(), 413, "payload_too_large"),
        ("unknown order", Method::POST, "/orders/424242/items".into(), json_ct,
            json!({"items": [{"product_id": sate, "quantity": 1}]}).to_string().into_bytes(), 404, "not_found"),
        ("id not a number", Method::GET, "/orders/abc".into(), None, vec![], 400, "invalid_id"),
        ("unknown route", Method::GET, "/nope".into(), None, vec![], 404, "route_not_found"),
        ("wrong method", Method::DELETE, "/orders".into(), None, vec![], 405, "method_not_allowed"),
        ("bad query", Method::GET, "/products?category_id=x".into(), None, vec![], 400, "invalid_query"),
    ];
    for (name, method, path, ct, body, status, code) in cases {
        let (s, v) = raw(&app, &token, method, &path, ct, body).await;
        assert_eq!(s.as_u16(), status, "{name}: {v}");
        assert_eq!(v["success"], false, "{name}: {v}");
        assert_eq!(v["error"]["code"], code, "{name}: {v}");
        let msg = v["message"].as_str().unwrap_or("");
        assert!(
            msg.len() > 10 && msg.ends_with('.'),
            "{name}: a sentence for a person: {msg:?}"
        );
    }
    let r = app
        .req_h(
            Method::POST,
            "/orders",
            Some(&token),
            Some(json!({"items": [{"product_id": sate, "quantity": 1}]})),
            &[("idempotency-key", &"k".repeat(300))],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "invalid_idempotency_key");

    let after = (
        app.count("orders").await,
        app.count("events").await,
        app.count("order_items").await,
    );
    assert_eq!(before, after, "nothing changed");
    assert_eq!(app.table_status("T1").await, "free");
}

#[tokio::test]
async fn cors_allows_only_configured_origins_and_sets_security_headers() {
    let app = TestApp::spawn_with(&[("ALLOWED_ORIGINS", "https://steakkenangan.com")]).await;
    let r = app
        .client
        .request(Method::OPTIONS, format!("{}/orders", app.base))
        .header("origin", "https://steakkenangan.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://steakkenangan.com"
    );
    let r = app
        .client
        .request(Method::OPTIONS, format!("{}/orders", app.base))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = app
        .client
        .get(format!("{}/health", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
}
