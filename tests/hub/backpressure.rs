//! A stalled screen is closed with 4008 and resumes; the others never notice.

use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::Duration,
};

use crate::{
    client::{expected, follow_until, head, write_many, Follower, Got, Ws},
    helpers::TestApp,
};

pub async fn metric(app: &TestApp, name: &str) -> u64 {
    let m = reqwest::get(format!("http://{}/metrics", app.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    m.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

const HEALTHY: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stalled_reader_is_closed_with_4008_while_fifty_others_keep_receiving() {
    let mut app = TestApp::spawn_with(&[("WS_QUEUE_CAPACITY", "128")]).await;
    let t = app.token("kitchen").await;
    let url = app.ws_url();
    let start = head(&app.db).await;

    let (mut stalled, _) = Ws::open_small(&url, &t).await;
    stalled.subscribe(&["expo"], Some(start)).await;

    let progress: Arc<Vec<AtomicI64>> =
        Arc::new((0..HEALTHY).map(|_| AtomicI64::new(start)).collect());
    let (go_tx, _) = tokio::sync::broadcast::channel::<i64>(1);
    let mut readers = Vec::new();
    for i in 0..HEALTHY {
        let (mut ws, _) = Ws::open(&url, &t).await;
        ws.subscribe(&["expo"], Some(start)).await;
        let mut go = go_tx.subscribe();
        let progress = progress.clone();
        readers.push(tokio::spawn(async move {
            let mut f = Follower {
                last: Some(start),
                ..Default::default()
            };
            let last = loop {
                tokio::select! {
                    g = ws.recv(Duration::from_secs(30)) => match g {
                        Got::Frame(fr) => {
                            f.apply(&fr);
                            progress[i].store(f.last.unwrap(), Ordering::Release);
                        }
                        other => panic!("a healthy reader was disturbed: {other:?}"),
                    },
                    l = go.recv() => break l.unwrap(),
                }
            };
            follow_until(&mut ws, &mut f, last).await;
            f.seqs
        }));
    }

    // Write until the stalled reader is cut loose, never letting the healthy ones fall more
    // than a few transactions behind (so only the stalled one can overflow its queue).
    let mut last = start;
    let mut after_close = 0;
    for _ in 0..2000 {
        last = write_many(&app.db, &["expo"], 10, 1500).await;
        for _ in 0..3000 {
            if progress
                .iter()
                .all(|p| p.load(Ordering::Acquire) >= last - 40)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if metric(&app, "kenangan_hub_slow_consumer_closes_total").await >= 1 {
            after_close += 1;
            if after_close == 5 {
                break;
            }
        }
    }
    assert_eq!(after_close, 5, "the stalled reader was never closed");
    let _ = go_tx.send(last);
    let exp = expected(&app.db, start, &["expo"]).await;
    assert_eq!(*exp.last().unwrap(), last);

    // It reads what was already on its way — a gap-free prefix — then the 4008 close.
    let mut f = Follower {
        last: Some(start),
        ..Default::default()
    };
    let code = loop {
        match stalled.recv(Duration::from_secs(20)).await {
            Got::Frame(fr) => f.apply(&fr),
            Got::Close(c) => break c,
            other => panic!("expected a 4008 close, got {other:?}"),
        }
    };
    assert_eq!(code, Some(4008));
    assert!(f.seqs.len() < exp.len());
    assert_eq!(f.seqs[..], exp[..f.seqs.len()]);

    for r in readers {
        assert_eq!(
            r.await.unwrap(),
            exp,
            "a healthy reader lost or reordered events"
        );
    }
    assert_eq!(
        metric(&app, "kenangan_hub_slow_consumer_closes_total").await,
        1
    );

    // It resumes with since and gets exactly the rest.
    let (mut ws, _) = Ws::open(&url, &t).await;
    for fr in ws.subscribe(&["expo"], f.last).await {
        f.apply(&fr);
    }
    follow_until(&mut ws, &mut f, last).await;
    assert_eq!(f.seqs, exp);
}
