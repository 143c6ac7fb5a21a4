//! Runs database work on the blocking pool: sync Diesel never runs on an actix worker thread.

use actix_web::web;
use fupin_persistence::{in_transaction, DbConn, DbPool, StoreError};

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

/// Runs work in one write transaction: it all happens, or none of it does.
pub async fn write<T, F>(pool: &DbPool, work: F) -> Result<T, Problem>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, Problem> + Send + 'static,
{
    read(pool, move |conn| in_transaction(conn, work)).await
}
