//! Database start-up: create the database if missing, migrate, load demo data (development only).

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    ConnectOptions, Connection, PgConnection, PgPool,
};

use crate::{
    auth::{create_user, NewUser, Role},
    config::Config,
};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
const DEMO_SQL: &str = include_str!("../migrations/demo/demo_data.sql");

pub fn options(url: &str) -> anyhow::Result<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(url)
        .context("DATABASE_URL is not a valid PostgreSQL URL")?
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(200)))
}

/// Creates the database named in `url` when it does not exist yet.
pub async fn create_database_if_missing(url: &str) -> anyhow::Result<()> {
    let opts = options(url)?;
    let name = opts.get_database().unwrap_or("postgres").to_string();
    if PgConnection::connect_with(&opts).await.is_ok() {
        return Ok(());
    }
    let mut admin = PgConnection::connect_with(&opts.clone().database("postgres"))
        .await
        .context("cannot reach PostgreSQL to create the database")?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await?;
    if !exists {
        let quoted = name.replace('"', "\"\"");
        match sqlx::query(&format!("CREATE DATABASE \"{quoted}\""))
            .execute(&mut admin)
            .await
        {
            Ok(_) => tracing::info!(database = %name, "created database"),
            // Another instance created it at the same moment.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(e).context("CREATE DATABASE failed"),
        }
    }
    Ok(())
}

/// Connects, waiting for PostgreSQL to come up (it may start after us under docker compose).
pub async fn connect(cfg: &Config) -> anyhow::Result<PgPool> {
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let res = async {
            if !cfg.is_production() {
                create_database_if_missing(&cfg.database_url).await?;
            }
            pool(&cfg.database_url, cfg.db_pool_size).await
        }
        .await;
        match res {
            Ok(p) => return Ok(p),
            Err(e) if attempt < 30 => {
                tracing::warn!(error = %e, attempt, "database not ready; retrying in 2 s");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => return Err(e.context("database unreachable after 30 attempts")),
        }
    }
}

pub async fn pool(url: &str, max: u32) -> anyhow::Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(options(url)?)
        .await?)
}

pub async fn migrate(db: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(db).await.context("applying migrations")?;
    Ok(())
}

/// Demo stations, menu and tables, and one user per role plus the guide's admin/admin123.
/// Runs only on an empty database, so it never touches real data.
pub async fn load_demo_data(db: &PgPool) -> anyhow::Result<()> {
    let has_stations: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM stations)")
        .fetch_one(db)
        .await?;
    if !has_stations {
        sqlx::raw_sql(DEMO_SQL)
            .execute(db)
            .await
            .context("demo menu")?;
        tracing::info!("loaded demo stations, menu and tables");
    }
    let has_users: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
        .fetch_one(db)
        .await?;
    if !has_users {
        for (username, full_name, role) in DEMO_USERS {
            create_user(
                db,
                NewUser {
                    username: username.to_string(),
                    password: format!("{username}123"),
                    full_name: full_name.to_string(),
                    role: *role,
                    email: None,
                },
                false,
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo user {username}: {e}"))?;
        }
        tracing::info!("created demo users (password: <username>123)");
    }
    Ok(())
}

pub const DEMO_USERS: &[(&str, &str, Role)] = &[
    ("admin", "System Administrator", Role::Admin),
    ("manager", "Dewi Manager", Role::Manager),
    ("cashier", "Rina Kasir", Role::Cashier),
    ("waiter", "Budi Pelayan", Role::Waiter),
    ("waiter2", "Sari Pelayan", Role::Waiter),
    ("kitchen", "Agus Dapur", Role::Kitchen),
    ("bar", "Made Bar", Role::Bar),
];
