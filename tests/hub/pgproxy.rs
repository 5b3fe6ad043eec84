//! A TCP proxy to PostgreSQL that a test can cut (every connection dropped, new ones refused),
//! restore, or freeze (existing connections go silent but stay open: half-open).

use std::sync::{
    atomic::{AtomicBool, AtomicU64, Ordering},
    Arc,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{
        tcp::{OwnedReadHalf, OwnedWriteHalf},
        TcpListener, TcpStream,
    },
    sync::Mutex,
    task::JoinHandle,
};

pub struct Proxy {
    pub port: u16,
    up: Arc<AtomicBool>,
    /// Number of connections accepted so far; each gets the next number.
    accepted: Arc<AtomicU64>,
    /// Connections numbered below this are frozen.
    frozen_below: Arc<AtomicU64>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    n: u64,
    frozen_below: Arc<AtomicU64>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let len = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(len) => len,
        };
        if n < frozen_below.load(Ordering::SeqCst) {
            // Swallow everything from now on and keep both sockets open, like a black hole.
            let _keep = &mut to;
            while !matches!(from.read(&mut buf).await, Ok(0) | Err(_)) {}
            std::future::pending::<()>().await;
        }
        if to.write_all(&buf[..len]).await.is_err() {
            return;
        }
    }
}

impl Proxy {
    pub async fn start() -> Proxy {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let p = Proxy {
            port: l.local_addr().unwrap().port(),
            up: Arc::new(AtomicBool::new(true)),
            accepted: Arc::default(),
            frozen_below: Arc::default(),
            conns: Arc::default(),
        };
        let (up, accepted, frozen_below, conns) = (
            p.up.clone(),
            p.accepted.clone(),
            p.frozen_below.clone(),
            p.conns.clone(),
        );
        tokio::spawn(async move {
            while let Ok((inbound, _)) = l.accept().await {
                if !up.load(Ordering::SeqCst) {
                    continue;
                }
                let n = accepted.fetch_add(1, Ordering::SeqCst);
                let fb = frozen_below.clone();
                let h = tokio::spawn(async move {
                    let Ok(out) = TcpStream::connect("127.0.0.1:5432").await else {
                        return;
                    };
                    let (ir, iw) = inbound.into_split();
                    let (or, ow) = out.into_split();
                    tokio::join!(pump(ir, ow, n, fb.clone()), pump(or, iw, n, fb));
                });
                conns.lock().await.push(h);
            }
        });
        p
    }

    /// Drops every connection and refuses new ones until `restore`.
    pub async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for h in self.conns.lock().await.drain(..) {
            h.abort();
        }
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    /// Every connection open now stops forwarding (but stays open); new ones work.
    pub async fn freeze_existing(&self) {
        self.frozen_below
            .store(self.accepted.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}
