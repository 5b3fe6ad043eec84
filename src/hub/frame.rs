//! Server frames. An event is serialized once into a shared prefix; each session appends only
//! its own `prev` and `topic` (DESIGN §9: serialize once per dispatch, never once per screen).

use std::{fmt::Write as _, sync::Arc};

use axum::extract::ws::Utf8Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use crate::events::Event;

/// An event ready for fan-out.
#[derive(Debug)]
pub struct Prepared {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub topics: Box<[Box<str>]>,
    /// `{"type":"event","seq":…,"kind":…,"at":…,"data":…` with no closing brace.
    pub head: Box<str>,
}

impl Prepared {
    pub fn from_event(e: &Event) -> Arc<Prepared> {
        let mut head = String::with_capacity(96 + e.kind.len());
        let _ = write!(head, r#"{{"type":"event","seq":{},"kind":"#, e.seq);
        push_json_str(&mut head, &e.kind);
        let _ = write!(
            head,
            r#","at":"{}","data":"#,
            e.at.to_rfc3339_opts(SecondsFormat::Micros, true)
        );
        // serde_json writing into a String cannot fail for a `Value`.
        head.push_str(&serde_json::to_string(&e.payload).unwrap_or_else(|_| "null".into()));
        Arc::new(Prepared {
            seq: e.seq,
            at: e.at,
            topics: e.topics.iter().map(|t| t.as_str().into()).collect(),
            head: head.into_boxed_str(),
        })
    }

    /// The frame one session receives.
    pub fn frame(&self, prev: i64, topic: &str) -> Utf8Bytes {
        let mut s = String::with_capacity(self.head.len() + 32 + topic.len());
        s.push_str(&self.head);
        let _ = write!(s, r#","prev":{prev},"topic":"#);
        push_json_str(&mut s, topic);
        s.push('}');
        Utf8Bytes::from(s)
    }

    /// Wire form on the Redis channel: `E <seq> <at µs> <topic,topic>\n<head>`. Topics never hold
    /// commas, spaces or newlines (they are checked when written), so no escaping is needed.
    pub fn to_relay(&self) -> Vec<u8> {
        let topics = self.topics.join(",");
        let mut out =
            format!("E {} {} {}\n", self.seq, self.at.timestamp_micros(), topics).into_bytes();
        out.extend_from_slice(self.head.as_bytes());
        out
    }

    /// The user id of a `user.updated` event (read from the frame only for that rare kind).
    pub fn user_changed(&self) -> Option<i32> {
        if !self.head.contains(r#""kind":"user.updated""#) {
            return None;
        }
        let v: Value = serde_json::from_str(&format!("{}}}", self.head)).ok()?;
        if v["kind"] != "user.updated" {
            return None;
        }
        v["data"]["id"]
            .as_i64()
            .and_then(|id| i32::try_from(id).ok())
    }

    pub fn from_relay(msg: &[u8]) -> Option<Arc<Prepared>> {
        let text = std::str::from_utf8(msg).ok()?;
        let (header, head) = text.split_once('\n')?;
        let mut parts = header.split(' ');
        if parts.next()? != "E" {
            return None;
        }
        let seq: i64 = parts.next()?.parse().ok()?;
        let at = DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?;
        let topics = parts
            .next()
            .unwrap_or("")
            .split(',')
            .filter(|t| !t.is_empty())
            .map(Into::into)
            .collect();
        if !head.starts_with(r#"{"type":"event""#) {
            return None;
        }
        Some(Arc::new(Prepared {
            seq,
            at,
            topics,
            head: head.into(),
        }))
    }
}

fn push_json_str(out: &mut String, s: &str) {
    // Topics and kinds are plain ASCII names; fall back to serde for anything else.
    if s.bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
    }
}

fn text(v: Value) -> Utf8Bytes {
    Utf8Bytes::from(v.to_string())
}

pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Serialize)]
pub struct WelcomeUser<'a> {
    pub id: i32,
    pub username: &'a str,
    pub role: &'a str,
}

pub fn welcome(
    user: WelcomeUser<'_>,
    head: i64,
    epoch: i64,
    session: &str,
    extra: Value,
) -> Utf8Bytes {
    let mut v = json!({
        "type": "welcome",
        "user": user,
        "head": head,
        "epoch": epoch,
        "server_time": now_rfc3339(),
        "session": session,
    });
    if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
        obj.extend(more);
    }
    text(v)
}

pub fn snapshot(topic: &str, seq: i64, epoch: i64, state: &Value) -> Utf8Bytes {
    text(json!({"type": "snapshot", "topic": topic, "seq": seq, "epoch": epoch, "state": state}))
}

pub fn subscribed(topics: &[String], seq: i64, replayed: u64, snapshot: bool) -> Utf8Bytes {
    text(json!({
        "type": "subscribed",
        "topics": topics,
        "seq": seq,
        "replayed": replayed,
        "snapshot": snapshot,
    }))
}

pub fn unsubscribed(topics: &[String]) -> Utf8Bytes {
    text(json!({"type": "unsubscribed", "topics": topics}))
}

pub fn error(code: &str, message: &str, topic: Option<&str>) -> Utf8Bytes {
    let mut v = json!({"type": "error", "code": code, "message": message});
    if let Some(t) = topic {
        v["topic"] = Value::from(t);
    }
    text(v)
}

pub fn pong(id: &Value) -> Utf8Bytes {
    text(json!({"type": "pong", "id": id, "server_time": now_rfc3339()}))
}

pub fn auth_ok(expires_at: i64) -> Utf8Bytes {
    let exp = DateTime::from_timestamp(expires_at, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true));
    text(json!({"type": "auth_ok", "expires_at": exp}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev() -> Event {
        Event {
            seq: 42,
            at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            kind: "ticket.fired".into(),
            topics: vec!["station:grill".into(), "expo".into()],
            payload: json!({"ticket_id": 7, "note": "no \"chili\""}),
            actor: Some(3),
        }
    }

    #[test]
    fn event_frame_is_valid_json_with_prev_and_topic() {
        let p = Prepared::from_event(&ev());
        let v: Value = serde_json::from_str(p.frame(40, "expo").as_str()).unwrap();
        assert_eq!(v["type"], "event");
        assert_eq!(v["seq"], 42);
        assert_eq!(v["prev"], 40);
        assert_eq!(v["topic"], "expo");
        assert_eq!(v["kind"], "ticket.fired");
        assert_eq!(v["data"]["note"], "no \"chili\"");
        assert_eq!(v["at"], "2023-11-14T22:13:20.123456Z");
    }

    #[test]
    fn relay_wire_form_round_trips() {
        let p = Prepared::from_event(&ev());
        let q = Prepared::from_relay(&p.to_relay()).unwrap();
        assert_eq!(q.seq, 42);
        assert_eq!(q.at, p.at);
        assert_eq!(&*q.topics, &*p.topics);
        assert_eq!(q.head, p.head);
        assert!(Prepared::from_relay(b"H 12").is_none());
        assert!(Prepared::from_relay(b"E x 1 a\n{}").is_none());
    }
}
