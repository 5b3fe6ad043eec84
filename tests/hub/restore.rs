//! A database restored from a backup while screens are connected (scripts/restore.sh bumps
//! `event_counter.epoch` and rewinds `seq`): the running hub notices, restarts every session, and
//! the screens resnapshot instead of replaying across the restore; events written after it flow.

use std::time::Duration;

use serde_json::json;

use crate::{
    client::{write, write_many, Got, Ws, WAIT},
    helpers::TestApp,
};

#[tokio::test]
async fn a_restore_under_live_screens_restarts_them_into_a_snapshot() {
    let mut app = TestApp::spawn().await;
    let t = app.token("kitchen").await;
    write_many(&app.db, &["expo"], 6, 0).await;
    let (mut ws, w) = Ws::open(&app.ws_url(), &t).await;
    assert_eq!(w["epoch"], 1);
    ws.subscribe(&["expo"], Some(6)).await;

    // What restore.sh leaves behind: the log of an older backup (head 3) in a new epoch.
    sqlx::query("DELETE FROM events WHERE seq > 3")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("UPDATE event_counter SET seq = 3, epoch = epoch + 1 WHERE id = 1")
        .execute(&app.db)
        .await
        .unwrap();
    // The hub's periodic check (15 s) restarts the session: 1012, reconnect and resume.
    assert_eq!(
        ws.close_code(Duration::from_secs(30)).await,
        Some(1012),
        "the live session was not restarted after the restore"
    );

    // The screen comes back with what it had (seq 6 of epoch 1): that history is gone, so it
    // gets a snapshot of the restored state, in the new epoch.
    let (mut ws, w) = Ws::open(&app.ws_url(), &t).await;
    assert_eq!(w["epoch"], 2);
    assert_eq!(w["head"], 3);
    ws.send(json!({"op": "subscribe", "topics": ["expo"], "since": 6, "epoch": 1}))
        .await;
    let frames = ws.until("subscribed").await;
    assert_eq!(frames[0]["type"], "snapshot", "{frames:?}");
    assert_eq!(frames[0]["seq"], 3);

    // New events (seq 4, 5 — numbers the old log had used) reach it live, exactly once.
    let a = write(&app.db, "test.after", &["expo"], json!({"n": 1})).await;
    let b = write(&app.db, "test.after", &["expo"], json!({"n": 2})).await;
    assert_eq!((a, b), (4, 5));
    for want in [a, b] {
        match ws.recv(WAIT).await {
            Got::Frame(f) => {
                assert_eq!(f["type"], "event", "{f}");
                assert_eq!(f["seq"], want, "{f}");
            }
            other => panic!("no event {want} after the restore: {other:?}"),
        }
    }
}
