//! One WebSocket session: authenticate, then one loop that reads client ops, drains the
//! bounded queue the dispatcher fills, pings, and watches for expiry, kicks and shutdown.

use std::{future::Future, sync::Arc, task::Poll, time::Duration};

use axum::{
    extract::{
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade},
        State,
    },
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::{
    access,
    frame::{self, WelcomeUser},
    registry::{Out, SessionCtl, SessionId},
    Hub,
};
use crate::{app::AppState, auth::AuthUser, error::envelope, extract::AppQuery};

/// Small buffers: an idle screen should cost a few KB (DESIGN §3 pitfalls). Client frames are
/// small JSON ops (a ping op is ~30 B); a larger one grows the buffer as it arrives.
const READ_BUFFER: usize = 128;
/// Frames are written as they come (no coalescing buffer that would stay allocated).
const WRITE_BUFFER: usize = 0;
/// A cap, not an allocation: the largest frame we send (a snapshot) must fit.
const MAX_WRITE_BUFFER: usize = 8 << 20;
/// Client frames are tiny JSON ops.
const MAX_IN_MESSAGE: usize = 16 << 10;
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a close frame may take to get out (a stalled screen may still drain it).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long we wait for the peer to answer our close.
const CLOSE_REPLY: Duration = Duration::from_secs(2);
pub(super) const MAX_TOPICS: usize = 64;
/// Malformed or refused frames tolerated before the session is closed (1008).
const MAX_STRIKES: u32 = 10;
/// Client ops allowed per 10 s window.
const MAX_OPS_PER_WINDOW: u32 = 60;

pub const CLOSE_AUTH: u16 = 4001;
pub const CLOSE_SLOW: u16 = 4008;
pub const CLOSE_RESTART: u16 = 1012;
pub const CLOSE_POLICY: u16 = 1008;
pub const CLOSE_TOO_BIG: u16 = 1009;
pub const CLOSE_INTERNAL: u16 = 1011;
pub const CLOSE_TRY_LATER: u16 = 1013;
pub const CLOSE_GOING_AWAY: u16 = 1001;
/// Not a wire code: the session is dropped without a word (fault injection).
pub const CLOSE_ABORT: u16 = 1;

#[derive(Deserialize)]
pub struct WsQuery {
    token: Option<String>,
}

/// `GET /api/v1/ws`
pub async fn upgrade(
    State(st): State<AppState>,
    AppQuery(q): AppQuery<WsQuery>,
    ws: WebSocketUpgrade,
) -> Response {
    if st.hub.is_closing() {
        return envelope(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "The server is restarting; reconnect shortly.",
            Value::Null,
        );
    }
    let hub = st.hub.clone();
    let start = Box::new(Start { st, token: q.token });
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(MAX_IN_MESSAGE)
        .max_frame_size(MAX_IN_MESSAGE)
        .on_failed_upgrade(|e| tracing::debug!(error = %e, "WebSocket upgrade failed"))
        .on_upgrade(move |socket| hub.track(run(start, Box::new(socket))))
        .into_response()
}

