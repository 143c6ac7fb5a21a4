//! Reads for bulk export and import: the members of a page of households in one query, and
//! the registry-wide lookup of a household number that makes an import idempotent.

use diesel::prelude::*;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::members::MemberRow;
use crate::schema::{households, members};

/// All members (current and former) of the given households, by household then id. The
/// caller has read the households in its scope already, so this needs no scope of its own.
pub fn members_of(
    conn: &mut DbConn,
    household_ids: &[String],
) -> Result<Vec<MemberRow>, StoreError> {
    if household_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(members::table
        .filter(members::household_id.eq_any(household_ids))
        .order((members::household_id.asc(), members::id.asc()))
        .select(MemberRow::as_select())
        .load(conn)?)
}

/// The id and village of the household with this number anywhere in the registry.
/// Deliberately unscoped: household numbers are unique in the whole registry, as
/// `POST /households` enforces; the caller decides what an out-of-scope match may reveal.
pub fn household_by_number(
    conn: &mut DbConn,
    household_number: &str,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(households::table
        .filter(households::household_number.eq(household_number))
        .select((households::id, households::region_code))
        .first(conn)
        .optional()?)
}

/// Runs `work` in a savepoint of the transaction in progress: when it fails, what it wrote is
/// undone and the transaction goes on (on PostgreSQL a failed statement would otherwise abort
/// the whole transaction), entries it appended to the audit trail included.
pub fn in_savepoint<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let mark = crate::audit::savepoint_begins(conn)?;
    let outcome = conn.transaction(work);
    if outcome.is_err() {
        crate::audit::savepoint_rolled_back(mark);
    }
    outcome
}

/// Refreshes PostgreSQL's statistics of the tables an import grows. Without them (autovacuum
/// may be off, or behind) the planner keeps the plans of the tables' earlier, smaller size:
/// an import into a new registry ran at a third of its speed until `ANALYZE`.
pub fn refresh_statistics(conn: &mut DbConn) -> Result<(), StoreError> {
    if let DbConn::Postgres(pg) = conn {
        use diesel::connection::SimpleConnection;
        pg.batch_execute("ANALYZE households, members, audit_entries")?;
    }
    Ok(())
}
