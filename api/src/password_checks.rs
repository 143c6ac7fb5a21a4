//! A bounded pool for argon2: checking a password at login, and hashing a new password or
//! client secret. Argon2 is built to cost memory and time, so at most one runs per core, each
//! on a blocking thread outside any database transaction; a few more may wait their turn, and
//! past that the request is refused at once (429) instead of piling threads and memory onto a
//! burst.

use std::sync::Arc;

use tokio::sync::Semaphore;

pub struct PasswordChecks {
    running: Arc<Semaphore>,
    /// Places for checks running or waiting to run.
    admitted: Arc<Semaphore>,
}

/// A check could not be admitted: the pool is full.
#[derive(Debug)]
pub struct Busy;

impl From<Busy> for crate::problem::AppError {
    fn from(_: Busy) -> Self {
        use crate::problem::{AppError, Kind};
        AppError {
            retry_after: Some(1),
            ..AppError::new(Kind::RateLimited).with_detail(
                "Too many password checks at once; try again in a second",
                "同时进行的密码校验过多，请稍后再试",
            )
        }
    }
}

/// Checks that may wait for each one running.
const WAITING_PER_CHECK: usize = 4;

impl PasswordChecks {
    /// A pool running `parallel` checks at once (the machine's cores when `None`).
    pub fn new(parallel: Option<usize>) -> Self {
        let parallel = parallel
            .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
            .unwrap_or(1)
            .max(1);
        Self {
            running: Arc::new(Semaphore::new(parallel)),
            admitted: Arc::new(Semaphore::new(parallel * (1 + WAITING_PER_CHECK))),
        }
    }

    /// Runs `check` on the pool: `Err(Busy)` at once when too many are running and waiting.
    pub async fn run<F, T>(&self, check: F) -> Result<T, Busy>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| Busy)?;
        let _running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Busy)?;
        tokio::task::spawn_blocking(check).await.map_err(|_| Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn past_the_waiting_places_a_check_is_refused_at_once() {
        let checks = Arc::new(PasswordChecks::new(Some(1)));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = Arc::new(std::sync::Mutex::new(wait));
        let mut running = Vec::new();
        for _ in 0..=WAITING_PER_CHECK {
            let (checks, wait) = (checks.clone(), wait.clone());
            running.push(tokio::spawn(async move {
                checks
                    .run(move || wait.lock().map(|w| w.recv().is_ok()).unwrap_or(false))
                    .await
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(checks.run(|| true).await.is_err(), "every place is taken");
        for _ in 0..=WAITING_PER_CHECK {
            release.send(()).unwrap();
        }
        for check in running {
            assert!(matches!(check.await, Ok(Ok(true))));
        }
        assert!(matches!(checks.run(|| true).await, Ok(true)));
    }
}
