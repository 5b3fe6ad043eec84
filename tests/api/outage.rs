//! PostgreSQL going away: health says so with 503, the server keeps running, and recovers.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use reqwest::Method;
use tokio::{
    io::copy_bidirectional,
    net::{TcpListener, TcpStream},
    sync::Mutex,
};

use crate::helpers::{fresh_database, TestApp};

/// A TCP proxy to PostgreSQL that the test can cut (dropping every connection) and restore.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start() -> Proxy {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let (up2, conns2) = (up.clone(), conns.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = l.accept().await else {
                    break;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let h = tokio::spawn(async move {
                    if let Ok(mut out) = TcpStream::connect("127.0.0.1:5432").await {
                        let _ = copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                conns2.lock().await.push(h);
            }
        });
        Proxy { port, up, conns }
    }

    async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for h in self.conns.lock().await.drain(..) {
            h.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn health_reports_a_lost_database_and_recovers() {
    let db_url = fresh_database().await;
    let proxy = Proxy::start().await;
    let proxied = db_url.replace("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port));
    let mut app = TestApp::spawn_on(&proxied, &[]).await;
    let r = app.req(Method::GET, "/health", None, None).await;
    assert_eq!(r.status, 200);
    let token = app.token("manager").await;

    proxy.cut().await;
    let mut down = None;
    for _ in 0..20 {
        let r = app.req(Method::GET, "/health", None, None).await;
        if r.status == 503 {
            down = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = down.expect("health turned 503");
    assert_eq!(r.data()["database"], "disconnected");
    assert_eq!(r.data()["status"], "unhealthy");
    assert_eq!(r.body["success"], false);
    // Requests that need the database fail cleanly, not with a hang or a crash.
    let r = app.req(Method::GET, "/tables", Some(&token), None).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.code(), "database_unavailable");

    proxy.restore();
    let mut healthy = false;
    for _ in 0..50 {
        let r = app.req(Method::GET, "/health", None, None).await;
        if r.status == 200 && r.data()["database"] == "connected" {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(healthy, "health recovered");
    let r = app.req(Method::GET, "/tables", Some(&token), None).await;
    assert_eq!(r.status, 200);
    app.stop().await;
}

/// An instance configured for Redis starts and takes orders while Redis is down (it falls
/// back to LISTEN on PostgreSQL), and its health says which part is missing.
#[tokio::test]
async fn starts_and_serves_while_redis_is_down() {
    let mut app = TestApp::spawn_with(&[("REDIS_URL", "redis://127.0.0.1:1")]).await;
    let r = app.req(Method::GET, "/health", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.data()["database"], "connected");
    assert_eq!(r.data()["redis"], "disconnected");
    let order = app.steak_order("waiter", "T2").await;
    assert_eq!(order["status"], "open");
    app.stop().await;
}