/// How a session ends.
pub(super) enum End {
    /// The peer went away or the socket failed: nothing more to send.
    Gone,
    /// Send this close frame, then hang up.
    Close(u16, &'static str),
    /// Fault injection: drop everything without a word, as a crashed process would.
    Abort,
}

/// What the upgrade hands to the session task, boxed: the task's future keeps its arguments
/// for its whole life, so they are pointers rather than a second copy of the session's state.
struct Start {
    st: AppState,
    token: Option<String>,
}

pub(super) struct Session {
    pub hub: Hub,
    pub st: AppState,
    pub id: SessionId,
    pub user: AuthUser,
    pub expires_at: i64,
    /// Boxed with the rest of the connection's state (see `Start`).
    pub socket: Box<WebSocket>,
    /// Control, liveness and the bounded outbound queue (shared with the dispatcher).
    pub ctl: Arc<SessionCtl>,
    /// Topics held, in the order subscribed.
    pub held: Vec<String>,
    /// Seq of the last event sent, or the since/snapshot seq: the next event's `prev`.
    pub pos: Option<i64>,
    /// Every event up to here has been sent or found not to concern this session.
    pub covered: i64,
    strikes: u32,
    window: (Instant, u32),
}

async fn run(mut start: Box<Start>, mut socket: Box<WebSocket>) {
    let hub = start.st.hub.clone();
    let token = start.token.take();
    let authed = tokio::select! {
        // Rare, large futures are boxed so every idle session's task stays small.
        a = Box::pin(authenticate(&start.st, &mut socket, token)) => Some(a),
        _ = hub.closing() => None,
        _ = hub.crashed() => return,
    };
    let Some(authed) = authed else {
        Box::pin(close(&mut socket, CLOSE_RESTART, "server restarting")).await;
        return;
    };
    let (user, expires_at) = match authed {
        Ok(u) => u,
        Err((code, reason)) => {
            if code == CLOSE_AUTH {
                hub.metrics()
                    .auth_failures
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Box::pin(close(&mut socket, code, reason)).await;
            return;
        }
    };
    let ctl = Arc::new(SessionCtl::new(start.st.config.hub.queue_capacity));
    ctl.touch();
    ctl.set_expiry(expires_at);
    let id = hub.open_session(&user, ctl.clone());
    // Moving out of the box frees it now rather than when the session ends.
    let Start { st, .. } = *start;
    let mut s = Session {
        hub: hub.clone(),
        st,
        id,
        user,
        expires_at,
        socket,
        ctl,
        held: Vec::new(),
        pos: None,
        covered: 0,
        strikes: 0,
        window: (Instant::now(), 0),
    };
    let end = match Box::pin(s.welcome()).await {
        Ok(()) => s.serve().await,
        Err(end) => end,
    };
    hub.close_session(id);
    match end {
        End::Gone | End::Abort => {}
        End::Close(code, reason) => Box::pin(close(&mut s.socket, code, reason)).await,
    }
}

const FIRST: (u16, &str) = (CLOSE_AUTH, "authenticate first");

/// The token from the query string, or else from a first `{"op":"auth"}` frame. A token that
/// is not good closes with 4001; a database that cannot be asked closes with 1011.
async fn authenticate(
    st: &AppState,
    socket: &mut WebSocket,
    token: Option<String>,
) -> Result<(AuthUser, i64), (u16, &'static str)> {
    let token = match token.filter(|t| !t.is_empty()) {
        Some(t) => t,
        None => {
            let first = tokio::time::timeout(AUTH_TIMEOUT, socket.recv())
                .await
                .map_err(|_| FIRST)?;
            let Some(Ok(Message::Text(text))) = first else {
                return Err(FIRST);
            };
            let v: Value = serde_json::from_str(text.as_str()).map_err(|_| FIRST)?;
            match (v["op"].as_str(), v["token"].as_str()) {
                (Some("auth"), Some(t)) => t.to_string(),
                _ => return Err(FIRST),
            }
        }
    };
    access::user_for_token(st, &token)
        .await
        .map_err(|e| match e {
            crate::error::Error::Unauthorized(_) => (CLOSE_AUTH, "token invalid or expired"),
            // The database is in trouble, not the token: do not send the screen to the login page.
            _ => (CLOSE_INTERNAL, "cannot check the token now; reconnect"),
        })
}

/// Sends a close frame and waits briefly for the peer's reply, so the frame is not lost to a
/// reset when the peer still had data in flight.
async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }));
    if tokio::time::timeout(CLOSE_TIMEOUT, socket.send(frame))
        .await
        .is_ok_and(|r| r.is_ok())
    {
        let _ = tokio::time::timeout(CLOSE_REPLY, async {
            while let Some(Ok(m)) = socket.recv().await {
                if matches!(m, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum ClientOp {
    Auth {
        token: String,
    },
    Subscribe {
        topics: Vec<String>,
        #[serde(default)]
        since: Option<i64>,
        #[serde(default)]
        epoch: Option<i64>,
    },
    Unsubscribe {
        topics: Vec<String>,
    },
    Ping {
        #[serde(default)]
        id: Value,
    },
}

impl Session {
    async fn welcome(&mut self) -> Result<(), End> {
        let head = crate::events::head(&self.st.db)
            .await
            .unwrap_or_else(|_| self.hub.registry().cursor());
        let exp = chrono::DateTime::from_timestamp(self.expires_at, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let f = frame::welcome(
            WelcomeUser {
                id: self.user.id,
                username: &self.user.username,
                role: self.user.role.as_str(),
            },
            head,
            self.hub.epoch(),
            &format!("{}/{}", self.hub.instance(), self.id),
            json!({
                "instance": self.hub.instance(),
                "token_expires_at": exp,
                "limits": {
                    "queue": self.st.config.hub.queue_capacity,
                    "max_topics": MAX_TOPICS,
                    "max_frame_bytes": MAX_IN_MESSAGE,
                    "ping_seconds": self.st.config.hub.ping_interval.as_secs(),
                },
            }),
        );
        self.send(f).await
    }

    /// The session loop. It owns no timer: pings, the silent-screen drop and token expiry
    /// come from the hub's heartbeat sweep through `ctl`, so an idle session is woken only
    /// when it has something to do.
    async fn serve(&mut self) -> End {
        loop {
            if self.ctl.close_code().is_some() {
                return self.kicked();
            }
            if self.ctl.take_ping() {
                if let Err(end) = self.send_msg(Message::Ping(Default::default())).await {
                    return end;
                }
            }
            // Everything queued since the last wake-up, in one go.
            let batch = self.ctl.take_queued();
            if !batch.is_empty() {
                for item in batch {
                    if let Err(end) = self.deliver(item).await {
                        return end;
                    }
                }
                continue;
            }
            tokio::select! {
                biased;
                // A close, a ping request or queued frames: all handled at the top of the loop.
                _ = self.ctl.notify.notified() => {}
                msg = self.socket.recv() => match msg {
                    None => return End::Gone,
                    // Mostly an oversized or broken frame; on a dead socket the close just fails.
                    Some(Err(_)) => return End::Close(CLOSE_TOO_BIG, "frame too large or malformed"),
                    Some(Ok(m)) => {
                        self.ctl.touch();
                        // Boxed: client ops are rare next to deliveries, and inline they would
                        // size every session's task for the largest of them.
                        if let Err(end) = Box::pin(self.on_message(m)).await {
                            return end;
                        }
                    }
                },
            }
        }
    }

    fn kicked(&self) -> End {
        kicked(&self.ctl)
    }

    pub(super) async fn send(&mut self, text: Utf8Bytes) -> Result<(), End> {
        self.send_msg(Message::Text(text)).await
    }

    /// Writes one frame. A frame that cannot be written within the write timeout means the
    /// screen is not reading: it is closed as too slow and resumes with `since`.
    async fn send_msg(&mut self, msg: Message) -> Result<(), End> {
        let mut send = std::pin::pin!(self.socket.send(msg));
        // Most writes complete at once (the socket has room): no timer for those.
        let first = std::future::poll_fn(|cx| Poll::Ready(send.as_mut().poll(cx))).await;
        let r = match first {
            Poll::Ready(r) => r,
            // Only a write that has to wait arms a timer and watches for kicks, out of line:
            // this path is rare, and keeping it boxed keeps every session's task small.
            Poll::Pending => {
                Box::pin(finish_send(
                    send,
                    &self.ctl,
                    self.hub.metrics(),
                    self.st.config.hub.write_timeout,
                ))
                .await?
            }
        };
        r.map_err(|_| End::Gone)
    }

    /// One item from the queue.
    pub(super) async fn deliver(&mut self, item: Out) -> Result<(), End> {
        match item {
            Out::Frame(f) => self.send(Utf8Bytes::clone(&f)).await,
            Out::Event(e) => {
                if e.seq <= self.covered {
                    return Ok(());
                }
                self.covered = e.seq;
                let Some(topic) = e
                    .topics
                    .iter()
                    .find(|t| self.held.iter().any(|h| h == &***t))
                else {
                    return Ok(());
                };
                let f = e.frame(self.pos.unwrap_or(e.seq - 1), topic);
                self.pos = Some(e.seq);
                self.send(f).await
            }
        }
    }

    async fn on_message(&mut self, m: Message) -> Result<(), End> {
        match m {
            Message::Text(t) => Box::pin(self.on_text(t.as_str())).await,
            Message::Binary(_) => self.strike("bad_frame", "Send JSON text frames.").await,
            // axum answers pings itself; any inbound frame already counted as a heartbeat.
            Message::Ping(_) | Message::Pong(_) => Ok(()),
            Message::Close(_) => Err(End::Gone),
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<(), End> {
        let (start, n) = self.window;
        if start.elapsed() > Duration::from_secs(10) {
            self.window = (Instant::now(), 1);
        } else if n >= MAX_OPS_PER_WINDOW {
            return self
                .strike("rate_limited", "Too many frames; slow down.")
                .await;
        } else {
            self.window.1 += 1;
        }
        let v: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(_) => {
                return self
                    .strike("bad_frame", "A frame must be a JSON object.")
                    .await
            }
        };
        let op = v
            .get("op")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !matches!(op.as_str(), "auth" | "subscribe" | "unsubscribe" | "ping") {
            return self
                .strike(
                    "unknown_op",
                    "Known ops: auth, subscribe, unsubscribe, ping.",
                )
                .await;
        }
        let op: ClientOp = match serde_json::from_value(v) {
            Ok(op) => op,
            Err(e) => {
                let msg = format!("Malformed '{op}' frame: {e}");
                return self.strike_owned("bad_frame", &msg).await;
            }
        };
        match op {
            ClientOp::Ping { id } => self.send(frame::pong(&id)).await,
            ClientOp::Auth { token } => self.refresh(&token).await,
            ClientOp::Subscribe {
                topics,
                since,
                epoch,
            } => {
                if topics.len() > MAX_TOPICS {
                    return self
                        .strike("too_many_topics", "Too many topics in one frame.")
                        .await;
                }
                self.subscribe(topics, since, epoch).await
            }
            ClientOp::Unsubscribe { topics } => {
                if topics.len() > MAX_TOPICS {
                    return self
                        .strike("too_many_topics", "Too many topics in one frame.")
                        .await;
                }
                self.unsubscribe(topics).await
            }
        }
    }

    /// In-band token refresh: a valid token of the same user moves the expiry.
    async fn refresh(&mut self, token: &str) -> Result<(), End> {
        match access::user_for_token(&self.st, token).await {
            // A new role means new topic rights: start over with a fresh authorization.
            Ok((u, _)) if u.id == self.user.id && u.role != self.user.role => {
                Err(End::Close(CLOSE_AUTH, "Your role changed; reconnect."))
            }
            Ok((u, exp)) if u.id == self.user.id => {
                self.expires_at = exp;
                self.ctl.set_expiry(exp);
                self.user = u;
                self.send(frame::auth_ok(exp)).await
            }
            Ok(_) => {
                self.strike("auth_failed", "That token belongs to another user.")
                    .await
            }
            Err(_) => {
                self.strike("auth_failed", "That token is invalid or expired.")
                    .await
            }
        }
    }

    async fn unsubscribe(&mut self, topics: Vec<String>) -> Result<(), End> {
        let gone: Vec<String> = self
            .held
            .iter()
            .filter(|h| topics.contains(h))
            .cloned()
            .collect();
        self.hub.registry().drop_topics(self.id, &gone);
        self.held.retain(|h| !gone.contains(h));
        self.hub.presence().update(self.id, &self.held);
        self.send(frame::unsubscribed(&gone)).await
    }

    pub(super) async fn error(
        &mut self,
        code: &str,
        message: &str,
        topic: Option<&str>,
    ) -> Result<(), End> {
        self.send(frame::error(code, message, topic)).await
    }

    async fn strike(&mut self, code: &'static str, message: &'static str) -> Result<(), End> {
        self.strike_owned(code, message).await
    }

    /// A refused frame: an error frame, and too many of them close the session.
    async fn strike_owned(&mut self, code: &str, message: &str) -> Result<(), End> {
        self.hub
            .metrics()
            .bad_frames
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.strikes += 1;
        if self.strikes > MAX_STRIKES {
            return Err(End::Close(CLOSE_POLICY, "too many bad frames"));
        }
        self.error(code, message, None).await
    }
}

/// The rest of a write that could not complete at once: bounded by the write timeout (a
/// screen that does not read is closed as too slow) and given up on a kick.
async fn finish_send<F>(
    send: std::pin::Pin<&mut F>,
    ctl: &SessionCtl,
    metrics: &super::metrics::Metrics,
    timeout: Duration,
) -> Result<Result<(), axum::Error>, End>
where
    F: Future<Output = Result<(), axum::Error>>,
{
    tokio::select! {
        biased;
        end = kick(ctl) => Err(end),
        r = send => Ok(r),
        _ = tokio::time::sleep(timeout) => {
            metrics.slow_closes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Err(End::Close(CLOSE_SLOW, "too slow; resume with since"))
        }
    }
}

/// Resolves when the server closes the session through its `ctl` (a ping request from the
/// heartbeat sweep also wakes `notify`; it stays flagged for the session loop).
pub(super) async fn kick(ctl: &SessionCtl) -> End {
    loop {
        ctl.notify.notified().await;
        if ctl.close_code().is_some() {
            return kicked(ctl);
        }
    }
}

/// Why the server closed a session through its `ctl`.
fn kicked(ctl: &SessionCtl) -> End {
    match ctl.close_code() {
        Some(CLOSE_ABORT) => End::Abort,
        Some(CLOSE_SLOW) => End::Close(CLOSE_SLOW, "too slow; resume with since"),
        Some(CLOSE_RESTART) => End::Close(CLOSE_RESTART, "server restarting"),
        Some(CLOSE_GOING_AWAY) => End::Close(CLOSE_GOING_AWAY, "no heartbeat"),
        Some(CLOSE_AUTH) => End::Close(CLOSE_AUTH, "token expired or user changed"),
        Some(code) => End::Close(code, "closed by server"),
        None => End::Close(CLOSE_INTERNAL, "closed by server"),
    }
}
