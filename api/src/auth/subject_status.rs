//! Whether a token's subject is disabled, remembered for a few seconds, so that a disabled
//! account loses access within seconds without a database read on every request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A subject's status as last read, and whether a request is reading it again.
#[derive(Debug, Clone, Copy)]
struct Known {
    disabled: bool,
    read_at: Instant,
    rereading: bool,
}

/// What a request is to do about its subject's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Disabled(bool),
    /// Read it from the database, then `remember` it.
    Read,
}

pub struct SubjectStatus {
    known: Mutex<HashMap<String, Known>>,
    ttl: Duration,
}

impl SubjectStatus {
    pub fn new(ttl: Duration) -> Self {
        Self {
            known: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    /// When the status has expired, one request reads it again while the others go on with
    /// the status just expired, for at most one more `ttl`: otherwise every request in flight
    /// for that subject reads it at once, and they all queue for the blocking pool and its
    /// connections together.
    pub fn lookup(&self, subject: &str, now: Instant) -> Lookup {
        let Ok(mut known) = self.known.lock() else {
            return Lookup::Read;
        };
        let Some(entry) = known.get_mut(subject) else {
            return Lookup::Read;
        };
        let age = now.saturating_duration_since(entry.read_at);
        if age < self.ttl || (entry.rereading && age < self.ttl * 2) {
            Lookup::Disabled(entry.disabled)
        } else {
            entry.rereading = true;
            Lookup::Read
        }
    }

    pub fn remember(&self, subject: &str, disabled: bool, now: Instant) {
        if let Ok(mut known) = self.known.lock() {
            if known.len() > 10_000 {
                known.clear();
            }
            let entry = Known {
                disabled,
                read_at: now,
                rereading: false,
            };
            known.insert(subject.to_owned(), entry);
        }
    }

    /// Forgets a subject at once (after disabling or enabling it here).
    pub fn forget(&self, subject: &str) {
        if let Ok(mut known) = self.known.lock() {
            known.remove(subject);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(5);

    #[test]
    fn an_expired_status_is_read_again_by_one_request_while_the_others_go_on() {
        let status = SubjectStatus::new(TTL);
        let start = Instant::now();
        assert_eq!(status.lookup("u", start), Lookup::Read);
        status.remember("u", false, start);
        assert_eq!(status.lookup("u", start + TTL / 2), Lookup::Disabled(false));

        let expired = start + TTL + Duration::from_millis(1);
        assert_eq!(status.lookup("u", expired), Lookup::Read);
        assert_eq!(status.lookup("u", expired), Lookup::Disabled(false));
        status.remember("u", true, expired);
        assert_eq!(status.lookup("u", expired), Lookup::Disabled(true));
    }

    #[test]
    fn a_reread_that_never_came_back_does_not_stretch_the_status_past_twice_its_life() {
        let status = SubjectStatus::new(TTL);
        let start = Instant::now();
        status.remember("u", false, start);
        assert_eq!(status.lookup("u", start + TTL), Lookup::Read);
        assert_eq!(status.lookup("u", start + TTL * 2), Lookup::Read);
        assert_eq!(status.lookup("u", start + TTL * 2), Lookup::Read);
    }

    #[test]
    fn a_forgotten_subject_is_read_at_once() {
        let status = SubjectStatus::new(TTL);
        let start = Instant::now();
        status.remember("u", false, start);
        status.forget("u");
        assert_eq!(status.lookup("u", start), Lookup::Read);
    }
}
