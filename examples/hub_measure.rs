//! Measures the hub from outside, against a real server process:
//!   * memory per idle WebSocket session (server RSS delta over N idle sessions),
//!   * server CPU while they idle,
//!   * commit → screen latency (p50/p99) at 100 sessions and 20 events/s.
//!
//! Usage (from the repository root, PostgreSQL on 127.0.0.1:5432):
//!   cargo build --release --bin kenangan --example hub_measure
//!   ulimit -n 20000; target/release/examples/hub_measure
//! Settings: KENANGAN_BIN (default target/release/kenangan), PG_BASE (default
//! postgres://postgres@127.0.0.1:5432), IDLE_SESSIONS (2000), LATENCY_SESSIONS (100),
//! RATE (20 events/s), SECONDS (15), IDLE_SECONDS (40), CPU_SESSIONS (1000), CPU_RATE (50).

use std::{
    collections::HashMap,
    process::Stdio,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use kenangan::events::{self, NewEvent};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

fn env_or(k: &str, d: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| d.to_string())
}

fn rss_kb(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// utime + stime of the process, in clock ticks (100 per second on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(url: &str, token: &str, topics: &[&str]) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{url}?token={token}"))
        .await
        .expect("connect");
    ws.send(Message::Text(
        json!({"op":"subscribe","topics":topics}).to_string().into(),
    ))
    .await
    .expect("subscribe");
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let v: Value = serde_json::from_str(t.as_str()).expect("json");
                if v["type"] == "subscribed" {
                    return ws;
                }
            }
            Some(Ok(_)) => {}
            other => panic!("session ended while subscribing: {other:?}"),
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let bin = env_or("KENANGAN_BIN", "target/release/kenangan");
    let base = env_or("PG_BASE", "postgres://postgres@127.0.0.1:5432");
    let idle_n: usize = env_or("IDLE_SESSIONS", "2000").parse()?;
    let lat_n: usize = env_or("LATENCY_SESSIONS", "100").parse()?;
    let rate: u64 = env_or("RATE", "20").parse()?;
    let seconds: u64 = env_or("SECONDS", "15").parse()?;

    let db_name = "kenangan_measure";
    let admin = sqlx::PgPool::connect(&format!("{base}/postgres")).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"))
        .execute(&admin)
        .await?;
    let db_url = format!("{base}/{db_name}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = tokio::process::Command::new(&bin)
        .env("DATABASE_URL", &db_url)
        .env("API_PORT", port.to_string())
        .env("API_HOST", "127.0.0.1")
        .env("APP_ENV", "development")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().expect("pid");
    let http = reqwest::Client::new();
    let api = format!("http://127.0.0.1:{port}/api/v1");
    for i in 0.. {
        if http
            .get(format!("{api}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        anyhow::ensure!(i < 600, "server did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let login: Value = http
        .post(format!("{api}/auth/login"))
        .json(&json!({"username": "kitchen", "password": "kitchen123"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["data"]["token"].as_str().expect("token").to_string();
    let ws_url = format!("ws://127.0.0.1:{port}/api/v1/ws");
    let db = sqlx::PgPool::connect(&db_url).await?;

    // Warm up the runtime and allocator with a few sessions, then take the baseline.
    let warm: Vec<Ws> = futures_util::future::join_all(
        (0..50).map(|_| open(&ws_url, &token, &["station:kitchen"])),
    )
    .await;
    drop(warm);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss0 = rss_kb(pid);
    let mut idle = Vec::with_capacity(idle_n);
    for chunk in 0..idle_n.div_ceil(100) {
        let n = (idle_n - chunk * 100).min(100);
        idle.extend(
            futures_util::future::join_all(
                (0..n).map(|_| open(&ws_url, &token, &["station:kitchen", "expo"])),
            )
            .await,
        );
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss1 = rss_kb(pid);
    let t0 = cpu_ticks(pid);
    let idle_secs: u64 = env_or("IDLE_SECONDS", "40").parse()?;
    // Keep answering the server's pings while idle, as a browser would.
    let idle_task = tokio::spawn(async move {
        let mut streams = idle;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(idle_secs);
        while tokio::time::Instant::now() < deadline {
            for ws in streams.iter_mut() {
                while let Ok(Some(_)) =
                    tokio::time::timeout(Duration::from_micros(1), ws.next()).await
                {
                }
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        streams
    });
    let idle = idle_task.await?;
    let t1 = cpu_ticks(pid);
    println!("idle sessions:            {idle_n}");
    println!("server RSS before/after:  {} KiB / {} KiB", rss0, rss1);
    println!(
        "RSS per idle session:     {:.2} KiB",
        (rss1.saturating_sub(rss0)) as f64 / idle_n as f64
    );
    println!(
        "server CPU while idle:    {:.1} ms/s over {idle_secs} s",
        (t1 - t0) as f64 * 10.0 / idle_secs as f64
    );
    drop(idle);
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Latency at 100 screens, then CPU per delivery at 1,000 screens.
    fanout(&ws_url, &token, &db, pid, lat_n, rate, seconds).await?;
    let cpu_n: usize = env_or("CPU_SESSIONS", "1000").parse()?;
    let cpu_rate: u64 = env_or("CPU_RATE", "50").parse()?;
    if cpu_n > 0 {
        fanout(&ws_url, &token, &db, pid, cpu_n, cpu_rate, seconds).await?;
    }
    let _ = child.kill().await;
    Ok(())
}

/// `n` screens on `expo`, one event every 1/`rate` s for `seconds`: commit (the writer's COMMIT
/// returned) → frame read by the screen, and the server's CPU per delivered frame.
async fn fanout(
    ws_url: &str,
    token: &str,
    db: &sqlx::PgPool,
    pid: u32,
    n: usize,
    rate: u64,
    seconds: u64,
) -> anyhow::Result<()> {
    let lat_n = n;
    let committed: Arc<Mutex<HashMap<i64, Instant>>> = Arc::default();
    let mut screens = Vec::new();
    for chunk in 0..n.div_ceil(100) {
        let k = (n - chunk * 100).min(100);
        screens.extend(
            futures_util::future::join_all((0..k).map(|_| open(ws_url, token, &["expo"]))).await,
        );
    }
    let total = rate * seconds;
    let mut readers = Vec::new();
    for mut ws in screens {
        readers.push(tokio::spawn(async move {
            let mut got: Vec<(i64, Instant)> = Vec::with_capacity(total as usize);
            while (got.len() as u64) < total {
                match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) => {
                        let now = Instant::now();
                        let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                        if v["type"] == "event" {
                            got.push((v["seq"].as_i64().unwrap_or(0), now));
                        }
                    }
                    Ok(Some(Ok(_))) => {}
                    _ => break,
                }
            }
            got
        }));
    }
    let cpu0 = cpu_ticks(pid);
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    for i in 0..total {
        tick.tick().await;
        let mut tx = db.begin().await?;
        let seqs = events::append(
            &mut tx,
            None,
            vec![NewEvent::new(
                "measure.tick",
                vec!["expo".into()],
                json!({"i": i, "note": "ticket 17: 2x Wagyu medium rare"}),
            )],
        )
        .await?;
        tx.commit().await?;
        committed.lock().unwrap().insert(seqs[0], Instant::now());
    }
    let mut lat: Vec<f64> = Vec::new();
    let mut missing = 0;
    for r in readers {
        let got = r.await?;
        missing += total as usize - got.len();
        let c = committed.lock().unwrap();
        for (seq, at) in got {
            if let Some(t) = c.get(&seq) {
                lat.push(at.saturating_duration_since(*t).as_secs_f64() * 1000.0);
            }
        }
    }
    let cpu1 = cpu_ticks(pid);
    lat.sort_by(|a, b| a.total_cmp(b));
    println!("latency sessions:         {lat_n}, {rate} events/s for {seconds} s ({} deliveries, {missing} missing)", lat.len());
    println!(
        "commit→screen p50/p99/max: {:.2} / {:.2} / {:.2} ms",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "server CPU per delivery:  {:.1} µs",
        (cpu1 - cpu0) as f64 * 10_000.0 / lat.len().max(1) as f64
    );
    Ok(())
}
