//! Typed configuration from the environment, validated once at start.

use std::{fmt, net::IpAddr, path::PathBuf, str::FromStr, time::Duration};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub database_url: String,
    pub jwt_secret: String,
    pub api_host: IpAddr,
    pub api_port: u16,
    pub allowed_origins: Vec<String>,
    pub redis_url: Option<String>,
    pub upload_dir: PathBuf,
    pub static_dir: Option<PathBuf>,
    pub token_ttl: Duration,
    /// Basis points: 1100 = 11 %.
    pub tax_rate_bp: i32,
    pub service_rate_bp: i32,
    pub max_upload_bytes: usize,
    /// Base of the link a table's QR code points to (the guest/waiter URL).
    pub public_url: String,
    pub event_retention: Duration,
    /// Delete events older than this (`EVENT_PRUNE_DAYS`); unset keeps the whole log, which
    /// the audit view and a restore's continuity check read.
    pub event_prune_after: Option<Duration>,
    pub demo_data: bool,
    /// Most connections the server's pool opens (`DATABASE_POOL_SIZE`; default 4 per core, 8 to 32).
    pub db_pool_size: u32,
    /// The restaurant's time zone (IANA name): "today" on the dashboard is its local day.
    pub timezone: String,
    /// WebSocket hub, fan-out and Redis settings.
    pub hub: crate::hub::settings::HubSettings,
}

/// Secrets are never printed.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("app_env", &self.app_env)
            .field("database_url", &redact_url(&self.database_url))
            .field("jwt_secret", &"<redacted>")
            .field("api_host", &self.api_host)
            .field("api_port", &self.api_port)
            .field("allowed_origins", &self.allowed_origins)
            .field("redis_url", &self.redis_url.as_deref().map(redact_url))
            .field("upload_dir", &self.upload_dir)
            .field("static_dir", &self.static_dir)
            .field("token_ttl", &self.token_ttl)
            .field("tax_rate_bp", &self.tax_rate_bp)
            .field("service_rate_bp", &self.service_rate_bp)
            .finish_non_exhaustive()
    }
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://<redacted>{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

