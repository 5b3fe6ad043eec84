//! `TestApp::spawn()`: a real server on a random port over a fresh PostgreSQL database.
//!
//! Each test gets its own database, cloned from a migrated template with the demo data (so a
//! test starts in milliseconds, not after a full migration). Databases are named
//! `kenangan_t_*`; `.ci/run` drops leftovers before a run.

#![allow(dead_code)]

use std::{collections::HashMap, net::SocketAddr, time::Duration};

use kenangan::{app::AppState, config::Config};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::{net::TcpListener, sync::oneshot};

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

pub fn base_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .trim_end_matches('/')
        .to_string()
}

/// Name of the template for this build's migrations, so a changed schema gets a new template.
fn template_name() -> String {
    let mut h: u64 = 1469598103934665603;
    for m in kenangan::db::MIGRATOR.iter() {
        for b in m.checksum.iter() {
            h = (h ^ *b as u64).wrapping_mul(1099511628211);
        }
    }
    h ^= include_str!("../../migrations/demo/demo_data.sql").len() as u64;
    format!("kenangan_tpl_{:x}", h & 0xffff_ffff_ffff)
}

async fn ensure_template(admin: &mut PgConnection) -> String {
    let tpl = template_name();
    // One test process builds the template; the others wait on the lock.
    sqlx::query("SELECT pg_advisory_lock(424242)")
        .execute(&mut *admin)
        .await
        .unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&tpl)
            .fetch_one(&mut *admin)
            .await
            .unwrap();
    if !exists {
        let building = format!("{tpl}_build");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {building}"))
            .execute(&mut *admin)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {building}"))
            .execute(&mut *admin)
            .await
            .unwrap();
        let url = format!("{}/{building}", base_url());
        let pool = kenangan::db::pool(&url, 2).await.unwrap();
        kenangan::db::migrate(&pool).await.unwrap();
        kenangan::db::load_demo_data(&pool).await.unwrap();
        pool.close().await;
        sqlx::query(&format!("ALTER DATABASE {building} RENAME TO {tpl}"))
            .execute(&mut *admin)
            .await
            .unwrap();
    }
    sqlx::query("SELECT pg_advisory_unlock(424242)")
        .execute(&mut *admin)
        .await
        .unwrap();
    tpl
}

/// A fresh database cloned from the template; returns its URL.
pub async fn fresh_database() -> String {
    let mut admin = PgConnection::connect(&format!("{}/postgres", base_url()))
        .await
        .expect("PostgreSQL must run on 127.0.0.1:5432 (see README)");
    let tpl = ensure_template(&mut admin).await;
    let name = format!("kenangan_t_{}", uuid::Uuid::new_v4().simple());
    // CREATE DATABASE … TEMPLATE fails while another session is connected to the template; retry briefly.
    for attempt in 0.. {
        match sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {tpl}"))
            .execute(&mut admin)
            .await
        {
            Ok(_) => break,
            Err(e) if attempt < 50 => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("cannot create test database: {e}"),
        }
    }
    let _ = admin.close().await;
    format!("{}/{name}", base_url())
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub db: PgPool,
    pub db_url: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pub upload_dir: std::path::PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    pub server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    tokens: HashMap<String, String>,
}

