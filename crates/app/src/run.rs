//! Runs database work on the blocking pool: sync Diesel never waits on the network, or on a
//! long query, on an HTTP worker thread.

use std::sync::atomic::{AtomicUsize, Ordering};

use fupin_persistence::{in_transaction, DbConn, DbPool, StoreError};

use crate::error::AppError;

/// Runs read-only work on one pooled connection, outside a transaction (one round trip for a
/// single query).
pub async fn read<T, F>(pool: &DbPool, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = fupin_persistence::connection::checkout(&pool, pool.connection_timeout())?;
        work(&mut conn)
    })
    .await
    .map_err(|_| AppError::internal())?
}

/// Runs a read of a bounded number of rows by key (one record and its children).
///
/// On SQLite such a read is in-process work of some microseconds, shorter than handing it to
/// another thread and back; it runs here on the worker when a connection is free at once
/// (WAL readers do not wait for the writer). Otherwise, and on PostgreSQL, where a read waits
/// on the network, it goes to the blocking pool like any other read.
pub async fn point_read<T, F>(pool: &DbPool, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
{
    match pool.try_get() {
        Some(mut conn) if matches!(*conn, DbConn::Sqlite(_)) => work(&mut conn),
        Some(mut conn) => tokio::task::spawn_blocking(move || work(&mut conn))
            .await
            .map_err(|_| AppError::internal())?,
        None => read(pool, work).await,
    }
}

/// Runs work in one write transaction: it all happens, or none of it does.
pub async fn write<T, F>(pool: &DbPool, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
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
    tokio::task::spawn_blocking(move || {
        let _pending = pending;
        let written = pool
            .get()
            .map_err(StoreError::from)
            .and_then(|mut conn| work(&mut conn));
        if let Err(error) = written {
            tracing::warn!(%error, "a rendered copy was not kept");
        }
    });
}
