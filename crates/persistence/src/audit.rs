//! The audit trail: append-only entries, each chained to the one before by a keyed hash
//! (HMAC-SHA-256 under the audit key, which the database does not hold), so that an entry
//! changed or removed afterwards shows up as a broken link even to someone who can write the
//! database: they cannot compute the hashes again.
//!
//! The chain's head (the newest entry's number and hash) is sealed in `audit_chain` with its
//! own keyed hash when each writing transaction commits, so cutting the newest entries away
//! shows too: the head names an entry that is gone. It is sealed once per transaction, not
//! per entry (see [`append`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::personal_data::PersonalDataKeys;
use crate::schema::{audit_chain, audit_entries};
use crate::DieselError;

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

fn content_bytes(row: &AuditRow) -> Vec<u8> {
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
    serde_json::to_vec(&content).unwrap_or_default()
}

/// The hash an entry must carry: keyed, from its content and its predecessor's hash.
pub fn entry_hash(row: &AuditRow, keys: &PersonalDataKeys) -> String {
    keys.audit_mac(&content_bytes(row))
}

/// The unkeyed hash entries carried before the chain was keyed (see [`key_the_chain`]).
fn unkeyed_hash(row: &AuditRow) -> String {
    Sha256::digest(content_bytes(row))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The keyed hash that seals the head: the newest entry's number and hash.
fn head_mac(keys: &PersonalDataKeys, seq: i64, hash: &str) -> String {
    keys.audit_mac(format!("audit-chain-head\0{seq}\0{hash}").as_bytes())
}

thread_local! {
    /// The keys of an append made on this thread whose transaction has not sealed the head.
    /// A transaction runs on one thread from start to commit (`in_transaction`).
    static UNSEALED: std::cell::RefCell<Option<PersonalDataKeys>> = const { std::cell::RefCell::new(None) };
}

/// Appends an entry in the caller's transaction, after the latest one.
///
/// Appenders queue on the chain-head row until their transaction ends, so the chain never
/// forks and entries become visible in sequence order (the change feed relies on it). On
/// PostgreSQL the queue is a `SELECT … FOR UPDATE` of that row, not an `UPDATE`: rewriting one
/// row for every entry left a version per entry in a long transaction, which every later
/// statement walked, so an import of n households cost n². The head is therefore sealed once,
/// when the transaction commits (`in_transaction` calls [`seal_head`]). SQLite's writers are
/// serialised by `BEGIN IMMEDIATE` already. The predecessor is the entry with the highest
/// sequence number.
pub fn append(
    conn: &mut DbConn,
    keys: &PersonalDataKeys,
    entry: NewAuditEntry,
) -> Result<AuditRow, StoreError> {
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
    row.hash = entry_hash(&row, keys);
    diesel::insert_into(audit_entries::table)
        .values(&row)
        .execute(conn)?;
    UNSEALED.with(|unsealed| *unsealed.borrow_mut() = Some(keys.clone()));
    Ok(row)
}

/// Seals the head when this thread appended since the last seal: called by `in_transaction`
/// before it commits. The head is read from the table, not remembered, so entries a rolled-back
/// savepoint removed are not sealed.
pub(crate) fn seal_head(conn: &mut DbConn) -> Result<(), DieselError> {
    let Some(keys) = UNSEALED.with(|unsealed| unsealed.borrow_mut().take()) else {
        return Ok(());
    };
    write_head(conn, &keys)
}

/// Forgets an append whose transaction rolled back.
pub(crate) fn forget_unsealed() {
    UNSEALED.with(|unsealed| unsealed.borrow_mut().take());
}

fn write_head(conn: &mut DbConn, keys: &PersonalDataKeys) -> Result<(), DieselError> {
    let (seq, hash) = audit_entries::table
        .order(audit_entries::seq.desc())
        .select((audit_entries::seq, audit_entries::hash))
        .first::<(i64, String)>(conn)
        .optional()?
        .unwrap_or_else(|| (0, GENESIS.to_owned()));
    let mac = head_mac(keys, seq, &hash);
    diesel::update(audit_chain::table.filter(audit_chain::id.eq(1)))
        .set((
            audit_chain::seq.eq(seq),
            audit_chain::hash.eq(&hash),
            audit_chain::mac.eq(mac),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keys a chain made before keyed hashes (migration `…000016`): checks it with the unkeyed
/// hash, then gives every entry its keyed hash and link, and seals the head. A chain already
/// broken is refused rather than keyed, which would hide the break.
pub fn key_the_chain(conn: &mut DbConn, keys: &PersonalDataKeys) -> Result<(), StoreError> {
    let mut prev_unkeyed = GENESIS.to_owned();
    let mut prev_keyed = GENESIS.to_owned();
    let mut next_seq = 1;
    loop {
        let batch = entries_from(conn, next_seq)?;
        if batch.is_empty() {
            break;
        }
        for mut row in batch {
            if let Some(reason) = break_in(&row, next_seq, &prev_unkeyed, &unkeyed_hash(&row)) {
                return Err(StoreError::Corrupt(format!(
                    "the audit chain is broken at entry {} ({reason}) and is not keyed: \
                     restore the audit trail from a backup before upgrading",
                    row.seq
                )));
            }
            prev_unkeyed = row.hash.clone();
            row.prev_hash = prev_keyed;
            row.hash = entry_hash(&row, keys);
            diesel::update(audit_entries::table.filter(audit_entries::seq.eq(row.seq)))
                .set((
                    audit_entries::prev_hash.eq(&row.prev_hash),
                    audit_entries::hash.eq(&row.hash),
                ))
                .execute(conn)?;
            prev_keyed = row.hash;
            next_seq += 1;
        }
    }
    write_head(conn, keys)?;
    Ok(())
}

/// The next thousand entries from `seq` on, in order: chains are walked a batch at a time.
fn entries_from(conn: &mut DbConn, seq: i64) -> Result<Vec<AuditRow>, DieselError> {
    audit_entries::table
        .filter(audit_entries::seq.ge(seq))
        .order(audit_entries::seq.asc())
        .limit(1000)
        .select(AuditRow::as_select())
        .load(conn)
}

/// Why `row` does not hold as the entry `expected_seq` after an entry hashed `expected_prev`.
fn break_in(
    row: &AuditRow,
    expected_seq: i64,
    expected_prev: &str,
    recomputed: &str,
) -> Option<&'static str> {
    if row.seq != expected_seq {
        Some("an entry is missing before this one")
    } else if row.prev_hash != expected_prev {
        Some("it does not link to the entry before it")
    } else if recomputed != row.hash {
        Some("its content does not match its hash")
    } else {
        None
    }
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
    /// The newest entry as the sealed head names it.
    pub sealed_head: i64,
}

/// Walks the chain from the first entry, in batches, recomputing every keyed hash and link,
/// then checks the sealed head: its own hash, and that the entry it names is there with the
/// hash it names. The head is read first, so entries committed while the walk runs are
/// checked like the others and do not count as a break.
pub fn verify(conn: &mut DbConn, keys: &PersonalDataKeys) -> Result<ChainReport, StoreError> {
    let (head_seq, head_hash, mac) = audit_chain::table
        .filter(audit_chain::id.eq(1))
        .select((audit_chain::seq, audit_chain::hash, audit_chain::mac))
        .first::<(i64, String, String)>(conn)?;
    let head_holds = mac == head_mac(keys, head_seq, &head_hash);
    let mut expected_prev = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut checked = 0;
    let report = |checked, first_broken| ChainReport {
        entries_checked: checked,
        first_broken,
        sealed_head: head_seq,
    };
    if !head_holds {
        return Ok(report(
            0,
            Some((head_seq, "the sealed head of the chain was altered")),
        ));
    }
    loop {
        let batch = entries_from(conn, expected_seq)?;
        if batch.is_empty() {
            break;
        }
        for row in &batch {
            let recomputed = entry_hash(row, keys);
            let broken = break_in(row, expected_seq, &expected_prev, &recomputed).or_else(|| {
                (row.seq == head_seq && row.hash != head_hash)
                    .then_some("it is not the entry the sealed head names")
            });
            if let Some(reason) = broken {
                return Ok(report(checked, Some((row.seq, reason))));
            }
            checked += 1;
            expected_seq += 1;
            expected_prev = row.hash.clone();
        }
    }
    if checked < head_seq {
        let missing = (
            checked + 1,
            "this entry and those after it up to the sealed head are gone",
        );
        return Ok(report(checked, Some(missing)));
    }
    Ok(report(checked, None))
}