pub const DEV_JWT_SECRET: &str = "kenangan-development-secret-not-for-production-use";
pub const MIN_JWT_SECRET_LEN: usize = 32;

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Builds the config from any key lookup, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let app_env = match get("APP_ENV")
            .or_else(|| get("GO_ENV"))
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("development") | Some("dev") | Some("test") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => {
                return Err(err(
                    "APP_ENV",
                    format!("must be 'development' or 'production', not '{other}'"),
                ))
            }
        };
        let prod = app_env == AppEnv::Production;

        let database_url = match get("DATABASE_URL") {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => u,
            Some(_) => return Err(err("DATABASE_URL", "must start with postgres://")),
            None if prod => return Err(err("DATABASE_URL", "is required in production")),
            None => "postgres://postgres@127.0.0.1:5432/kenangan".to_string(),
        };

        let jwt_secret = match get("JWT_SECRET") {
            Some(s) if s.len() >= MIN_JWT_SECRET_LEN && !s.starts_with("CHANGE_ME") => s,
            Some(_) if prod => {
                return Err(err(
                    "JWT_SECRET",
                    format!(
                        "is too weak: use at least {MIN_JWT_SECRET_LEN} random characters (openssl rand -hex 32)"
                    ),
                ))
            }
            None if prod => {
                return Err(err(
                    "JWT_SECRET",
                    "is required in production (generate one with: openssl rand -hex 32)",
                ))
            }
            Some(s) => s,
            None => DEV_JWT_SECRET.to_string(),
        };

        let allowed_origins = get("ALLOWED_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_string())
                    .filter(|o| !o.is_empty())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_else(|| {
                if prod {
                    vec![]
                } else {
                    vec![
                        "http://localhost:8080".into(),
                        "http://127.0.0.1:8080".into(),
                        "http://localhost:5173".into(),
                    ]
                }
            });
        for o in &allowed_origins {
            if !(o.starts_with("http://") || o.starts_with("https://")) {
                return Err(err(
                    "ALLOWED_ORIGINS",
                    format!("'{o}' is not an origin like https://example.com"),
                ));
            }
        }

        let redis_url = match get("REDIS_URL") {
            Some(u) if u.starts_with("redis://") || u.starts_with("rediss://") => Some(u),
            Some(_) => return Err(err("REDIS_URL", "must start with redis://")),
            None => None,
        };

        let api_port: u16 = parse(&get, "API_PORT", 8080)?;
        let api_host: IpAddr = parse(&get, "API_HOST", IpAddr::from([0, 0, 0, 0]))?;
        let token_ttl_minutes: u64 = parse(&get, "TOKEN_TTL_MINUTES", 12 * 60)?;
        if token_ttl_minutes == 0 || token_ttl_minutes > 7 * 24 * 60 {
            return Err(err("TOKEN_TTL_MINUTES", "must be between 1 and 10080"));
        }
        let tax_rate_bp = rate_bp(&get, "TAX_RATE_PERCENT", 11.0)?;
        let service_rate_bp = rate_bp(&get, "SERVICE_CHARGE_PERCENT", 5.0)?;
        let max_upload_mb: usize = parse(&get, "MAX_UPLOAD_MB", 5)?;
        if max_upload_mb == 0 || max_upload_mb > 50 {
            return Err(err("MAX_UPLOAD_MB", "must be between 1 and 50"));
        }
        let retention_days: u64 = parse(&get, "EVENT_RETENTION_DAYS", 7)?;
        if retention_days == 0 {
            return Err(err("EVENT_RETENTION_DAYS", "must be at least 1"));
        }
        let event_prune_after = match get("EVENT_PRUNE_DAYS") {
            None => None,
            Some(_) => {
                let days: u64 = parse(&get, "EVENT_PRUNE_DAYS", 0)?;
                if days < retention_days {
                    return Err(err(
                        "EVENT_PRUNE_DAYS",
                        "must be at least EVENT_RETENTION_DAYS (screens replay from the log)",
                    ));
                }
                Some(Duration::from_secs(days * 86_400))
            }
        };
        // More connections than the cores can keep busy only add contention in PostgreSQL:
        // on 2 cores, 8 took 40 % more orders/s than 32 at a lower p95 (docs/benchmarks.md).
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
        let db_pool_size: u32 = parse(&get, "DATABASE_POOL_SIZE", (4 * cores).clamp(8, 32))?;
        if !(2..=500).contains(&db_pool_size) {
            return Err(err("DATABASE_POOL_SIZE", "must be between 2 and 500"));
        }
        let demo_data = match get("DEMO_DATA").as_deref() {
            None => !prod,
            Some("true") | Some("1") => {
                if prod {
                    return Err(err("DEMO_DATA", "demo data is never loaded in production"));
                }
                true
            }
            Some("false") | Some("0") => false,
            Some(_) => return Err(err("DEMO_DATA", "must be true or false")),
        };

        Ok(Config {
            app_env,
            database_url,
            jwt_secret,
            api_host,
            api_port,
            allowed_origins,
            redis_url,
            upload_dir: get("UPLOAD_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("uploads")),
            static_dir: match get("STATIC_DIR") {
                Some(d) => Some(PathBuf::from(d)),
                None if PathBuf::from("clients/dist/index.html").exists() => {
                    Some(PathBuf::from("clients/dist"))
                }
                None => None,
            },
            token_ttl: Duration::from_secs(token_ttl_minutes * 60),
            tax_rate_bp,
            service_rate_bp,
            max_upload_bytes: max_upload_mb * 1024 * 1024,
            public_url: get("PUBLIC_URL")
                .unwrap_or_else(|| format!("http://localhost:{api_port}"))
                .trim_end_matches('/')
                .to_string(),
            event_retention: Duration::from_secs(retention_days * 86_400),
            event_prune_after,
            demo_data,
            db_pool_size,
            timezone: get("RESTAURANT_TIMEZONE").unwrap_or_else(|| "Asia/Jakarta".into()),
            hub: crate::hub::settings::HubSettings::from_lookup(&get)?,
        })
    }

    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }
}

fn err(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
}

fn parse<T: FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| err(var, format!("'{v}' is not a valid value"))),
    }
}

/// A percentage such as "11" or "5.5", kept as basis points.
fn rate_bp(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default_percent: f64,
) -> Result<i32, ConfigError> {
    let pct: f64 = parse(get, var, default_percent)?;
    if !(0.0..=100.0).contains(&pct) {
        return Err(err(var, "must be a percentage between 0 and 100"));
    }
    Ok((pct * 100.0).round() as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn development_defaults_work_on_a_fresh_machine() {
        let c = cfg(&[]).expect("defaults");
        assert_eq!(c.api_port, 8080);
        assert_eq!(c.tax_rate_bp, 1100);
        assert!(c.demo_data);
    }

    #[test]
    fn production_refuses_missing_or_weak_secret() {
        let e = cfg(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://x@y/z"),
        ])
        .unwrap_err();
        assert_eq!(e.var, "JWT_SECRET");
        let e = cfg(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://x@y/z"),
            ("JWT_SECRET", "short"),
        ])
        .unwrap_err();
        assert!(e.problem.contains("too weak"));
    }

    #[test]
    fn bad_values_name_their_variable() {
        assert_eq!(cfg(&[("API_PORT", "eighty")]).unwrap_err().var, "API_PORT");
        assert_eq!(
            cfg(&[("TAX_RATE_PERCENT", "150")]).unwrap_err().var,
            "TAX_RATE_PERCENT"
        );
        assert_eq!(
            cfg(&[("ALLOWED_ORIGINS", "example.com")]).unwrap_err().var,
            "ALLOWED_ORIGINS"
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = cfg(&[("DATABASE_URL", "postgres://u:secretpw@h/db")]).unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("secretpw") && !s.contains(DEV_JWT_SECRET));
    }
}
