//! Starting and stopping the server (shared by `kenangan serve` and the tests).

use std::{
    future::{Future, IntoFuture},
    net::SocketAddr,
    sync::Arc,
};

use anyhow::Context;
use tokio::net::TcpListener;

use crate::{
    app::{router, AppState},
    auth::limiter::LoginLimiter,
    config::Config,
    db,
    hub::Hub,
};

/// Connects, migrates, loads demo data when configured, and builds the shared state.
pub async fn prepare(cfg: Config) -> anyhow::Result<AppState> {
    let pool = db::connect(&cfg).await?;
    db::migrate(&pool).await?;
    sqlx::query("SELECT now() AT TIME ZONE $1")
        .bind(&cfg.timezone)
        .execute(&pool)
        .await
        .with_context(|| {
            format!(
                "RESTAURANT_TIMEZONE: '{}' is not a time zone PostgreSQL knows",
                cfg.timezone
            )
        })?;
    if cfg.demo_data {
        db::load_demo_data(&pool).await?;
    }
    tokio::fs::create_dir_all(&cfg.upload_dir)
        .await
        .with_context(|| format!("cannot create UPLOAD_DIR {}", cfg.upload_dir.display()))?;
    // Only a client here: connecting is deferred to use, so an instance starts (and falls back
    // to LISTEN) while Redis is down.
    let redis = match &cfg.redis_url {
        Some(url) => Some(redis::Client::open(url.as_str()).context("REDIS_URL")?),
        None => None,
    };
    crate::orders::spawn_janitor(pool.clone());
    let config = Arc::new(cfg);
    let hub = Hub::start(pool.clone(), config.clone()).await?;
    Ok(AppState {
        db: pool,
        config,
        login_limiter: Arc::new(LoginLimiter::default()),
        redis,
        hub,
    })
}

/// Serves until `shutdown` resolves; then stops accepting, closes every WebSocket session with
/// 1012, lets in-flight requests finish, and returns within `SHUTDOWN_GRACE_SECONDS` (plus a
/// few seconds for background tasks).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let hub = state.hub.clone();
    let grace = state.config.hub.shutdown_grace;
    let app = router(state);
    let signal = {
        let hub = hub.clone();
        async move {
            shutdown.await;
            hub.begin_shutdown();
        }
    };
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(signal)
    .into_future();
    // Upgraded WebSocket connections are not axum's to wait for; the hub waits for them.
    let bounded = async {
        tokio::select! {
            r = server => r.context("server error"),
            _ = async {
                hub.closing_signal().await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!("requests still running after the shutdown grace period; exiting");
                Ok(())
            }
        }
    };
    let res = bounded.await;
    hub.begin_shutdown();
    hub.finish(grace).await;
    res
}
