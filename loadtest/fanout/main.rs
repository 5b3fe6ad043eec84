//! Fan-out load driver (issue 6, docs/benchmarks.md).
//!
//! Holds N WebSocket screens speaking only docs/protocol.md (kitchen, bar and manager users on
//! `station:grill`+`expo`, `station:bar`, `station:kitchen`, `orders`+`expo`), writes takeaway
//! orders at R/s through `POST /api/v1/orders`, and reports:
//!   * per screen, events expected (the log in PostgreSQL filtered by the screen's topics, after
//!     the position it subscribed at) vs received: lost, duplicated, out of order, `prev` breaks;
//!   * commit→screen latency, bracketed (see `Latency` below);
//!   * server CPU µs per delivered event, RSS per connection, idle CPU, connect time for all N;
//!   * optionally a reconnect storm (every screen drops and resumes with `since`) and replay time;
//!   * with `--raw`, the hub's raw fan-out floor (src/hub/raw.rs) instead of orders.
//!
//! Commit time is not observable from outside, so latency is bracketed:
//!   * upper bound `at→screen`: the event's `at` is the writing transaction's start (PostgreSQL's
//!     `now()`, same machine clock), which is before the commit;
//!   * lower bound `resp→screen`: the writer's wall time when the 201 of that order arrived, which
//!     is after the commit (matched by order id; ticket events only). Can be negative.
//!
//! Everything aims at 127.0.0.1; every phase is bounded in time. Exit status 1 when any screen
//! lost, duplicated or reordered an event (or failed), 2 on a driver error.

#![recursion_limit = "512"]

