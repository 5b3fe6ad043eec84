//! A real WebSocket client for the hub, and helpers that write events the way the REST write
//! path does (`events::append` inside a transaction).

#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use kenangan::events::{self, NewEvent};
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::net::TcpStream;
use tokio_tungstenite::{
    tungstenite::{protocol::frame::coding::CloseCode, Message},
    MaybeTlsStream, WebSocketStream,
};

pub const WAIT: Duration = Duration::from_secs(20);

pub type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Debug)]
pub enum Got {
    Frame(Value),
    Close(Option<u16>),
    /// The connection ended without a close frame, or nothing came in time.
    End,
    Timeout,
}

pub struct Ws {
    pub s: Stream,
}

impl Ws {
    pub async fn connect(url: &str, token: Option<&str>) -> Ws {
        let url = match token {
            Some(t) => format!("{url}?token={t}"),
            None => url.to_string(),
        };
        let (s, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("ws connect");
        Ws { s }
    }

    /// Connected and past `welcome`.
    pub async fn open(url: &str, token: &str) -> (Ws, Value) {
        let mut ws = Ws::connect(url, Some(token)).await;
        let w = ws.frame().await;
        assert_eq!(w["type"], "welcome", "{w}");
        (ws, w)
    }

    /// Over a socket with a tiny receive buffer, so that a client that stops reading backs up
    /// quickly (for slow-consumer tests).
    pub async fn open_small(url: &str, token: &str) -> (Ws, Value) {
        let addr = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.set_recv_buffer_size(4096).unwrap();
        let tcp = sock.connect(addr.parse().unwrap()).await.unwrap();
        let (s, _) = tokio_tungstenite::client_async(
            format!("{url}?token={token}"),
            MaybeTlsStream::Plain(tcp),
        )
        .await
        .unwrap();
        let mut ws = Ws { s };
        let w = ws.frame().await;
        assert_eq!(w["type"], "welcome", "{w}");
        (ws, w)
    }

    pub async fn send(&mut self, v: Value) {
        self.s
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("ws send");
    }

    pub async fn send_raw(&mut self, m: Message) {
        let _ = self.s.send(m).await;
    }

    pub async fn recv(&mut self, wait: Duration) -> Got {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let m = match tokio::time::timeout_at(deadline, self.s.next()).await {
                Err(_) => return Got::Timeout,
                Ok(None) | Ok(Some(Err(_))) => return Got::End,
                Ok(Some(Ok(m))) => m,
            };
            match m {
                Message::Text(t) => {
                    return Got::Frame(serde_json::from_str(t.as_str()).expect("json frame"))
                }
                Message::Close(f) => return Got::Close(f.map(|f| u16::from(f.code))),
                _ => continue,
            }
        }
    }

    /// The next frame; panics on close or timeout.
    pub async fn frame(&mut self) -> Value {
        match self.recv(WAIT).await {
            Got::Frame(v) => v,
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    /// The next event frame, skipping presence and other frames (bounded).
    pub async fn event(&mut self) -> Value {
        for _ in 0..10_000 {
            let f = self.frame().await;
            if f["type"] == "event" {
                return f;
            }
        }
        panic!("no event frame");
    }

    /// Frames until one of type `ty` (returned last).
    pub async fn until(&mut self, ty: &str) -> Vec<Value> {
        let mut out = vec![];
        for _ in 0..100_000 {
            let f = self.frame().await;
            let done = f["type"] == ty;
            out.push(f);
            if done {
                return out;
            }
        }
        panic!("no {ty} frame");
    }

    /// Subscribes and returns every frame up to and including `subscribed`.
    pub async fn subscribe(&mut self, topics: &[&str], since: Option<i64>) -> Vec<Value> {
        self.send(json!({"op": "subscribe", "topics": topics, "since": since}))
            .await;
        self.until("subscribed").await
    }

    /// Waits for the close code, skipping frames (bounded).
    pub async fn close_code(&mut self, wait: Duration) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + wait;
        for _ in 0..1_000_000 {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.recv(left).await {
                Got::Frame(_) => continue,
                Got::Close(c) => return c,
                Got::End | Got::Timeout => return None,
            }
        }
        None
    }

    pub async fn close(mut self) {
        let _ = self
            .s
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "bye".into(),
            }))
            .await;
    }
}

/// Follows one session's event stream and checks the protocol's promises as frames arrive:
/// strictly increasing seq, and `prev` equal to the last seq applied (or the since/snapshot seq).
#[derive(Default, Debug)]
pub struct Follower {
    pub last: Option<i64>,
    pub seqs: Vec<i64>,
    pub snapshots: usize,
}

impl Follower {
    pub fn apply(&mut self, f: &Value) {
        match f["type"].as_str() {
            Some("event") => {
                let seq = f["seq"].as_i64().unwrap();
                let prev = f["prev"].as_i64().unwrap();
                if let Some(last) = self.last {
                    assert!(seq > last, "seq went backwards: {seq} after {last}");
                    assert_eq!(
                        prev, last,
                        "prev {prev} is not the last seq applied ({last}) at {seq}"
                    );
                }
                self.last = Some(seq);
                self.seqs.push(seq);
            }
            Some("snapshot") => {
                self.snapshots += 1;
                self.last = Some(f["seq"].as_i64().unwrap());
            }
            _ => {}
        }
    }
}

/// Appends one event in its own transaction, as a REST handler does.
pub async fn write(db: &PgPool, kind: &'static str, topics: &[&str], data: Value) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let ev = NewEvent::new(kind, topics.iter().map(|t| t.to_string()).collect(), data);
    let seqs = events::append(&mut tx, None, vec![ev]).await.unwrap();
    tx.commit().await.unwrap();
    seqs[0]
}

/// Appends many events in one transaction (quick bulk load).
pub async fn write_many(db: &PgPool, topics: &[&str], n: usize, pad: usize) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let evs = (0..n)
        .map(|i| {
            NewEvent::new(
                "test.bulk",
                topics.iter().map(|t| t.to_string()).collect(),
                json!({"i": i, "pad": "x".repeat(pad)}),
            )
        })
        .collect();
    let seqs = events::append(&mut tx, None, evs).await.unwrap();
    tx.commit().await.unwrap();
    *seqs.last().unwrap()
}

/// The log's seqs after `after` that carry any of `topics`.
pub async fn expected(db: &PgPool, after: i64, topics: &[&str]) -> Vec<i64> {
    let topics: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
    sqlx::query_scalar("SELECT seq FROM events WHERE seq > $1 AND topics && $2 ORDER BY seq")
        .bind(after)
        .bind(&topics)
        .fetch_all(db)
        .await
        .unwrap()
}

pub async fn head(db: &PgPool) -> i64 {
    events::head(db).await.unwrap()
}

/// Reads event frames into `f` until it has seen `until` (bounded by `WAIT` of silence).
pub async fn follow_until(ws: &mut Ws, f: &mut Follower, until: i64) {
    for _ in 0..1_000_000 {
        if f.last.is_some_and(|l| l >= until) {
            return;
        }
        match ws.recv(WAIT).await {
            Got::Frame(v) => f.apply(&v),
            other => panic!(
                "stream ended at {:?} waiting for {until}: {other:?}",
                f.last
            ),
        }
    }
}
