//! Login throttling. Every attempt reserves a place before its secret is checked, and the
//! place counts as a failure until the attempt succeeds, so a burst of concurrent guesses is
//! refused at once rather than all checked. Attempts are counted in a sliding window:
//!
//! - per (name, address): a name's guesses from one address; past the limit that pair waits.
//!   A stranger's failures from elsewhere never lock the owner out of their own address;
//! - per address: one address trying many names, or bogus refresh tokens (which name nobody).
//!
//! A name alone is never a key: counting per name would let anyone lock any account out.
//! Guessing one name from many addresses is slowed by the hash itself, the password policy,
//! and each address's own limit; every failure is audited for the account's administrators.
//! Counts live in this process (one instance; several instances each count their own).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Pair { name: String, address: String },
    Address(String),
}

/// Keys tracked at most; past it, expired windows are dropped, and if that is not enough the
/// counts start again (memory stays bounded whatever an attacker sends).
const MAX_KEYS: usize = 100_000;

pub struct LoginThrottle {
    attempts: Mutex<HashMap<Key, VecDeque<Instant>>>,
    per_pair: usize,
    per_address: usize,
    window: Duration,
}

/// A reserved attempt: counted as a failure unless [`LoginThrottle::succeeded`] or
/// [`LoginThrottle::forget`] settles it otherwise.
#[derive(Debug)]
pub struct Attempt {
    keys: Vec<Key>,
    at: Instant,
}

impl LoginThrottle {
    pub fn new(per_pair: usize, per_address: usize, window: Duration) -> Self {
        Self {
            attempts: Mutex::new(HashMap::new()),
            per_pair,
            per_address,
            window,
        }
    }

    /// Reserves an attempt by `name` (none for a refresh token) from `address`, or
    /// `Err(seconds)` to wait when the pair or the address is at its limit.
    pub fn reserve(&self, name: Option<&str>, address: &str, now: Instant) -> Result<Attempt, u64> {
        let mut keys = vec![Key::Address(address.to_owned())];
        if let Some(name) = name {
            keys.push(Key::Pair {
                name: name.to_owned(),
                address: address.to_owned(),
            });
        }
        let Ok(mut attempts) = self.attempts.lock() else {
            return Err(1);
        };
        if attempts.len() >= MAX_KEYS {
            attempts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
            if attempts.len() >= MAX_KEYS {
                attempts.clear();
            }
        }
        let mut wait = None;
        for key in &keys {
            let limit = match key {
                Key::Pair { .. } => self.per_pair,
                Key::Address(_) => self.per_address,
            };
            let Some(times) = attempts.get_mut(key) else {
                continue;
            };
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
        if let Some(seconds) = wait {
            return Err(seconds);
        }
        for key in &keys {
            attempts.entry(key.clone()).or_default().push_back(now);
        }
        Ok(Attempt { keys, at: now })
    }

    /// The attempt let its caller in: the pair's failures are forgiven, and the attempt no
    /// longer counts against the address.
    pub fn succeeded(&self, attempt: Attempt) {
        let Ok(mut attempts) = self.attempts.lock() else {
            return;
        };
        for key in &attempt.keys {
            match key {
                Key::Pair { .. } => {
                    attempts.remove(key);
                }
                Key::Address(_) => remove_one(&mut attempts, key, attempt.at),
            }
        }
    }

    /// The attempt was never judged (the server failed or was too busy): it does not count.
    pub fn forget(&self, attempt: Attempt) {
        let Ok(mut attempts) = self.attempts.lock() else {
            return;
        };
        for key in &attempt.keys {
            remove_one(&mut attempts, key, attempt.at);
        }
    }
}

fn remove_one(attempts: &mut HashMap<Key, VecDeque<Instant>>, key: &Key, at: Instant) {
    if let Some(times) = attempts.get_mut(key) {
        if let Some(i) = times.iter().position(|t| *t == at) {
            times.remove(i);
        }
        if times.is_empty() {
            attempts.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(60);

    #[test]
    fn a_pair_at_its_limit_waits_while_the_owner_elsewhere_does_not() {
        let throttle = LoginThrottle::new(3, 10, WINDOW);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(throttle.reserve(Some("wang"), "1.1.1.1", start).is_ok());
        }
        let wait = throttle
            .reserve(Some("wang"), "1.1.1.1", start)
            .unwrap_err();
        assert!(wait > 0 && wait <= 60);
        assert!(throttle.reserve(Some("wang"), "2.2.2.2", start).is_ok());
        let later = start + WINDOW + Duration::from_secs(1);
        assert!(
            throttle.reserve(Some("wang"), "1.1.1.1", later).is_ok(),
            "the window slides"
        );
    }

    #[test]
    fn an_address_at_its_limit_waits_for_every_name_and_refresh() {
        let throttle = LoginThrottle::new(3, 4, WINDOW);
        let now = Instant::now();
        for name in ["a", "b", "c", "d"] {
            assert!(throttle.reserve(Some(name), "1.1.1.1", now).is_ok());
        }
        assert!(throttle.reserve(Some("e"), "1.1.1.1", now).is_err());
        assert!(throttle.reserve(None, "1.1.1.1", now).is_err());
        assert!(throttle.reserve(None, "2.2.2.2", now).is_ok());
    }

    #[test]
    fn success_forgives_the_pair_and_a_forgotten_attempt_never_counted() {
        let throttle = LoginThrottle::new(2, 3, WINDOW);
        let now = Instant::now();
        let first = throttle.reserve(Some("wang"), "1.1.1.1", now).unwrap();
        let second = throttle.reserve(Some("wang"), "1.1.1.1", now).unwrap();
        assert!(throttle.reserve(Some("wang"), "1.1.1.1", now).is_err());
        throttle.succeeded(second);
        throttle.forget(first);
        for _ in 0..2 {
            assert!(throttle.reserve(Some("wang"), "1.1.1.1", now).is_ok());
        }
    }
}