pub struct Resp {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// Spawns with extra environment-style settings (e.g. `("REDIS_URL", …)`).
    pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
        let db_url = fresh_database().await;
        Self::spawn_on(&db_url, extra).await
    }

    /// Spawns another server on an existing database (for multi-instance tests).
    pub async fn spawn_on(db_url: &str, extra: &[(&str, &str)]) -> TestApp {
        let upload_dir =
            std::env::temp_dir().join(format!("kenangan-up-{}", uuid::Uuid::new_v4().simple()));
        let mut env: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".into(), db_url.to_string()),
            ("UPLOAD_DIR".into(), upload_dir.display().to_string()),
            ("DEMO_DATA".into(), "false".into()),
            // Tests run side by side (and several instances per test): stay well inside
            // PostgreSQL's 100 connections.
            ("DATABASE_POOL_SIZE".into(), "8".into()),
            ("STATIC_DIR".into(), "/nonexistent-kenangan-static".into()),
        ]);
        for (k, v) in extra {
            env.insert(k.to_string(), v.to_string());
        }
        let cfg = Config::from_lookup(|k| env.get(k).cloned()).expect("test config");
        let state = kenangan::server::prepare(cfg).await.expect("prepare");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(kenangan::server::serve(
            listener,
            state.clone(),
            async move {
                let _ = rx.await;
            },
        ));
        TestApp {
            addr,
            base: format!("http://{addr}/api/v1"),
            db: state.db.clone(),
            db_url: db_url.to_string(),
            state,
            client: reqwest::Client::new(),
            upload_dir,
            shutdown: Some(tx),
            server: Some(server),
            tokens: HashMap::new(),
        }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), h).await;
        }
    }

    /// Logs in a demo user (password `<username>123`) and caches the token.
    pub async fn token(&mut self, username: &str) -> String {
        if let Some(t) = self.tokens.get(username) {
            return t.clone();
        }
        let r = self
            .req(
                Method::POST,
                "/auth/login",
                None,
                Some(
                    serde_json::json!({"username": username, "password": format!("{username}123")}),
                ),
            )
            .await;
        assert_eq!(r.status, 200, "login {username}: {}", r.body);
        let t = r.data()["token"].as_str().unwrap().to_string();
        self.tokens.insert(username.to_string(), t.clone());
        t
    }

    pub async fn req(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        self.req_h(method, path, token, body, &[]).await
    }

    pub async fn req_h(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut rb = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Resp {
            status,
            body,
            headers,
        }
    }

    /// `POST /auth/login` with these credentials.
    pub async fn login(&self, username: &str, password: &str) -> Resp {
        self.req(
            Method::POST,
            "/auth/login",
            None,
            Some(serde_json::json!({"username": username, "password": password})),
        )
        .await
    }

    /// As `username`: GET/POST/PATCH with JSON.
    pub async fn get(&mut self, user: &str, path: &str) -> Resp {
        let t = self.token(user).await;
        self.req(Method::GET, path, Some(&t), None).await
    }
    pub async fn post(&mut self, user: &str, path: &str, body: Value) -> Resp {
        let t = self.token(user).await;
        self.req(Method::POST, path, Some(&t), Some(body)).await
    }
    pub async fn patch(&mut self, user: &str, path: &str, body: Value) -> Resp {
        let t = self.token(user).await;
        self.req(Method::PATCH, path, Some(&t), Some(body)).await
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/api/v1/ws", self.addr)
    }

    pub async fn user_id(&self, username: &str) -> i32 {
        sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}

impl TestApp {
    pub async fn product_id(&self, name: &str) -> i32 {
        sqlx::query_scalar("SELECT id FROM products WHERE name = $1")
            .bind(name)
            .fetch_one(&self.db)
            .await
            .unwrap_or_else(|_| panic!("no product {name}"))
    }

    pub async fn table_id(&self, label: &str) -> i32 {
        sqlx::query_scalar("SELECT id FROM dining_tables WHERE label = $1")
            .bind(label)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// Places a dine-in order at `table` as `user`: 2 × Wagyu (grill), 2 × Es Teh (bar),
    /// and 1 × Es Teler (kitchen) in course 3, held.
    pub async fn steak_order(&mut self, user: &str, table: &str) -> Value {
        let body = serde_json::json!({
            "table_id": self.table_id(table).await,
            "covers": 2,
            "items": [
                {"product_id": self.product_id("Wagyu Sirloin 200g").await, "quantity": 2, "modifiers": ["medium rare"], "notes": "sauce on the side"},
                {"product_id": self.product_id("Es Teh Manis").await, "quantity": 2},
                {"product_id": self.product_id("Es Teler").await, "quantity": 1, "course": 3}
            ],
            "hold_courses": [3]
        });
        let r = self.post(user, "/orders", body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.data().clone()
    }

    /// The order's ticket for `station`, from its latest state.
    pub async fn ticket_for(&mut self, order_id: i64, station: &str) -> i64 {
        let r = self.get("manager", &format!("/orders/{order_id}")).await;
        r.data()["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["station"] == station)
            .unwrap_or_else(|| panic!("no {station} ticket in {}", r.body))["id"]
            .as_i64()
            .unwrap()
    }

    pub async fn table_status(&self, label: &str) -> String {
        sqlx::query_scalar("SELECT status FROM dining_tables WHERE label = $1")
            .bind(label)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// (seq, kind) of every event, in order.
    pub async fn events(&self) -> Vec<(i64, String)> {
        sqlx::query_as("SELECT seq, kind FROM events ORDER BY seq")
            .fetch_all(&self.db)
            .await
            .unwrap()
    }
}
