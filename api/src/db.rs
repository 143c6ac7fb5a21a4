//! Runs database work on the blocking pool: sync Diesel never waits on the network, or on a
//! long query, on an actix worker thread.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::web;
use fupin_persistence::pg_reads::PgReadPool;
use fupin_persistence::{in_transaction, DbConn, DbPool, StoreError};

use crate::workflows::kept_renders::KeptRenders;
use crate::workflows::{household_list, household_views};
use crate::PgReadSettings;

use crate::problem::Problem;

/// Runs read-only work on one pooled connection, outside a transaction (one round trip for a
/// single query).
pub async fn read<T, F>(pool: &DbPool, work: F) -> Result<T, Problem>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, Problem> + Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get().map_err(StoreError::from)?;
        work(&mut conn)
    })
    .await
    .map_err(|_| Problem::internal())?
}

/// Runs a read of a bounded number of rows by key (one record and its children).
///
/// On SQLite such a read is in-process work of some microseconds, shorter than handing it to
/// another thread and back; it runs here on the worker when a connection is free at once
/// (WAL readers do not wait for the writer). Otherwise, and on PostgreSQL, where a read waits
/// on the network, it goes to the blocking pool like any other read.
pub async fn point_read<T, F>(pool: &DbPool, work: F) -> Result<T, Problem>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, Problem> + Send + 'static,
{
    match pool.try_get() {
        Some(mut conn) if matches!(*conn, DbConn::Sqlite(_)) => work(&mut conn),
        Some(mut conn) => web::block(move || work(&mut conn))
            .await
            .map_err(|_| Problem::internal())?,
        None => read(pool, work).await,
    }
}

/// Runs work in one write transaction: it all happens, or none of it does.
pub async fn write<T, F>(pool: &DbPool, work: F) -> Result<T, Problem>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, Problem> + Send + 'static,
{
    read(pool, move |conn| in_transaction(conn, work)).await
}

/// Copies kept after an answer has gone (see `keep_copy_later`) that may be pending at once.
const PENDING_COPIES: usize = 4;
static COPIES_PENDING: AtomicUsize = AtomicUsize::new(0);

/// Counts a pending copy for as long as it lives, however its task ends.
struct PendingCopy;

impl PendingCopy {
    fn take() -> Option<Self> {
        let before = COPIES_PENDING.fetch_add(1, Ordering::AcqRel);
        if before >= PENDING_COPIES {
            COPIES_PENDING.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Self)
    }
}

impl Drop for PendingCopy {
    fn drop(&mut self) {
        COPIES_PENDING.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Writes a copy that only spares later reads some work (a rendered view), on the blocking
/// pool, without holding up the answer that rendered it. When a few are pending already it is
/// not written: losing it costs the next read a render, while queueing without bound would
/// hold up every other request's database work.
pub fn keep_copy_later<F>(pool: &DbPool, work: F)
where
    F: FnOnce(&mut DbConn) -> Result<(), StoreError> + Send + 'static,
{
    let Some(pending) = PendingCopy::take() else {
        return;
    };
    let pool = pool.clone();
    actix_web::rt::spawn(async move {
        let written = web::block(move || {
            let _pending = pending;
            let mut conn = pool.get().map_err(StoreError::from)?;
            work(&mut conn)
        })
        .await;
        if let Ok(Err(error)) = written {
            tracing::warn!(%error, "a rendered copy was not kept");
        }
    });
}

/// What household reads use beside the shared pool: one HTTP worker's async PostgreSQL pool,
/// when there is one, and what the process keeps rendered.
#[derive(Debug, Clone)]
pub struct HouseholdReads {
    pub pg: Option<PgReadPool>,
    pub kept: KeptForReads,
}

/// What a process keeps rendered for household reads, made once and shared by its workers:
/// the masked answers of `GET /households/{id}` and the list items of `GET /households`.
#[derive(Debug, Clone)]
pub struct KeptForReads {
    pub answers: Arc<KeptRenders>,
    pub list_items: Arc<KeptRenders>,
}

impl Default for KeptForReads {
    fn default() -> Self {
        Self {
            answers: Arc::new(KeptRenders::with_budget(household_views::ANSWERS_BUDGET)),
            list_items: Arc::new(KeptRenders::with_budget(household_list::ITEMS_BUDGET)),
        }
    }
}

impl HouseholdReads {
    pub fn for_worker(settings: Option<&PgReadSettings>, kept: KeptForReads) -> Self {
        let pg = settings.and_then(|s| {
            match PgReadPool::new(&s.url, s.per_worker, s.checkout_timeout) {
                Ok(pool) => Some(pool),
                Err(error) => {
                    tracing::warn!(%error, "household reads use the shared pool");
                    None
                }
            }
        });
        Self { pg, kept }
    }
}
