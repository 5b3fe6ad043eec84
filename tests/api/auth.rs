use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn health_is_the_guides_shape() {
    let app = TestApp::spawn().await;
    let r = app.req(Method::GET, "/health", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["success"], true);
    assert_eq!(r.body["message"], "Server is healthy");
    assert_eq!(r.data()["status"], "healthy");
    assert_eq!(r.data()["database"], "connected");
    assert_eq!(r.data()["redis"], "not_configured");
    assert!(chrono::DateTime::parse_from_rfc3339(r.data()["timestamp"].as_str().unwrap()).is_ok());
}

#[tokio::test]
async fn login_me_and_bad_credentials() {
    let mut app = TestApp::spawn().await;
    let r = app.get("waiter", "/auth/me").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.data()["username"], "waiter");
    assert_eq!(r.data()["role"], "waiter");
    assert!(r.data().get("password").is_none());

    let r = app
        .req(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({"username":"waiter","password":"nope"})),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "unauthorized");
    let r = app.req(Method::GET, "/auth/me", None, None).await;
    assert_eq!(r.status, 401);
    let r = app
        .req(Method::GET, "/auth/me", Some("garbage.token.here"), None)
        .await;
    assert_eq!(r.status, 401);
}
