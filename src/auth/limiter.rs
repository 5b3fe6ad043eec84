//! Failed-login throttling per username and per client address (in memory, per instance).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures allowed in the window before a key is locked.
const FREE_FAILURES: u32 = 5;
const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// Bound on tracked keys so a flood of random usernames cannot grow memory without limit.
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct LoginLimiter {
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    failures: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

impl LoginLimiter {
    /// Seconds to wait if any of `keys` is locked now.
    pub fn check(&self, keys: &[String]) -> Option<u64> {
        let now = Instant::now();
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter()
            .filter_map(|k| map.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| (until - now).as_secs().max(1))
            .max()
    }

    pub fn fail(&self, keys: &[String]) {
        let now = Instant::now();
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            map.retain(|_, e| now.duration_since(e.first) < WINDOW);
        }
        for k in keys {
            let e = map.entry(k.clone()).or_insert(Entry {
                failures: 0,
                first: now,
                locked_until: None,
            });
            if now.duration_since(e.first) > WINDOW {
                *e = Entry {
                    failures: 0,
                    first: now,
                    locked_until: None,
                };
            }
            e.failures += 1;
            if e.failures >= FREE_FAILURES {
                // 2 s, 4 s, 8 s … doubling with each further failure, capped.
                let exp = (e.failures - FREE_FAILURES).min(10);
                let lock = Duration::from_secs(2u64 << exp).min(MAX_LOCK);
                e.locked_until = Some(now + lock);
            }
        }
    }

    pub fn succeed(&self, username_key: &str) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(username_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_repeated_failures_and_clears_on_success() {
        let l = LoginLimiter::default();
        let keys = vec!["u:bob".to_string(), "ip:1.2.3.4".to_string()];
        for _ in 0..4 {
            l.fail(&keys);
            assert!(l.check(&keys).is_none());
        }
        l.fail(&keys);
        assert!(l.check(&keys).is_some());
        l.succeed("u:bob");
        // the address stays locked
        assert!(l.check(&keys).is_some());
        assert!(l.check(&["u:bob".to_string()]).is_none());
    }
}
