//! The change feed: the audit trail's changes to records, read forwards by sequence number.
//!
//! Why a reader resuming from its last sequence number never misses an entry nor sees one
//! twice, even while writers commit concurrently: every change appends its audit entry inside
//! the writing transaction, and the transaction's entries are numbered only as it commits, by
//! `audit::seal_batch`, which locks the single chain-head row until the commit (on SQLite,
//! `BEGIN IMMEDIATE` lets only one writer in at a time). So the next transaction cannot take
//! numbers before the previous one is committed, a rolled-back one takes none, and the
//! committed entries are always exactly 1..=n: an entry with a higher number can only become
//! visible after every lower one is.

use diesel::prelude::*;
use fupin_domain::scope::RegionScope;

use crate::audit::AuditRow;
use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::{audit_batches, audit_entries};

/// Audit entries that are not changes to registry records: accounts, sessions and reads.
const NOT_RECORDS: [&str; 3] = ["user", "client", "session"];

/// Up to `limit` changes after `after_seq`, oldest first, in scope, optionally of one entity type.
pub fn after(
    conn: &mut DbConn,
    scope: &RegionScope,
    after_seq: i64,
    entity_type: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    let mut query = audit_entries::table
        .inner_join(audit_batches::table)
        .filter(audit_batches::last_seq.gt(after_seq))
        .filter((audit_batches::first_seq + audit_entries::ordinal).gt(after_seq))
        .filter(audit_entries::entity_type.ne_all(NOT_RECORDS))
        .filter(audit_entries::action.not_like("read%"))
        // Batches never overlap, so their last numbers order them as their first do; this way
        // the index that finds the first batch after the cursor also gives the order.
        .order((audit_batches::last_seq.asc(), audit_entries::ordinal.asc()))
        .limit(limit)
        .select(AuditRow::as_select())
        .into_boxed();
    if let Some((low, high)) = scope.code_range() {
        query = query.filter(audit_entries::region_code.between(low, high));
    }
    if let Some(entity_type) = entity_type {
        query = query.filter(audit_entries::entity_type.eq(entity_type.to_owned()));
    }
    Ok(query.load(conn)?)
}
