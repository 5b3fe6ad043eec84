//! Graceful shutdown closes every session with 1012 (clients reconnect elsewhere).

use crate::{
    client::{Ws, WAIT},
    helpers::TestApp,
};

#[tokio::test]
async fn shutdown_closes_every_session_with_1012_and_the_server_exits() {
    let mut app = TestApp::spawn().await;
    let url = app.ws_url();
    let mut socks = Vec::new();
    for (user, topic) in [
        ("kitchen", "station:kitchen"),
        ("bar", "station:bar"),
        ("manager", "floor"),
    ] {
        let t = app.token(user).await;
        let (mut ws, _) = Ws::open(&url, &t).await;
        ws.subscribe(&[topic], None).await;
        socks.push(ws);
    }
    // One that never authenticated is closed too.
    socks.push(Ws::connect(&url, None).await);
    let codes = tokio::spawn(async move {
        let mut codes = Vec::new();
        for mut ws in socks {
            codes.push(ws.close_code(WAIT).await);
        }
        codes
    });
    app.stop().await;
    let codes = codes.await.unwrap();
    assert_eq!(&codes[..3], &[Some(1012); 3]);
    assert!(
        matches!(codes[3], Some(1012) | Some(4001) | None),
        "{codes:?}"
    );
    assert!(
        app.server.is_none(),
        "the server task finished within the bound"
    );
    // Nothing listens any more.
    assert!(tokio_tungstenite::connect_async(&url).await.is_err());
}

/// The real binary, a real SIGTERM: sessions get 1012 and the process exits cleanly.
#[tokio::test]
async fn sigterm_to_the_binary_closes_sessions_with_1012_and_exits() {
    use std::time::Duration;
    let db_url = crate::helpers::fresh_database().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let upload =
        std::env::temp_dir().join(format!("kenangan-up-{}", uuid::Uuid::new_v4().simple()));
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kenangan"))
        .env("DATABASE_URL", &db_url)
        .env("API_PORT", port.to_string())
        .env("API_HOST", "127.0.0.1")
        .env("DEMO_DATA", "false")
        .env("UPLOAD_DIR", &upload)
        .env("STATIC_DIR", "/nonexistent-kenangan-static")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let api = format!("http://127.0.0.1:{port}/api/v1");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..300 {
        if http
            .get(format!("{api}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the server came up");
    let login: serde_json::Value = http
        .post(format!("{api}/auth/login"))
        .json(&serde_json::json!({"username": "kitchen", "password": "kitchen123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["data"]["token"].as_str().unwrap();
    let (mut ws, _) = Ws::open(&format!("ws://127.0.0.1:{port}/api/v1/ws"), token).await;
    ws.subscribe(&["station:kitchen"], None).await;
    let pid = child.id().unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(ws.close_code(WAIT).await, Some(1012));
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("exited in time")
        .unwrap();
    assert!(status.success(), "{status:?}");
}
