//! Starting and stopping the server (shared by `kenangan serve` and the tests).

use std::{future::Future, net::SocketAddr, sync::Arc};

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
    let redis = match &cfg.redis_url {
        Some(url) => {
            let client = redis::Client::open(url.as_str()).context("REDIS_URL")?;
            Some(
                redis::aio::ConnectionManager::new(client)
                    .await
                    .context("cannot connect to Redis at REDIS_URL")?,
            )
        }
        None => None,
    };
    crate::orders::spawn_janitor(pool.clone());
    Ok(AppState {
        db: pool,
        config: Arc::new(cfg),
        login_limiter: Arc::new(LoginLimiter::default()),
        redis,
        hub: Hub::default(),
    })
}

/// Serves until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("server error")
}
