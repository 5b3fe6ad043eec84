//! The hub's knobs, read from the environment with the rest of `Config`.

use std::time::Duration;

use crate::config::ConfigError;

#[derive(Clone, Debug)]
pub struct HubSettings {
    /// Prefix of every Redis key and channel (`REDIS_PREFIX`), so deployments and tests share a Redis.
    pub redis_prefix: String,
    /// This process's name in presence and relay leases (`INSTANCE_ID`).
    pub instance_id: String,
    /// Frames a session may have queued before it is closed as too slow (4008).
    pub queue_capacity: usize,
    /// A screen silent for this long is pinged; one silent for 2.5 × this is dropped.
    pub ping_interval: Duration,
    /// Longest a single frame may take to reach a screen before it counts as stalled (4008).
    pub write_timeout: Duration,
    /// How often the LISTEN connection is probed (a half-open TCP connection never errors by itself).
    pub listener_probe: Duration,
    /// Relay lease in Redis; a dead relay is replaced after it lapses.
    pub relay_lease: Duration,
    /// Bound on a graceful shutdown (closing sessions, finishing REST requests).
    pub shutdown_grace: Duration,
    /// Sessions that may read the log for a replay or snapshot at once
    /// (`WS_CATCHUP_CONCURRENCY`); unset = a quarter of the database pool.
    pub catchup_concurrency: Option<usize>,
}

impl HubSettings {
    /// Catch-up permits for a pool of `pool` connections: the setting, or a quarter of the
    /// pool; never the whole pool, so REST requests always keep connections.
    pub fn catchup_permits(&self, pool: u32) -> usize {
        let pool = pool.max(2) as usize;
        self.catchup_concurrency
            .unwrap_or(pool / 4)
            .clamp(1, pool - 1)
    }
}

impl HubSettings {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<HubSettings, ConfigError> {
        let redis_prefix = get("REDIS_PREFIX").unwrap_or_else(|| "kenangan".into());
        if redis_prefix.is_empty()
            || redis_prefix.len() > 64
            || !redis_prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-:.".contains(c))
        {
            return Err(bad(
                "REDIS_PREFIX",
                "use 1-64 letters, digits, '_', '-', ':' or '.'",
            ));
        }
        let instance_id = match get("INSTANCE_ID") {
            Some(id) if id.len() <= 64 && !id.contains(char::is_whitespace) => id,
            Some(_) => return Err(bad("INSTANCE_ID", "use at most 64 characters, no spaces")),
            None => {
                let host = get("HOSTNAME").unwrap_or_else(|| "kenangan".into());
                let host: String = host
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .take(40)
                    .collect();
                format!("{host}-{:04x}", rand::random::<u16>())
            }
        };
        let queue_capacity = num(get, "WS_QUEUE_CAPACITY", 1024, 8, 1 << 20)? as usize;
        let ping_interval = Duration::from_secs(num(get, "WS_PING_SECONDS", 15, 1, 3600)?);
        let write_timeout = Duration::from_secs(num(get, "WS_WRITE_TIMEOUT_SECONDS", 20, 1, 3600)?);
        let listener_probe =
            Duration::from_secs(num(get, "LISTENER_PROBE_SECONDS", 10, 1, 86_400)?);
        let relay_lease = Duration::from_millis(num(get, "RELAY_LEASE_MS", 3000, 300, 600_000)?);
        let shutdown_grace = Duration::from_secs(num(get, "SHUTDOWN_GRACE_SECONDS", 10, 1, 600)?);
        let catchup_concurrency = match get("WS_CATCHUP_CONCURRENCY") {
            None => None,
            Some(_) => Some(num(get, "WS_CATCHUP_CONCURRENCY", 8, 1, 1024)? as usize),
        };
        Ok(HubSettings {
            redis_prefix,
            instance_id,
            queue_capacity,
            ping_interval,
            write_timeout,
            listener_probe,
            relay_lease,
            shutdown_grace,
            catchup_concurrency,
        })
    }
}

fn num(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    let v = match get(var) {
        None => return Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map_err(|_| bad(var, format!("'{v}' is not a whole number")))?,
    };
    if v < min || v > max {
        return Err(bad(var, format!("must be between {min} and {max}")));
    }
    Ok(v)
}

fn bad(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
}
