//! Households' current versions, asked for together: the reads that wait at the same moment on
//! one actix worker share one query.
//!
//! A read that holds a rendered answer only needs the household's version, one row by key.
//! On PostgreSQL the cost of such a lookup is almost all per statement (the round trip, the
//! executor's start and end); the row itself is a few microseconds. So while one lookup is on
//! its way, the reads that arrive meanwhile wait, and go together as the next one:
//! `WHERE id = ANY($1)`. No read waits for a timer, and none is answered from a result older
//! than its own arrival, so a read still sees every change committed before it came.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use fupin_domain::scope::RegionScope;
use tokio::sync::oneshot;

use crate::error::StoreError;
use crate::pg_reads::PgReadPool;
use crate::schema::households;

/// The most households one lookup asks for; more waiting reads go in the lookup after.
const MOST_PER_LOOKUP: usize = 256;

/// The version checks of one actix worker.
#[derive(Debug, Default)]
pub struct VersionChecks {
    state: Mutex<Checks>,
}

#[derive(Debug, Default)]
struct Checks {
    lookup_running: bool,
    waiting: Vec<Waiting>,
}

#[derive(Debug)]
struct Waiting {
    id: String,
    code_range: Option<(String, String)>,
    answer: oneshot::Sender<Result<i64, StoreError>>,
}

/// A household's version and where it is.
type Found = (i64, String);

impl VersionChecks {
    fn state(&self) -> MutexGuard<'_, Checks> {
        // The state is a queue and a flag that every step leaves consistent: a panic elsewhere
        // while it was held leaves nothing half done.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The household's current version, `NotFound` when there is no such household in scope.
    /// Lookups run on `reads`, the worker's pool.
    pub(crate) async fn current_version(
        self: &Arc<Self>,
        reads: &PgReadPool,
        scope: &RegionScope,
        id: &str,
    ) -> Result<i64, StoreError> {
        let (answer, answered) = oneshot::channel();
        let start_lookups = {
            let mut state = self.state();
            state.waiting.push(Waiting {
                id: id.to_owned(),
                code_range: scope.code_range(),
                answer,
            });
            !std::mem::replace(&mut state.lookup_running, true)
        };
        if start_lookups {
            let (checks, reads) = (Arc::clone(self), reads.clone());
            tokio::spawn(async move { checks.run_lookups(&reads).await });
        }
        answered.await.map_err(|_| {
            StoreError::Unavailable("the version lookup ended without an answer".into())
        })?
    }

    /// Runs lookups for as long as reads are waiting.
    async fn run_lookups(&self, reads: &PgReadPool) {
        // Whatever way this task ends, the next read starts lookups again, and the reads it
        // leaves waiting get an error instead of waiting for ever.
        let _running = LookupsRunning(self);
        loop {
            let batch = {
                let mut state = self.state();
                let take = state.waiting.len().min(MOST_PER_LOOKUP);
                if take == 0 {
                    return;
                }
                state.waiting.drain(..take).collect::<Vec<_>>()
            };
            let found = look_up(reads, &batch).await;
            answer(batch, found);
        }
    }
}

struct LookupsRunning<'a>(&'a VersionChecks);

impl Drop for LookupsRunning<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.lookup_running = false;
        state.waiting.clear();
    }
}

async fn look_up(
    reads: &PgReadPool,
    batch: &[Waiting],
) -> Result<HashMap<String, Found>, StoreError> {
    let mut ids: Vec<&str> = batch.iter().map(|waiting| waiting.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut conn = reads.connection().await?;
    let rows: Vec<(String, i64, String)> = households::table
        .filter(households::id.eq_any(&ids))
        .select((households::id, households::version, households::region_code))
        .load(&mut conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, version, region_code)| (id, (version, region_code)))
        .collect())
}

fn answer(batch: Vec<Waiting>, found: Result<HashMap<String, Found>, StoreError>) {
    for waiting in batch {
        let result = match &found {
            Ok(rows) => in_scope(rows.get(&waiting.id), &waiting.code_range),
            Err(error) => Err(StoreError::Unavailable(error.to_string())),
        };
        // A read whose client has gone no longer listens; nothing is lost.
        let _ = waiting.answer.send(result);
    }
}

/// The version of a household found, when its region is in the range of codes the reader may
/// see (the `BETWEEN` of the single-household queries).
fn in_scope(
    found: Option<&Found>,
    code_range: &Option<(String, String)>,
) -> Result<i64, StoreError> {
    match (found, code_range) {
        (Some((version, _)), None) => Ok(*version),
        (Some((version, code)), Some((low, high))) if low <= code && code <= high => Ok(*version),
        _ => Err(StoreError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn range(low: &str, high: &str) -> Option<(String, String)> {
        Some((low.to_owned(), high.to_owned()))
    }

    #[test]
    fn a_household_outside_the_readers_range_is_not_found() {
        let found = (3, "610117001001".to_owned());
        assert_eq!(in_scope(Some(&found), &None).unwrap(), 3);
        let town = range("610117001000", "610117001999");
        assert_eq!(in_scope(Some(&found), &town).unwrap(), 3);
        let other_town = range("610117002000", "610117002999");
        assert!(matches!(
            in_scope(Some(&found), &other_town),
            Err(StoreError::NotFound)
        ));
        assert!(matches!(in_scope(None, &None), Err(StoreError::NotFound)));
    }

    #[tokio::test]
    async fn reads_waiting_together_all_get_the_failure_of_their_lookup() {
        // Nothing listens on the discard port: the connection is refused at once.
        let reads = PgReadPool::new(
            "postgres://fupin@127.0.0.1:9/fupin",
            1,
            Duration::from_secs(5),
        )
        .unwrap();
        let checks = Arc::new(VersionChecks::default());
        let scope = RegionScope::Everything;
        let (first, second) = tokio::join!(
            checks.current_version(&reads, &scope, "a"),
            checks.current_version(&reads, &scope, "b"),
        );
        assert!(
            matches!(first, Err(StoreError::Unavailable(_))),
            "{first:?}"
        );
        assert!(
            matches!(second, Err(StoreError::Unavailable(_))),
            "{second:?}"
        );
        // The lookups stopped, and the next read starts them again.
        let third = checks.current_version(&reads, &scope, "c").await;
        assert!(
            matches!(third, Err(StoreError::Unavailable(_))),
            "{third:?}"
        );
        assert!(!checks.state().lookup_running);
    }

    #[tokio::test]
    async fn a_lookup_that_gets_no_connection_in_time_answers_unavailable_and_stops() {
        // A server that takes the connection and never answers the start-up message.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("postgres://fupin@{}/fupin", silent.local_addr().unwrap());
        let reads = PgReadPool::new(&url, 1, Duration::from_millis(100)).unwrap();
        let checks = Arc::new(VersionChecks::default());
        let read = tokio::time::timeout(
            Duration::from_secs(5),
            checks.current_version(&reads, &RegionScope::Everything, "a"),
        )
        .await
        .expect("the lookup gives up after its checkout timeout");
        assert!(matches!(read, Err(StoreError::Unavailable(_))), "{read:?}");
        assert!(!checks.state().lookup_running);
    }
}
