//! DESIGN §2 under load: 8 concurrent writers × 250 changes while 20 subscribers with mixed
//! topics listen, some reconnecting at random points with `since`. Every subscriber's sequence
//! must equal the log filtered by its topics: in order, nothing missing, nothing twice.

use std::{sync::Arc, time::Duration};

use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::json;
use tokio::sync::watch;

use crate::{
    client::{expected, head, write, Follower, Got, Ws},
    helpers::TestApp,
};

const WRITERS: usize = 8;
const CHANGES: usize = 250;

struct Spec {
    user: &'static str,
    topics: Vec<String>,
    /// Start with a snapshot instead of `since`.
    snapshot: bool,
    /// Reconnect with `since` after this many events (several times).
    reconnect_every: Option<usize>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_subscriber_sees_exactly_its_slice_of_the_log_in_order() {
    let mut app = TestApp::spawn().await;
    let w1 = app.user_id("waiter").await;
    let w2 = app.user_id("waiter2").await;
    let universe: Vec<String> = vec![
        "station:kitchen".into(),
        "station:grill".into(),
        "station:bar".into(),
        "expo".into(),
        "floor".into(),
        "orders".into(),
        format!("waiter:{w1}"),
        format!("waiter:{w2}"),
    ];
    let t = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let wt1 = format!("waiter:{w1}");
    let wt2 = format!("waiter:{w2}");
    let specs = vec![
        Spec {
            user: "manager",
            topics: t(&["floor", "orders", "expo"]),
            snapshot: false,
            reconnect_every: None,
        },
        Spec {
            user: "manager",
            topics: t(&["station:kitchen", "station:grill"]),
            snapshot: true,
            reconnect_every: Some(97),
        },
        Spec {
            user: "manager",
            topics: vec![wt1.clone()],
            snapshot: false,
            reconnect_every: None,
        },
        Spec {
            user: "admin",
            topics: t(&["station:bar", "floor"]),
            snapshot: false,
            reconnect_every: Some(61),
        },
        Spec {
            user: "admin",
            topics: universe.clone(),
            snapshot: true,
            reconnect_every: Some(333),
        },
        Spec {
            user: "admin",
            topics: universe.clone(),
            snapshot: false,
            reconnect_every: None,
        },
        Spec {
            user: "kitchen",
            topics: t(&["station:kitchen"]),
            snapshot: false,
            reconnect_every: None,
        },
        Spec {
            user: "kitchen",
            topics: t(&["station:grill", "expo"]),
            snapshot: false,
            reconnect_every: Some(150),
        },
        Spec {
            user: "kitchen",
            topics: t(&["expo"]),
            snapshot: true,
            reconnect_every: None,
        },
        Spec {
            user: "kitchen",
            topics: t(&["station:kitchen", "station:grill"]),
            snapshot: false,
            reconnect_every: Some(45),
        },
        Spec {
            user: "bar",
            topics: t(&["station:bar"]),
            snapshot: false,
            reconnect_every: None,
        },
        Spec {
            user: "bar",
            topics: t(&["station:bar"]),
            snapshot: true,
            reconnect_every: Some(80),
        },
        Spec {
            user: "waiter",
            topics: vec![wt1.clone(), "floor".into()],
            snapshot: false,
            reconnect_every: None,
        },
        Spec {
            user: "waiter",
            topics: vec![wt1.clone()],
            snapshot: false,
            reconnect_every: Some(70),
        },
        Spec {
            user: "waiter2",
            topics: vec![wt2.clone(), "floor".into()],
            snapshot: true,
            reconnect_every: None,
        },
        Spec {
            user: "waiter2",
            topics: vec![wt2.clone()],
            snapshot: false,
            reconnect_every: None,
        },
        Spec {
            user: "cashier",
            topics: t(&["orders", "floor"]),
            snapshot: false,
            reconnect_every: Some(120),
        },
        Spec {
            user: "cashier",
            topics: t(&["orders"]),
            snapshot: false,
            reconnect_every: None,
        },
        Spec {
            user: "manager",
            topics: t(&["orders", "station:bar", "expo"]),
            snapshot: false,
            reconnect_every: None,
        },
        Spec {
            user: "manager",
            topics: universe.clone(),
            snapshot: false,
            reconnect_every: Some(211),
        },
    ];
    assert_eq!(specs.len(), 20);

    let url = app.ws_url();
    let mut tokens = std::collections::HashMap::new();
    for s in &specs {
        if !tokens.contains_key(s.user) {
            tokens.insert(s.user, app.token(s.user).await);
        }
    }
    let start = head(&app.db).await;
    // The writers' final head, once they are done.
    let (done_tx, done_rx) = watch::channel::<Option<i64>>(None);

    // Writing starts once every screen is subscribed (a few wait for a catch-up permit), so
    // each sees enough of the burst to reconnect several times in the middle of it.
    let ready = Arc::new(tokio::sync::Barrier::new(specs.len() + 1));
    let mut subs = Vec::new();
    for (i, spec) in specs.into_iter().enumerate() {
        let ready = ready.clone();
        let url = url.clone();
        let token = tokens[spec.user].clone();
        let db = app.db.clone();
        let mut done = done_rx.clone();
        subs.push(tokio::spawn(async move {
            let topics: Vec<&str> = spec.topics.iter().map(String::as_str).collect();
            let mut f = Follower::default();
            let since = if spec.snapshot { None } else { Some(start) };
            let mut server_closes = 0;
            let (mut ws, first) =
                start_stream(&url, &token, &topics, since, &mut f, &mut server_closes).await;
            ready.wait().await;
            let mut rng = StdRng::seed_from_u64(i as u64);
            let mut reconnects = 0;
            let mut target: Option<i64> = None;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
            while tokio::time::Instant::now() < deadline {
                if target.is_none() {
                    let h = *done.borrow_and_update();
                    if let Some(h) = h {
                        let exp = expected(&db, first, &topics).await;
                        target = Some(exp.last().copied().unwrap_or(first).min(h));
                    }
                }
                if let Some(t) = target {
                    if f.last.unwrap() >= t {
                        break;
                    }
                }
                let got = tokio::select! {
                    g = ws.recv(Duration::from_secs(30)) => g,
                    _ = done.changed(), if target.is_none() => continue,
                };
                match got {
                    Got::Frame(fr) => {
                        f.apply(&fr);
                        if let Some(every) = spec.reconnect_every {
                            let n = f.seqs.len();
                            if fr["type"] == "event" && n % every == every / 2 {
                                // Drop abruptly half the time, close politely otherwise.
                                if rng.gen_bool(0.5) {
                                    drop(ws);
                                } else {
                                    ws.close().await;
                                }
                                ws =
                                    resume(&url, &token, &topics, &mut f, &mut server_closes).await;
                                reconnects += 1;
                            }
                        }
                    }
                    // A real screen resumes after any close but 4001; so do we (bounded).
                    Got::Close(Some(code)) if code != 4001 && server_closes < 20 => {
                        server_closes += 1;
                        ws = resume(&url, &token, &topics, &mut f, &mut server_closes).await;
                    }
                    other => panic!(
                        "subscriber {i} ({:?}): stream ended: {other:?}",
                        spec.topics
                    ),
                }
            }
            let exp = expected(&db, first, &topics).await;
            assert_eq!(
                f.seqs.len(),
                exp.len(),
                "subscriber {i} {:?}: got {} events, the log has {}",
                spec.topics,
                f.seqs.len(),
                exp.len()
            );
            assert_eq!(f.seqs, exp, "subscriber {i} {:?}", spec.topics);
            if server_closes > 0 {
                eprintln!("subscriber {i}: resumed after {server_closes} server-side closes");
            }
            (i, f.seqs.len(), reconnects)
        }));
    }

    tokio::time::timeout(Duration::from_secs(60), ready.wait())
        .await
        .expect("every screen subscribed within 60 s");
    let universe = Arc::new(universe);
    // The writers share a few connections of their own (PostgreSQL's connection budget is
    // shared with everything else running on this machine).
    let wdb = kenangan::db::pool(&app.db_url, 4).await.unwrap();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let db = wdb.clone();
        let universe = universe.clone();
        writers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(1000 + w as u64);
            for n in 0..CHANGES {
                let k = rng.gen_range(1..=3);
                let mut topics: Vec<&str> = Vec::new();
                for _ in 0..k {
                    let t = universe[rng.gen_range(0..universe.len())].as_str();
                    if !topics.contains(&t) {
                        topics.push(t);
                    }
                }
                write(&db, "test.change", &topics, json!({"writer": w, "n": n})).await;
                if rng.gen_bool(0.05) {
                    tokio::time::sleep(Duration::from_millis(rng.gen_range(1..5))).await;
                }
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    let h = head(&app.db).await;
    assert_eq!(h - start, (WRITERS * CHANGES) as i64, "the log is gap-free");
    done_tx.send(Some(h)).unwrap();
    let mut total_reconnects = 0;
    for s in subs {
        let (_i, _n, r) = s.await.unwrap();
        total_reconnects += r;
    }
    assert!(
        total_reconnects >= 10,
        "the test should exercise reconnects, did {total_reconnects}"
    );
}

/// Connects and subscribes (from `since`, or with a snapshot), retrying if the server closes
/// before `subscribed` (a loaded database can make it say 1011). Returns the stream and the seq
/// the follower starts from.
async fn start_stream(
    url: &str,
    token: &str,
    topics: &[&str],
    since: Option<i64>,
    f: &mut Follower,
    closes: &mut usize,
) -> (Ws, i64) {
    for attempt in 0..20u64 {
        *f = Follower {
            last: since,
            ..Default::default()
        };
        let mut first = since;
        let mut ws = Ws::connect(url, Some(token)).await;
        ws.send(json!({"op": "subscribe", "topics": topics, "since": since}))
            .await;
        loop {
            match ws.recv(Duration::from_secs(30)).await {
                Got::Frame(fr) => {
                    if fr["type"] == "snapshot" {
                        first = fr["seq"].as_i64();
                    }
                    f.apply(&fr);
                    if fr["type"] == "subscribed" {
                        return (ws, first.expect("a since or a snapshot"));
                    }
                }
                Got::Close(Some(code)) if code != 4001 => break,
                other => panic!("subscribing failed: {other:?}"),
            }
        }
        *closes += 1;
        tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
    }
    panic!("could not subscribe");
}

/// Reconnects and resumes with `since = f.last`, as a screen does; retries (bounded) if the
/// server closes before `subscribed`.
async fn resume(
    url: &str,
    token: &str,
    topics: &[&str],
    f: &mut Follower,
    closes: &mut usize,
) -> Ws {
    for attempt in 0..20u64 {
        let mut ws = Ws::connect(url, Some(token)).await;
        ws.send(json!({"op": "subscribe", "topics": topics, "since": f.last}))
            .await;
        loop {
            match ws.recv(Duration::from_secs(30)).await {
                Got::Frame(fr) => {
                    assert_ne!(fr["type"], "snapshot", "since {:?} should replay", f.last);
                    f.apply(&fr);
                    if fr["type"] == "subscribed" {
                        return ws;
                    }
                }
                Got::Close(Some(code)) if code != 4001 => break,
                other => panic!("resuming failed: {other:?}"),
            }
        }
        *closes += 1;
        tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
    }
    panic!("could not resume");
}
