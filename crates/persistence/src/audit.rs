//! The audit trail: append-only entries, each chained to the one before by a SHA-256 hash, so
//! that an entry changed or removed afterwards shows up as a broken link.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::schema::audit_entries;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_entries)]
pub struct AuditRow {
    pub seq: i64,
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: String,
    pub actor_name: String,
    pub role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub region_code: Option<String>,
    pub request_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// What happened, before it is numbered and chained.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    pub at: NaiveDateTime,
    pub actor_id: String,
    pub actor_name: String,
    pub role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub region_code: Option<String>,
    pub request_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// The link the first entry points back to.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The content an entry's hash covers, in a fixed order.
#[derive(Serialize)]
struct HashedContent<'a> {
    seq: i64,
    id: &'a str,
    at: String,
    actor_id: &'a str,
    actor_name: &'a str,
    role: &'a str,
    action: &'a str,
    entity_type: &'a str,
    entity_id: &'a str,
    region_code: Option<&'a str>,
    request_id: Option<&'a str>,
    before_json: Option<&'a str>,
    after_json: Option<&'a str>,
    prev_hash: &'a str,
}

/// The hash an entry must carry, from its content and its predecessor's hash.
pub fn entry_hash(row: &AuditRow) -> String {
    let content = HashedContent {
        seq: row.seq,
        id: &row.id,
        at: row.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        actor_id: &row.actor_id,
        actor_name: &row.actor_name,
        role: &row.role,
        action: &row.action,
        entity_type: &row.entity_type,
        entity_id: &row.entity_id,
        region_code: row.region_code.as_deref(),
        request_id: row.request_id.as_deref(),
        before_json: row.before_json.as_deref(),
        after_json: row.after_json.as_deref(),
        prev_hash: &row.prev_hash,
    };
    let bytes = serde_json::to_vec(&content).unwrap_or_default();
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Appends an entry in the caller's transaction, after the latest one.
///
/// Appenders queue on the chain-head row until their transaction ends, so the chain never
/// forks and entries become visible in sequence order (the change feed relies on it). On
/// PostgreSQL the queue is a `SELECT … FOR UPDATE` of that row, not an `UPDATE`: rewriting one
/// row for every entry left a version per entry in a long transaction, which every later
/// statement walked, so an import of n households cost n². SQLite's writers are serialised by
/// `BEGIN IMMEDIATE` already. The predecessor is the entry with the highest sequence number.
pub fn append(conn: &mut DbConn, entry: NewAuditEntry) -> Result<AuditRow, StoreError> {
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM audit_chain WHERE id = 1 FOR UPDATE").execute(pg)?;
    }
    let last: Option<(i64, String)> = audit_entries::table
        .order(audit_entries::seq.desc())
        .select((audit_entries::seq, audit_entries::hash))
        .first(conn)
        .optional()?;
    let (previous_seq, prev_hash) = last.unwrap_or_else(|| (0, GENESIS.to_owned()));
    let seq = previous_seq + 1;
    let mut row = AuditRow {
        seq,
        id: uuid::Uuid::now_v7().to_string(),
        at: entry.at,
        actor_id: entry.actor_id,
        actor_name: entry.actor_name,
        role: entry.role,
        action: entry.action,
        entity_type: entry.entity_type,
        entity_id: entry.entity_id,
        region_code: entry.region_code,
        request_id: entry.request_id,
        before_json: entry.before_json,
        after_json: entry.after_json,
        prev_hash,
        hash: String::new(),
    };
    row.hash = entry_hash(&row);
    diesel::insert_into(audit_entries::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// Filters of the audit list; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// One page of entries in scope, newest first, before `before_seq`. Entries that concern no
/// region (failed logins of unknown names) are included only with `include_regionless`.
pub fn list(
    conn: &mut DbConn,
    scope: &RegionScope,
    include_regionless: bool,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    let mut query = audit_entries::table
        .select(AuditRow::as_select())
        .order(audit_entries::seq.desc())
        .limit(limit)
        .into_boxed();
    match (scope.code_range(), include_regionless) {
        (Some((low, high)), false) => {
            query = query.filter(audit_entries::region_code.between(low, high))
        }
        (Some((low, high)), true) => {
            query = query.filter(
                audit_entries::region_code
                    .between(low, high)
                    .or(audit_entries::region_code.is_null()),
            )
        }
        (None, _) => {}
    }
    if let Some(value) = &filter.entity_type {
        query = query.filter(audit_entries::entity_type.eq(value.clone()));
    }
    if let Some(value) = &filter.entity_id {
        query = query.filter(audit_entries::entity_id.eq(value.clone()));
    }
    if let Some(value) = &filter.actor_id {
        query = query.filter(audit_entries::actor_id.eq(value.clone()));
    }
    if let Some(value) = &filter.action {
        query = query.filter(audit_entries::action.eq(value.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_entries::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_entries::at.lt(to));
    }
    if let Some(seq) = before_seq {
        query = query.filter(audit_entries::seq.lt(seq));
    }
    Ok(query.load(conn)?)
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub entries_checked: i64,
    /// The first entry whose hash or link does not hold, and why.
    pub first_broken: Option<(i64, &'static str)>,
}

/// Walks the chain from the first entry, in batches, recomputing every hash and link.
pub fn verify(conn: &mut DbConn) -> Result<ChainReport, StoreError> {
    let mut expected_prev = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut checked = 0;
    loop {
        let batch: Vec<AuditRow> = audit_entries::table
            .filter(audit_entries::seq.ge(expected_seq))
            .order(audit_entries::seq.asc())
            .limit(1000)
            .select(AuditRow::as_select())
            .load(conn)?;
        if batch.is_empty() {
            break;
        }
        for row in &batch {
            let broken = if row.seq != expected_seq {
                Some("an entry is missing before this one")
            } else if row.prev_hash != expected_prev {
                Some("it does not link to the entry before it")
            } else if entry_hash(row) != row.hash {
                Some("its content does not match its hash")
            } else {
                None
            };
            if let Some(reason) = broken {
                return Ok(ChainReport {
                    entries_checked: checked,
                    first_broken: Some((row.seq, reason)),
                });
            }
            checked += 1;
            expected_seq += 1;
            expected_prev = row.hash.clone();
        }
    }
    Ok(ChainReport {
        entries_checked: checked,
        first_broken: None,
    })
}
