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

    let r = app.login("waiter", "nope").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "unauthorized");
    let r = app.req(Method::GET, "/auth/me", None, None).await;
    assert_eq!(r.status, 401);
    let r = app
        .req(Method::GET, "/auth/me", Some("garbage.token.here"), None)
        .await;
    assert_eq!(r.status, 401);
}

/// The deployment guide's "Option B": a bcrypt hash inserted by hand logs in, and is
/// replaced by an argon2id hash on that login.
#[tokio::test]
async fn hand_inserted_bcrypt_hash_logs_in_and_is_rehashed() {
    let app = TestApp::spawn().await;
    let hash = bcrypt::hash("Rahasia-2026", 10).unwrap();
    assert!(hash.starts_with("$2b$"));
    let hash_2a = hash.replacen("$2b$", "$2a$", 1);
    sqlx::query(
        "INSERT INTO users (username, password, full_name, role, email, is_active)
         VALUES ('opsadmin', $1, 'Ops Admin', 'admin', 'ops@example.com', true)",
    )
    .bind(&hash_2a)
    .execute(&app.db)
    .await
    .unwrap();
    let r = app.login("opsadmin", "Rahasia-2026").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["user"]["role"], "admin");
    let stored: String =
        sqlx::query_scalar("SELECT password FROM users WHERE username = 'opsadmin'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(stored.starts_with("$argon2id$"), "rehashed: {stored}");
    // and the new hash still logs in
    let r = app.login("opsadmin", "Rahasia-2026").await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn inactive_users_cannot_log_in_and_their_tokens_stop_working() {
    let mut app = TestApp::spawn().await;
    let waiter_token = app.token("waiter").await;
    let id = app.user_id("waiter").await;
    let r = app
        .patch(
            "admin",
            &format!("/admin/users/{id}"),
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.login("waiter", "waiter123").await;
    assert_eq!(r.status, 403);
    let r = app
        .req(Method::GET, "/auth/me", Some(&waiter_token), None)
        .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn repeated_failed_logins_are_refused_with_retry_after() {
    let app = TestApp::spawn().await;
    let mut last = None;
    for _ in 0..8 {
        let r = app.login("cashier", "guess").await;
        last = Some(r);
    }
    let r = last.unwrap();
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.code(), "rate_limited");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    // Even the right password is refused while locked.
    let r = app.login("cashier", "cashier123").await;
    assert_eq!(r.status, 429);
}

#[tokio::test]
async fn change_own_password() {
    let mut app = TestApp::spawn().await;
    let r = app
        .post(
            "bar",
            "/auth/password",
            json!({"current_password":"wrong","new_password":"Es-Teh-Manis-9"}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = app
        .post(
            "bar",
            "/auth/password",
            json!({"current_password":"bar123","new_password":"Es-Teh-Manis-9"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.login("bar", "Es-Teh-Manis-9").await;
    assert_eq!(r.status, 200);
    let r = app.login("bar", "bar123").await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn admin_manages_users_but_never_locks_out_the_last_admin() {
    let mut app = TestApp::spawn().await;
    let r = app
        .post(
            "admin",
            "/admin/users",
            json!({"username":"putu","password":"Putu-Pelayan-1","full_name":"Putu","role":"waiter","email":"putu@example.com"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.data()["role"], "waiter");
    assert!(r.data().get("password").is_none());
    let r = app.login("putu", "Putu-Pelayan-1").await;
    assert_eq!(r.status, 200);

    let r = app
        .post(
            "admin",
            "/admin/users",
            json!({"username":"putu","password":"Another-1x","full_name":"P2","role":"waiter"}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "already_exists");
    let r = app
        .post(
            "admin",
            "/admin/users",
            json!({"username":"x y","password":"Another-1x","full_name":"P2","role":"chef"}),
        )
        .await;
    assert_eq!(r.status, 422);

    let r = app.get("admin", "/admin/users").await;
    assert_eq!(r.status, 200);
    assert!(r.data().as_array().unwrap().len() >= 8);

    let admin_id = app.user_id("admin").await;
    for body in [json!({"is_active": false}), json!({"role": "manager"})] {
        let r = app
            .patch("admin", &format!("/admin/users/{admin_id}"), body)
            .await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert_eq!(r.code(), "last_admin");
    }
    // With a second admin, the first may step down.
    let putu = app.user_id("putu").await;
    let r = app
        .patch(
            "admin",
            &format!("/admin/users/{putu}"),
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = app
        .patch(
            "admin",
            &format!("/admin/users/{admin_id}"),
            json!({"role": "manager"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn a_screen_refreshes_its_token_until_the_weekly_login() {
    let mut app = TestApp::spawn().await;
    let r = app.login("kitchen", "kitchen123").await;
    let first = r.data()["token"].as_str().unwrap().to_string();
    let first_exp = r.data()["expires_at"].as_str().unwrap().to_string();

    let r = app
        .req(Method::POST, "/auth/refresh", Some(&first), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let fresh = r.data()["token"].as_str().unwrap().to_string();
    assert_eq!(r.data()["user"]["username"], "kitchen");
    assert!(r.data()["expires_at"].as_str().unwrap() >= first_exp.as_str());
    let r = app.req(Method::GET, "/auth/me", Some(&fresh), None).await;
    assert_eq!(r.status, 200, "the refreshed token works: {}", r.body);

    // No token, or a forged one: 401 and no token.
    let r = app.req(Method::POST, "/auth/refresh", None, None).await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "unauthorized"));
    let r = app
        .req(Method::POST, "/auth/refresh", Some("not.a.jwt"), None)
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (401, "unauthorized"));

    // A token whose login was almost a week ago refreshes only up to the week's end.
    let id = app.user_id("kitchen").await;
    let now = chrono::Utc::now().timestamp();
    let week = kenangan::auth::jwt::MAX_SESSION.as_secs() as i64;
    let (old, _) = kenangan::auth::jwt::sign(
        &app.state.config.jwt_secret,
        id,
        "kitchen",
        kenangan::auth::Role::Kitchen,
        std::time::Duration::from_secs(3600),
        Some(now - week + 120),
    )
    .unwrap();
    let r = app
        .req(Method::POST, "/auth/refresh", Some(&old), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let exp = chrono::DateTime::parse_from_rfc3339(r.data()["expires_at"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert!(
        exp <= now + 120 && exp > now,
        "capped at the week: {exp} vs now {now}"
    );

    // A deactivated user cannot refresh.
    let r = app
        .patch(
            "admin",
            &format!("/admin/users/{id}"),
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .req(Method::POST, "/auth/refresh", Some(&fresh), None)
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
}

#[tokio::test]
async fn an_admin_sets_checks_and_clears_an_email() {
    let mut app = TestApp::spawn().await;
    let id = app.user_id("waiter").await;
    let path = format!("/admin/users/{id}");
    let r = app
        .patch("admin", &path, json!({"email": "not-an-email"}))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["error"]["details"]["field"], "email");
    let r = app
        .patch("admin", &path, json!({"email": " budi@steakkenangan.id "}))
        .await;
    assert_eq!(r.data()["email"], "budi@steakkenangan.id");
    // Leaving it out keeps it; null (or "") removes it.
    let r = app
        .patch("admin", &path, json!({"full_name": "Budi S."}))
        .await;
    assert_eq!(r.data()["email"], "budi@steakkenangan.id");
    let r = app.patch("admin", &path, json!({"email": null})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["email"], serde_json::Value::Null);
}
