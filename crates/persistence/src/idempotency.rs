//! Stored answers to POSTs sent with an `Idempotency-Key`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::idempotency_keys;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct StoredResponse {
    pub idempotency_key: String,
    pub request_method: String,
    pub request_path: String,
    pub request_hash: String,
    pub response_status: i32,
    pub response_body: String,
    pub response_etag: Option<String>,
    pub response_location: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn find(
    conn: &mut DbConn,
    key: &str,
    method: &str,
    path: &str,
) -> Result<Option<StoredResponse>, StoreError> {
    Ok(idempotency_keys::table
        .filter(idempotency_keys::idempotency_key.eq(key))
        .filter(idempotency_keys::request_method.eq(method))
        .filter(idempotency_keys::request_path.eq(path))
        .select(StoredResponse::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, response: &StoredResponse) -> Result<(), StoreError> {
    diesel::insert_into(idempotency_keys::table)
        .values(response)
        .execute(conn)?;
    Ok(())
}

/// Deletes every stored answer recorded before `cutoff`; returns how many.
pub fn purge_recorded_before(
    conn: &mut DbConn,
    cutoff: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
            .execute(conn)?,
    )
}