use std::{
    collections::{HashMap, HashSet},
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::PathBuf,
    process::Stdio,
    sync::{
        atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::{bail, Context};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::{
    net::{TcpSocket, TcpStream},
    sync::{mpsc, watch, Semaphore},
};
use tokio_tungstenite::{
    tungstenite::{protocol::WebSocketConfig, Message},
    WebSocketStream,
};

#[derive(Parser, Debug, Clone)]
#[command(about = "Kenangan fan-out load driver")]
struct Args {
    /// Number of WebSocket screens.
    #[arg(long, default_value_t = 100)]
    screens: usize,
    /// Orders (or raw frames) per second.
    #[arg(long, default_value_t = 20)]
    rate: u64,
    /// Seconds of writing.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds of idle measurement after connecting (0 = skip).
    #[arg(long, default_value_t = 5)]
    idle_seconds: u64,
    /// Reconnect storm halfway through the writing phase.
    #[arg(long)]
    storm: bool,
    /// Spread of the storm's reconnects, in ms.
    #[arg(long, default_value_t = 2000)]
    storm_spread_ms: u64,
    /// Raw fan-out floor: the server pushes pre-serialized frames on `expo` (no database).
    #[arg(long)]
    raw: bool,
    /// The server binary the driver starts on a fresh database.
    #[arg(long, default_value = "target/release/kenangan")]
    server_bin: String,
    /// Use an already running server instead (then give --server-pid and --database-url).
    #[arg(long)]
    base: Option<String>,
    #[arg(long)]
    server_pid: Option<u32>,
    #[arg(long)]
    database_url: Option<String>,
    #[arg(
        long,
        env = "PG_BASE",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    pg_base: String,
    /// Database the driver creates (dropped first) for the server it starts.
    #[arg(long, default_value = "kenangan_fanout")]
    db: String,
    /// Client source addresses 127.0.0.1 .. 127.0.0.<n> (more ephemeral ports).
    #[arg(long, default_value_t = 1)]
    source_ips: u8,
    #[arg(long, default_value_t = 200)]
    connect_concurrency: usize,
    /// Write the summary and latency samples here (JSON).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Label for the JSON output.
    #[arg(long, default_value = "")]
    label: String,
    /// Hard bound for the whole run, seconds.
    #[arg(long, default_value_t = 600)]
    max_seconds: u64,
}

type Ws = WebSocketStream<TcpStream>;

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

fn rss_kb(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// utime + stime in clock ticks (1/100 s).
fn cpu_ticks(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

fn self_cpu_ticks() -> u64 {
    cpu_ticks(std::process::id())
}

/// The integer right after `key` (first occurrence from the left, or the last with `last`).
fn num_after(s: &str, key: &str, last: bool) -> Option<i64> {
    let i = if last { s.rfind(key)? } else { s.find(key)? } + key.len();
    let b = &s.as_bytes()[i..];
    let mut end = 0;
    while end < b.len() && (b[end].is_ascii_digit() || (end == 0 && b[end] == b'-')) {
        end += 1;
    }
    s[i..i + end].parse().ok()
}

fn str_after<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let i = s.find(key)? + key.len();
    let e = s[i..].find('"')?;
    Some(&s[i..i + e])
}

#[derive(Clone, Copy)]
struct Kind {
    user: &'static str,
    topics: &'static [&'static str],
}

const KINDS: [Kind; 4] = [
    Kind {
        user: "kitchen",
        topics: &["station:grill", "expo"],
    },
    Kind {
        user: "bar",
        topics: &["station:bar"],
    },
    Kind {
        user: "kitchen",
        topics: &["station:kitchen"],
    },
    Kind {
        user: "manager",
        topics: &["orders", "expo"],
    },
];
const RAW_KINDS: [Kind; 2] = [
    Kind {
        user: "kitchen",
        topics: &["expo"],
    },
    Kind {
        user: "manager",
        topics: &["expo"],
    },
];

#[derive(Default, Debug)]
struct ScreenResult {
    kind: usize,
    /// Position the screen first subscribed at (events after it are expected).
    start: i64,
    seqs: Vec<i64>,
    nonincreasing: u64,
    prev_breaks: u64,
    /// Live events only: recv − at (µs) and (order id, recv µs) for ticket events.
    lat_at: Vec<i32>,
    order_recv: Vec<(i64, i64)>,
    raw_n: Vec<u64>,
    raw_lat: Vec<i32>,
    connect_ms: f64,
    replay_ms: Vec<f64>,
    replayed: u64,
    unexpected_closes: u64,
    /// Reconnect attempts that failed (refused, or closed before `subscribed`, e.g. 1011/1013).
    failed_attempts: u64,
    /// When the screen last got `subscribed` after a reconnect.
    resumed_at: Option<Instant>,
    error: Option<String>,
}

struct Shared {
    addr: SocketAddr,
    url: String,
    tokens: HashMap<&'static str, String>,
    delivered: AtomicU64,
    connect_sem: Semaphore,
    source_ips: u8,
    raw: bool,
}

async fn open(sh: &Shared, url: &str, idx: usize) -> anyhow::Result<Ws> {
    let src = IpAddr::V4(Ipv4Addr::new(
        127,
        0,
        0,
        1 + (idx % sh.source_ips as usize) as u8,
    ));
    let sock = TcpSocket::new_v4()?;
    sock.bind(SocketAddr::new(src, 0))?;
    let stream = sock.connect(sh.addr).await?;
    stream.set_nodelay(true)?;
    let cfg = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(cfg)).await?;
    Ok(ws)
}

/// Sends `subscribe` and reads up to `subscribed`; replayed events are applied to `r`.
/// Returns the number the server says it replayed.
async fn subscribe(
    ws: &mut Ws,
    sh: &Shared,
    kind: &Kind,
    since: Option<i64>,
    r: &mut ScreenResult,
    last: &mut Option<i64>,
) -> anyhow::Result<u64> {
    let msg = json!({"op": "subscribe", "topics": kind.topics, "since": since});
    ws.send(Message::Text(msg.to_string().into())).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let m = tokio::time::timeout_at(deadline, ws.next())
            .await
            .context("no `subscribed` within 60 s")?;
        let t = match m {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Close(c))) => bail!("closed while subscribing: {c:?}"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => bail!("socket error while subscribing: {e}"),
            None => bail!("socket ended while subscribing"),
        };
        let s = t.as_str();
        if s.starts_with(r#"{"type":"event""#) {
            apply_event(s, sh, r, last, false);
            continue;
        }
        let v: Value = serde_json::from_str(s)?;
        match v["type"].as_str() {
            Some("snapshot") => *last = v["seq"].as_i64(),
            Some("subscribed") => {
                if last.is_none() {
                    *last = v["seq"].as_i64();
                }
                return Ok(v["replayed"].as_u64().unwrap_or(0));
            }
            Some("error") => bail!("error frame while subscribing: {s}"),
            _ => {}
        }
    }
}

