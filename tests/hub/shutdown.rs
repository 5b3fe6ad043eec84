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
    for (user, topic) in [("kitchen", "station:kitchen"), ("bar", "station:bar"), ("manager", "floor")] {
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
    assert!(matches!(codes[3], Some(1012) | Some(4001) | None), "{codes:?}");
    assert!(app.server.is_none(), "the server task finished within the bound");
    // Nothing listens any more.
    assert!(tokio_tungstenite::connect_async(&url).await.is_err());
}
