//! Login throttling: failed attempts are counted per username and per client address in a
//! sliding window; past the limit further attempts get 429 with `Retry-After`.
//! Counts live in this process (one instance; several instances each count their own).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
    per_username: usize,
    per_address: usize,
    window: Duration,
}

impl LoginThrottle {
    pub fn new(per_username: usize, per_address: usize, window: Duration) -> Self {
        Self {
            failures: Mutex::new(HashMap::new()),
            per_username,
            per_address,
            window,
        }
    }

    fn keys(username: &str, address: &str) -> [(String, bool); 2] {
        [
            (format!("user:{username}"), true),
            (format!("addr:{address}"), false),
        ]
    }

    /// `Err(seconds)` when either the username or the address is over its limit at `now`.
    pub fn check(&self, username: &str, address: &str, now: Instant) -> Result<(), u64> {
        let Ok(mut failures) = self.failures.lock() else {
            return Ok(());
        };
        let mut wait = None;
        for (key, is_user) in Self::keys(username, address) {
            let limit = if is_user {
                self.per_username
            } else {
                self.per_address
            };
            if let Some(times) = failures.get_mut(&key) {
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    times.pop_front();
                }
                if times.len() >= limit {
                    let oldest = times.front().copied().unwrap_or(now);
                    let left = self
                        .window
                        .saturating_sub(now.duration_since(oldest))
                        .as_secs()
                        .max(1);
                    wait = Some(wait.map_or(left, |w: u64| w.max(left)));
                }
            }
        }
        wait.map_or(Ok(()), Err)
    }

    pub fn record_failure(&self, username: &str, address: &str, now: Instant) {
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        if failures.len() > 100_000 {
            failures.clear();
        }
        for (key, _) in Self::keys(username, address) {
            failures.entry(key).or_default().push_back(now);
        }
    }

    /// A successful login clears the username's count (not the address's).
    pub fn record_success(&self, username: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&format!("user:{username}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_username_and_per_address() {
        let throttle = LoginThrottle::new(3, 5, Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..3 {
            assert!(throttle.check("wang", "1.1.1.1", start).is_ok());
            throttle.record_failure("wang", "1.1.1.1", start);
        }
        let wait = throttle.check("wang", "2.2.2.2", start).unwrap_err();
        assert!(wait > 0 && wait <= 60);
        assert!(throttle.check("li", "3.3.3.3", start).is_ok());
        for _ in 0..2 {
            throttle.record_failure("zhao", "1.1.1.1", start);
        }
        assert!(
            throttle.check("zhou", "1.1.1.1", start).is_err(),
            "the address is over its limit"
        );
        assert!(
            throttle
                .check("wang", "2.2.2.2", start + Duration::from_secs(61))
                .is_ok(),
            "the window slides"
        );
    }
}