fn apply_event(s: &str, sh: &Shared, r: &mut ScreenResult, last: &mut Option<i64>, live: bool) {
    let recv = now_us();
    let (Some(seq), Some(prev)) = (
        num_after(s, r#""seq":"#, false),
        num_after(s, r#""prev":"#, true),
    ) else {
        r.error
            .get_or_insert_with(|| format!("unparsable event: {s:.200}"));
        return;
    };
    sh.delivered.fetch_add(1, Ordering::Relaxed);
    if let Some(l) = *last {
        if prev != l {
            r.prev_breaks += 1;
        }
        if seq <= l {
            r.nonincreasing += 1;
        }
    }
    r.seqs.push(seq);
    *last = Some(last.map_or(seq, |l| l.max(seq)));
    if live {
        if let Some(at) =
            str_after(s, r#""at":""#).and_then(|a| chrono::DateTime::parse_from_rfc3339(a).ok())
        {
            r.lat_at.push(
                (recv - at.timestamp_micros()).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            );
        }
        if s.contains(r#""kind":"ticket."#) {
            if let Some(o) = num_after(s, r#""order_id":"#, false) {
                r.order_recv.push((o, recv));
            }
        }
    }
}

enum Cmd {
    Storm,
    Stop,
}

#[allow(clippy::too_many_arguments)]
async fn screen(
    sh: Arc<Shared>,
    url: Arc<str>,
    idx: usize,
    mut cmd: watch::Receiver<u64>,
    cmds: Arc<Mutex<Vec<Cmd>>>,
    ready: mpsc::Sender<(usize, Result<(), String>)>,
    last_seen: Arc<AtomicI64>,
    storm_delay: Duration,
) -> ScreenResult {
    let kind_i = if sh.raw {
        idx % RAW_KINDS.len()
    } else {
        idx % KINDS.len()
    };
    let kind = if sh.raw {
        RAW_KINDS[kind_i]
    } else {
        KINDS[kind_i]
    };
    let mut r = ScreenResult {
        kind: kind_i,
        ..Default::default()
    };
    let mut last: Option<i64> = None;
    let t0 = Instant::now();
    let first = async {
        let _permit = sh.connect_sem.acquire().await?;
        let mut ws = open(&sh, &url, idx).await?;
        subscribe(&mut ws, &sh, &kind, None, &mut r, &mut last).await?;
        anyhow::Ok(ws)
    }
    .await;
    let mut ws = match first {
        Ok(ws) => {
            r.connect_ms = t0.elapsed().as_secs_f64() * 1000.0;
            r.start = last.unwrap_or(0);
            last_seen.store(r.start, Ordering::Relaxed);
            let _ = ready.send((idx, Ok(()))).await;
            Some(ws)
        }
        Err(e) => {
            r.error = Some(format!("connect: {e:#}"));
            let _ = ready.send((idx, Err(format!("{e:#}")))).await;
            return r;
        }
    };
    drop(ready);
    let mut seen_cmd = 0u64;
    let mut reconnects = 0u32;
    loop {
        // (Re)connect when the socket is gone (storm or unexpected close), with `since`.
        if ws.is_none() {
            reconnects += 1;
            if reconnects > 20 {
                r.error
                    .get_or_insert_with(|| "more than 20 reconnects".into());
                return r;
            }
            let t = Instant::now();
            let res = async {
                let _permit = sh.connect_sem.acquire().await?;
                let mut w = open(&sh, &url, idx).await?;
                let n = subscribe(&mut w, &sh, &kind, last, &mut r, &mut last).await?;
                anyhow::Ok((w, n))
            }
            .await;
            match res {
                Ok((w, n)) => {
                    r.replay_ms.push(t.elapsed().as_secs_f64() * 1000.0);
                    r.resumed_at = Some(Instant::now());
                    r.replayed += n;
                    if let Some(l) = last {
                        last_seen.store(l, Ordering::Relaxed);
                    }
                    ws = Some(w);
                }
                Err(e) => {
                    r.failed_attempts += 1;
                    if r.failed_attempts == 1 {
                        tracing_like(&format!("screen {idx}: reconnect failed: {e:#}"));
                    }
                    // docs/protocol.md: exponential back-off 0.5 s → 10 s with jitter.
                    let base = 500u64 << r.failed_attempts.min(5);
                    let jitter = (idx as u64 * 7919 + r.failed_attempts * 104_729) % base.max(1);
                    tokio::time::sleep(Duration::from_millis((base / 2 + jitter / 2).min(10_000)))
                        .await;
                    continue;
                }
            }
        }
        let w = ws.as_mut().expect("socket");
        tokio::select! {
            m = w.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    let s = t.as_str();
                    if s.starts_with(r#"{"type":"event""#) {
                        apply_event(s, &sh, &mut r, &mut last, true);
                        if let Some(l) = last { last_seen.store(l, Ordering::Relaxed); }
                    } else if s.starts_with(r#"{"type":"raw""#) {
                        let recv = now_us();
                        if let (Some(n), Some(ts)) = (num_after(s, r#""n":"#, false), num_after(s, r#""t":"#, false)) {
                            sh.delivered.fetch_add(1, Ordering::Relaxed);
                            r.raw_n.push(n as u64);
                            r.raw_lat.push((recv - ts).clamp(0, i32::MAX as i64) as i32);
                            last_seen.store(n, Ordering::Relaxed);
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    r.unexpected_closes += 1;
                    ws = None;
                }
                Some(Ok(_)) => {}
            },
            c = cmd.changed() => {
                if c.is_err() { return r; }
                let gen = *cmd.borrow_and_update();
                let todo: Vec<u8> = {
                    let v = cmds.lock().unwrap();
                    v[seen_cmd as usize..gen as usize].iter().map(|c| match c { Cmd::Storm => 1, Cmd::Stop => 2 }).collect()
                };
                seen_cmd = gen;
                for c in todo {
                    match c {
                        1 => {
                            tokio::time::sleep(storm_delay).await;
                            // Drop the connection without a goodbye, as a network cut would.
                            ws = None;
                            reconnects = reconnects.saturating_sub(1);
                        }
                        2 => {
                            if let Some(mut w) = ws.take() {
                                let _ = tokio::time::timeout(Duration::from_secs(2), w.close(None)).await;
                            }
                            return r;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

fn tracing_like(s: &str) {
    eprintln!("[fanout] {s}");
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn dist(mut v: Vec<f64>) -> Value {
    v.sort_by(|a, b| a.total_cmp(b));
    json!({
        "n": v.len(),
        "p50": pct(&v, 0.5), "p95": pct(&v, 0.95), "p99": pct(&v, 0.99),
        "max": v.last().copied().unwrap_or(f64::NAN),
        "mean": if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 },
    })
}

/// At most `k` evenly spaced samples of a sorted copy (for charts).
fn sample(mut v: Vec<f64>, k: usize) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.len() <= k {
        return v;
    }
    (0..k).map(|i| v[i * (v.len() - 1) / (k - 1)]).collect()
}

struct Server {
    child: Option<tokio::process::Child>,
    pid: u32,
    api: String,
    addr: SocketAddr,
    db_url: String,
}

async fn start_server(a: &Args) -> anyhow::Result<Server> {
    if let Some(base) = &a.base {
        let pid = a.server_pid.context("--base needs --server-pid")?;
        let db_url = a
            .database_url
            .clone()
            .context("--base needs --database-url")?;
        let hostport = base
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let addr: SocketAddr = hostport
            .parse()
            .context("--base must be http://127.0.0.1:<port>")?;
        if !addr.ip().is_loopback() {
            bail!("only 127.0.0.1 targets are allowed");
        }
        return Ok(Server {
            child: None,
            pid,
            api: format!("{base}/api/v1"),
            addr,
            db_url,
        });
    }
    if !a.db.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("--db must be a plain identifier");
    }
    let admin = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&format!("{}/postgres", a.pg_base))
        .await
        .context("connecting to PostgreSQL")?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", a.db))
        .execute(&admin)
        .await?;
    admin.close().await;
    let db_url = format!("{}/{}", a.pg_base, a.db);
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut cmd = tokio::process::Command::new(&a.server_bin);
    cmd.env("DATABASE_URL", &db_url)
        .env("API_PORT", port.to_string())
        .env("API_HOST", "127.0.0.1")
        .env("APP_ENV", "development")
        .env("RUST_LOG", "warn")
        .env_remove("REDIS_URL")
        .arg("serve")
        .stdout(Stdio::null())
        .kill_on_drop(true);
    if a.raw {
        // Two extra seconds after the last screen subscribes, then the frames.
        cmd.env(
            "KENANGAN_RAW_FANOUT",
            format!(
                "topic=expo,sessions={},count={},rate={}",
                a.screens,
                a.rate * a.seconds,
                a.rate
            ),
        );
    }
    let child = cmd
        .spawn()
        .with_context(|| format!("starting {}", a.server_bin))?;
    let pid = child.id().context("server pid")?;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    Ok(Server {
        child: Some(child),
        pid,
        api: format!("http://127.0.0.1:{port}/api/v1"),
        addr,
        db_url,
    })
}

#[tokio::main]
async fn main() {
    let a = Args::parse();
    let max = Duration::from_secs(a.max_seconds);
    match tokio::time::timeout(max, run(a)).await {
        Ok(Ok(true)) => std::process::exit(0),
        Ok(Ok(false)) => std::process::exit(1),
        Ok(Err(e)) => {
            eprintln!("fanout: {e:#}");
            std::process::exit(2)
        }
        Err(_) => {
            eprintln!("fanout: the run exceeded --max-seconds");
            std::process::exit(2)
        }
    }
}

async fn run(a: Args) -> anyhow::Result<bool> {
    let mut server = start_server(&a).await?;
    let res = drive(&a, &server).await;
    if let Some(mut c) = server.child.take() {
        let _ = c.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(10), c.wait()).await;
    }
    res
}

async fn drive(a: &Args, srv: &Server) -> anyhow::Result<bool> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()?;
    let api = &srv.api;
    let up = Instant::now();
    loop {
        if http
            .get(format!("{api}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        if up.elapsed() > Duration::from_secs(60) {
            bail!("server did not come up in 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut tokens = HashMap::new();
    for u in ["kitchen", "bar", "manager", "cashier"] {
        let v: Value = http
            .post(format!("{api}/auth/login"))
            .json(&json!({"username": u, "password": format!("{u}123")}))
            .send()
            .await?
            .json()
            .await?;
        let t = v["data"]["token"]
            .as_str()
            .with_context(|| format!("login {u}: {v}"))?;
        tokens.insert(u, t.to_string());
    }
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&srv.db_url)
        .await?;
    let products: Vec<i64> = {
        let v: Value = http
            .get(format!("{api}/products?available=true"))
            .bearer_auth(&tokens["cashier"])
            .send()
            .await?
            .json()
            .await?;
        v["data"]
            .as_array()
            .context("products")?
            .iter()
            .filter_map(|p| p["id"].as_i64())
            .collect()
    };
    if products.is_empty() {
        bail!("no products (demo data missing?)");
    }

    let sh = Arc::new(Shared {
        addr: srv.addr,
        url: format!("ws://{}/api/v1/ws?token=", srv.addr),
        tokens,
        delivered: AtomicU64::new(0),
        connect_sem: Semaphore::new(a.connect_concurrency.max(1)),
        source_ips: a.source_ips.max(1),
        raw: a.raw,
    });
    let pid = srv.pid;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss0 = rss_kb(pid);

    // Connect all N screens.
    let (cmd_tx, cmd_rx) = watch::channel(0u64);
    let cmds: Arc<Mutex<Vec<Cmd>>> = Arc::default();
    let (ready_tx, mut ready_rx) = mpsc::channel(1024);
    let mut lasts = Vec::with_capacity(a.screens);
    let mut handles = Vec::with_capacity(a.screens);
    let urls: HashMap<&str, Arc<str>> = sh
        .tokens
        .iter()
        .map(|(u, t)| (*u, Arc::from(format!("{}{}", sh.url, t).as_str())))
        .collect();
    let t_connect = Instant::now();
    let cpu_c0 = cpu_ticks(pid);
    for i in 0..a.screens {
        let last = Arc::new(AtomicI64::new(-1));
        lasts.push(last.clone());
        // The storm spreads reconnects evenly over `storm_spread_ms`.
        let delay = Duration::from_millis(a.storm_spread_ms * i as u64 / a.screens.max(1) as u64);
        // Each screen authenticates with its user's token in the URL (docs/protocol.md).
        let kind_user = if a.raw {
            RAW_KINDS[i % 2].user
        } else {
            KINDS[i % 4].user
        };
        let url = urls[kind_user].clone();
        handles.push(tokio::spawn(screen(
            sh.clone(),
            url,
            i,
            cmd_rx.clone(),
            cmds.clone(),
            ready_tx.clone(),
            last,
            delay,
        )));
    }
    drop(ready_tx);
    let mut ok = 0usize;
    let mut failed = Vec::new();
    while let Some((i, r)) = tokio::time::timeout(Duration::from_secs(300), ready_rx.recv())
        .await
        .context("screens did not connect within 300 s")?
    {
        match r {
            Ok(()) => ok += 1,
            Err(e) => failed.push(format!("screen {i}: {e}")),
        }
        if ok + failed.len() == a.screens {
            break;
        }
    }
    let connect_s = t_connect.elapsed().as_secs_f64();
    let connect_cpu_ms = (cpu_ticks(pid) - cpu_c0) as f64 * 10.0;
    println!(
        "connected {ok}/{} screens in {connect_s:.2} s (server CPU {connect_cpu_ms:.0} ms)",
        a.screens
    );
    for f in failed.iter().take(5) {
        println!("  failed: {f}");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss1 = rss_kb(pid);
    let rss_per_conn = (rss1.saturating_sub(rss0)) as f64 * 1024.0 / ok.max(1) as f64;
    println!(
        "server RSS {rss0} KiB → {rss1} KiB: {:.0} B per connection",
        rss_per_conn
    );

    // Idle.
    let mut idle_ms_per_s = f64::NAN;
    if a.idle_seconds > 0 {
        let c0 = cpu_ticks(pid);
        let t = Instant::now();
        tokio::time::sleep(Duration::from_secs(a.idle_seconds)).await;
        idle_ms_per_s = (cpu_ticks(pid) - c0) as f64 * 10.0 / t.elapsed().as_secs_f64();
        println!(
            "idle: server CPU {idle_ms_per_s:.1} ms/s over {} s with {ok} screens",
            a.idle_seconds
        );
    }

    // Write phase.
    let delivered0 = sh.delivered.load(Ordering::Relaxed);
    let head0: i64 = sqlx::query_scalar("SELECT seq FROM event_counter WHERE id = 1")
        .fetch_one(&db)
        .await?;
    let cpu0 = cpu_ticks(pid);
    let my0 = self_cpu_ticks();
    let t_write = Instant::now();
    let orders: Arc<Mutex<HashMap<i64, (i64, i64)>>> = Arc::default();
    let rest_ms: Arc<Mutex<Vec<f64>>> = Arc::default();
    let rest_err = Arc::new(AtomicU64::new(0));
    let inflight = Arc::new(AtomicUsize::new(0));
    let mut skipped = 0u64;
    let total = a.rate * a.seconds;
    let mut writers = Vec::new();
    let mut storm_at: Option<Instant> = None;
    if !a.raw {
        let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / a.rate.max(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        for i in 0..total {
            tick.tick().await;
            if a.storm && storm_at.is_none() && i >= total / 2 {
                storm_at = Some(Instant::now());
                cmds.lock().unwrap().push(Cmd::Storm);
                cmd_tx.send_modify(|g| *g += 1);
                println!(
                    "storm: every screen drops and resumes with `since` over {} ms",
                    a.storm_spread_ms
                );
            }
            if inflight.load(Ordering::Relaxed) >= 256 {
                skipped += 1;
                continue;
            }
            inflight.fetch_add(1, Ordering::Relaxed);
            let (http, api, tok) = (http.clone(), api.clone(), sh.tokens["cashier"].clone());
            let (orders, rest_ms, rest_err, inflight) = (
                orders.clone(),
                rest_ms.clone(),
                rest_err.clone(),
                inflight.clone(),
            );
            let product = products[(i as usize * 7) % products.len()];
            writers.push(tokio::spawn(async move {
                let sent = now_us();
                let t = Instant::now();
                let r = http
                    .post(format!("{api}/orders"))
                    .bearer_auth(tok)
                    .header("Idempotency-Key", format!("fanout-{sent}-{i}"))
                    .json(&json!({"order_type": "takeaway", "items": [{"product_id": product, "quantity": 1}]}))
                    .send()
                    .await;
                let resp = now_us();
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                match r {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let v: Value = r.json().await.unwrap_or(Value::Null);
                        if let Some(id) = v["data"]["id"].as_i64() {
                            orders.lock().unwrap().insert(id, (sent, resp));
                        }
                        rest_ms.lock().unwrap().push(ms);
                    }
                    Ok(r) => {
                        if rest_err.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("[fanout] POST /orders: {} {}", r.status(), r.text().await.unwrap_or_default());
                        }
                    }
                    Err(e) => {
                        if rest_err.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("[fanout] POST /orders: {e}");
                        }
                    }
                }
                inflight.fetch_sub(1, Ordering::Relaxed);
            }));
        }
        for w in writers {
            let _ = tokio::time::timeout(Duration::from_secs(60), w).await;
        }
    }
    let write_s = t_write.elapsed().as_secs_f64();

    // Settle: wait until every screen has seen the newest event of its topics (bounded).
    let kinds: &[Kind] = if a.raw { &RAW_KINDS } else { &KINDS };
    let mut want = Vec::new();
    if a.raw {
        want = vec![total as i64; kinds.len()];
    } else {
        for k in kinds {
            let topics: Vec<String> = k.topics.iter().map(|s| s.to_string()).collect();
            let m: Option<i64> =
                sqlx::query_scalar("SELECT max(seq) FROM events WHERE topics && $1")
                    .bind(&topics)
                    .fetch_one(&db)
                    .await?;
            want.push(m.unwrap_or(0));
        }
    }
    let t_settle = Instant::now();
    let settle_limit = Duration::from_secs(if a.raw { a.seconds + 120 } else { 120 });
    let mut behind = usize::MAX;
    while t_settle.elapsed() < settle_limit {
        behind = lasts
            .iter()
            .enumerate()
            .filter(|(i, l)| {
                let k = if a.raw { i % 2 } else { i % 4 };
                let v = l.load(Ordering::Relaxed);
                v >= 0 && v < want[k]
            })
            .count();
        if behind == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let settle_s = t_settle.elapsed().as_secs_f64();
    let cpu1 = cpu_ticks(pid);
    let my1 = self_cpu_ticks();
    let delivered = sh.delivered.load(Ordering::Relaxed) - delivered0;
    let elapsed = t_write.elapsed().as_secs_f64();
    let rss2 = rss_kb(pid);
    if behind > 0 {
        println!("{behind} screens still behind after {settle_s:.1} s");
    }

    cmds.lock().unwrap().push(Cmd::Stop);
    cmd_tx.send_modify(|g| *g += 1);
    let mut results = Vec::with_capacity(handles.len());
    for h in handles {
        match tokio::time::timeout(Duration::from_secs(30), h).await {
            Ok(Ok(r)) => results.push(r),
            _ => results.push(ScreenResult {
                error: Some("screen task did not stop".into()),
                ..Default::default()
            }),
        }
    }

    // Expected per screen: the log filtered by its topics, after its start.
    let mut lost = 0u64;
    let mut dup = 0u64;
    let mut ooo = 0u64;
    let mut prev_breaks = 0u64;
    let mut extra = 0u64;
    let mut errors = 0u64;
    let mut expected_total = 0u64;
    let mut received_total = 0u64;
    let min_start = results
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| r.start)
        .min()
        .unwrap_or(head0);
    let log: Vec<(i64, Vec<String>)> = if a.raw {
        vec![]
    } else {
        sqlx::query_as("SELECT seq, topics FROM events WHERE seq > $1 ORDER BY seq")
            .bind(min_start)
            .fetch_all(&db)
            .await?
    };
    for r in &results {
        if let Some(e) = &r.error {
            errors += 1;
            if errors <= 5 {
                println!("screen error: {e}");
            }
            continue;
        }
        let expected: Vec<i64> = if a.raw {
            (1..=total as i64).collect()
        } else {
            let k = &kinds[r.kind];
            log.iter()
                .filter(|(s, t)| *s > r.start && t.iter().any(|x| k.topics.contains(&x.as_str())))
                .map(|(s, _)| *s)
                .collect()
        };
        let got: Vec<i64> = if a.raw {
            r.raw_n.iter().map(|n| *n as i64).collect()
        } else {
            r.seqs.clone()
        };
        let uniq: HashSet<i64> = got.iter().copied().collect();
        dup += (got.len() - uniq.len()) as u64;
        if a.raw {
            ooo += got.windows(2).filter(|w| w[1] <= w[0]).count() as u64;
        } else {
            ooo += r
                .nonincreasing
                .saturating_sub((got.len() - uniq.len()) as u64);
            prev_breaks += r.prev_breaks;
        }
        let exp: HashSet<i64> = expected.iter().copied().collect();
        lost += exp.difference(&uniq).count() as u64;
        extra += uniq.difference(&exp).count() as u64;
        expected_total += expected.len() as u64;
        received_total += got.len() as u64;
    }

    // Latency.
    let orders = orders.lock().unwrap();
    let mut lat_at = Vec::new();
    let mut lat_resp = Vec::new();
    let mut lat_sent = Vec::new();
    let mut raw_lat = Vec::new();
    for r in &results {
        lat_at.extend(r.lat_at.iter().map(|v| *v as f64 / 1000.0));
        raw_lat.extend(r.raw_lat.iter().map(|v| *v as f64 / 1000.0));
        for (o, recv) in &r.order_recv {
            if let Some((sent, resp)) = orders.get(o) {
                lat_resp.push((recv - resp) as f64 / 1000.0);
                lat_sent.push((recv - sent) as f64 / 1000.0);
            }
        }
    }
    let replay: Vec<f64> = results
        .iter()
        .flat_map(|r| r.replay_ms.iter().copied())
        .collect();
    let replayed: u64 = results.iter().map(|r| r.replayed).sum();
    let unexpected: u64 = results.iter().map(|r| r.unexpected_closes).sum::<u64>();
    let connect: Vec<f64> = results
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| r.connect_ms)
        .collect();
    let cpu_ms = (cpu1 - cpu0) as f64 * 10.0;
    let cpu_per_event_us = cpu_ms * 1000.0 / delivered.max(1) as f64;
    let my_cpu_ms = (my1 - my0) as f64 * 10.0;
    let rest = rest_ms.lock().unwrap().clone();
    // From the storm signal to the last screen back in the live stream.
    let storm_total_ms = storm_at.map(|t0| {
        results
            .iter()
            .filter_map(|r| r.resumed_at)
            .map(|t| t.saturating_duration_since(t0).as_secs_f64() * 1000.0)
            .fold(0.0, f64::max)
    });
    let failed_attempts: u64 = results.iter().map(|r| r.failed_attempts).sum();

    let summary = json!({
        "label": a.label,
        "mode": if a.raw { "raw" } else { "full" },
        "screens": a.screens, "connected": ok, "rate": a.rate, "seconds": a.seconds,
        "orders_sent": if a.raw { 0 } else { total - skipped }, "orders_ok": orders.len(),
        "orders_skipped_backlog": skipped, "rest_errors": rest_err.load(Ordering::Relaxed),
        "write_phase_s": write_s, "settle_s": settle_s, "screens_behind": behind,
        "expected": expected_total, "received": received_total,
        "lost": lost, "duplicated": dup, "out_of_order": ooo, "prev_breaks": prev_breaks,
        "unexpected_extra": extra, "screen_errors": errors,
        "delivered_in_window": delivered,
        "server_cpu_ms": cpu_ms, "server_cpu_us_per_delivered": cpu_per_event_us,
        "server_cpu_ms_per_s": cpu_ms / elapsed,
        "driver_cpu_ms": my_cpu_ms,
        "rss_kib": [rss0, rss1, rss2], "rss_bytes_per_conn": rss_per_conn,
        "idle_cpu_ms_per_s": idle_ms_per_s, "idle_seconds": a.idle_seconds,
        "connect_all_s": connect_s, "connect_ms": dist(connect.clone()),
        "connect_server_cpu_ms": connect_cpu_ms,
        "latency_at_ms": dist(lat_at.clone()),
        "latency_resp_ms": dist(lat_resp.clone()),
        "latency_sent_ms": dist(lat_sent.clone()),
        "latency_raw_ms": dist(raw_lat.clone()),
        "rest_ms": dist(rest.clone()),
        "storm": a.storm, "storm_reconnects": replay.len(), "storm_replayed_events": replayed,
        "replay_ms": dist(replay.clone()), "storm_all_resumed_ms": storm_total_ms,
        "failed_reconnect_attempts": failed_attempts,
        "unexpected_closes": unexpected,
    });
    println!("{}", serde_json::to_string_pretty(&summary)?);
    if let Some(p) = &a.json {
        let full = json!({
            "summary": summary,
            "samples": {
                "latency_at_ms": sample(lat_at, 20_000),
                "latency_resp_ms": sample(lat_resp, 20_000),
                "latency_raw_ms": sample(raw_lat, 20_000),
                "replay_ms": sample(replay, 20_000),
            }
        });
        std::fs::write(p, serde_json::to_vec(&full)?)?;
    }
    let clean = lost == 0
        && dup == 0
        && ooo == 0
        && prev_breaks == 0
        && errors == 0
        && behind == 0
        && extra == 0
        && ok == a.screens;
    println!(
        "RESULT {}: lost {lost}, duplicated {dup}, out of order {ooo}, prev breaks {prev_breaks}, screen errors {errors}",
        if clean { "OK" } else { "FAILED" }
    );
    Ok(clean)
}
