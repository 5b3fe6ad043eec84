//! The `kenangan` command: thin CLI over the library.

use std::io::{IsTerminal, Read};

use anyhow::Context;
use clap::{Parser, Subcommand};
use kenangan::{
    auth::{create_user, password, NewUser, Role},
    config::Config,
    db, server,
};
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

#[derive(Parser)]
#[command(
    name = "kenangan",
    version,
    about = "Real-time order hub for restaurants"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Create the database if needed and apply migrations, then exit.
    Migrate {
        /// Also load the demo menu, tables and users into an empty database (not in production).
        #[arg(long)]
        demo: bool,
    },
    /// Create a user. The password is read from --password, or prompted for, or read from stdin.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        full_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        password: Option<String>,
    },
    /// Print an argon2id hash of a password (read from stdin or prompted), for SQL inserts.
    HashPassword,
    /// Print the version.
    Version,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Version) = cli.command {
        println!("kenangan {}", env!("CARGO_PKG_VERSION"));
        return std::process::ExitCode::SUCCESS;
    }
    let cfg = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kenangan: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let _sentry = init_sentry(cfg.is_production());
    init_tracing(cfg.is_production());
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kenangan: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli.command.unwrap_or(Command::Serve), cfg)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "exiting");
            eprintln!("kenangan: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_tracing(json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let most = filter.max_level_hint();
    let registry = tracing_subscriber::registry().with(filter).with(
        sentry::integrations::tracing::ErrorLayer::new()
            .with_filter(tracing_subscriber::filter::LevelFilter::ERROR),
    );
    if json {
        registry.with(fmt::layer().json()).init();
    } else {
        registry.with(fmt::layer().compact()).init();
    }
    // The `log` bridge is installed letting everything through, so a dependency's per-frame
    // `log::trace!` (tungstenite's) reaches tracing only to be dropped: 2-3 % of the hub's CPU
    // under load. Cap `log` at the most the filter can let through.
    use tracing_subscriber::filter::LevelFilter as L;
    log::set_max_level(match most {
        Some(L::OFF) => log::LevelFilter::Off,
        Some(L::ERROR) => log::LevelFilter::Error,
        Some(L::WARN) => log::LevelFilter::Warn,
        Some(L::INFO) => log::LevelFilter::Info,
        Some(L::DEBUG) => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    });
}

/// Sentry, only when SENTRY_DSN is set: panics (hook) and every `tracing::error!` — server
/// errors — via the layer in `init_tracing`. The guard flushes pending reports on exit.
fn init_sentry(production: bool) -> Option<sentry::ClientInitGuard> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let dsn = match env("SENTRY_DSN")?.trim().parse() {
        Ok(dsn) => dsn,
        Err(e) => {
            eprintln!("kenangan: SENTRY_DSN is not a valid DSN ({e}); error reporting is off");
            return None;
        }
    };
    let mut opts = sentry::ClientOptions::default();
    opts.dsn = Some(dsn);
    opts.release = sentry::release_name!();
    let default_env = if production {
        "production"
    } else {
        "development"
    };
    opts.environment = Some(
        env("SENTRY_ENVIRONMENT")
            .unwrap_or_else(|| default_env.to_string())
            .into(),
    );
    Some(sentry::init(opts))
}

async fn run(cmd: Command, cfg: Config) -> anyhow::Result<()> {
    match cmd {
        Command::Serve => {
            let addr = std::net::SocketAddr::new(cfg.api_host, cfg.api_port);
            let state = server::prepare(cfg).await?;
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            tracing::info!(%addr, "Server is running on port {}", addr.port());
            server::serve(listener, state, shutdown_signal()).await?;
            tracing::info!("server stopped");
            Ok(())
        }
        Command::Migrate { demo } => {
            if demo && cfg.is_production() {
                anyhow::bail!("demo data is never loaded in production");
            }
            let pool = db::connect(&cfg).await?;
            db::migrate(&pool).await?;
            if demo {
                db::load_demo_data(&pool).await?;
            }
            println!(
                "migrations applied{}",
                if demo { " and demo data loaded" } else { "" }
            );
            Ok(())
        }
        Command::CreateUser {
            username,
            role,
            full_name,
            email,
            password,
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!("unknown role '{role}' (admin, manager, cashier, waiter, kitchen, bar)")
            })?;
            let password = match password {
                Some(p) => p,
                None => read_password("Password for the new user: ")?,
            };
            let pool = db::connect(&cfg).await?;
            db::migrate(&pool).await?;
            let user = create_user(
                &pool,
                NewUser {
                    full_name: full_name.unwrap_or_else(|| username.clone()),
                    username,
                    password,
                    role,
                    email,
                },
                cfg.is_production(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created user '{}' (id {}, role {})",
                user.username, user.id, user.role
            );
            Ok(())
        }
        Command::HashPassword => {
            let pw = read_password("Password to hash: ")?;
            password::check_strength(&pw, cfg.is_production())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{}",
                password::hash(&pw).map_err(|e| anyhow::anyhow!("{e}"))?
            );
            Ok(())
        }
        Command::Version => Ok(()),
    }
}

fn read_password(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        Ok(rpassword::prompt_password(prompt)?)
    } else {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s.trim_end_matches(['\r', '\n']).to_string())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown signal received; draining");
}
