//! The audit trail: append-only entries under keyed hashes (HMAC-SHA-256 under the audit key,
//! which the database does not hold), so that an entry changed or removed afterwards shows up
//! as a broken link even to someone who can write the database: they cannot compute the hashes
//! again.
//!
//! Entries are written in batches, one per writing transaction. Inside a batch each entry links
//! to the one before it (the first to [`GENESIS`]). When the transaction commits its batch is
//! sealed after the batch before it: its entries take the numbers that follow the previous
//! batch's last, and the batch gets a keyed hash over its first number, its key, its count,
//! its last entry's hash and the previous batch's hash. The chain's head (the last number and
//! the newest batch's hash) is sealed in `audit_chain` with its own keyed hash, so cutting the
//! newest entries away shows too.
//!
//! Only the sealing queues on the head row, for a few statements at commit: numbering entries
//! when they are appended made every writer wait for the whole of any transaction that had
//! appended first, so one import stopped every other write until it ended. Entries are
//! numbered in commit order all the same, which the change feed relies on (see `changes`).

mod upgrade;
mod verify;

use std::cell::RefCell;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use fupin_domain::scope::RegionScope;
use serde::Serialize;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::personal_data::PersonalDataKeys;
use crate::schema::{audit_batches, audit_chain, audit_entries};
use crate::DieselError;

pub use upgrade::batch_the_chain;
pub use verify::{verify, ChainBreak, ChainReport};

/// An entry as stored: its place is its batch and its ordinal there.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_entries)]
pub struct StoredEntry {
    pub id: String,
    pub batch_key: String,
    pub ordinal: i64,
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

/// An entry as read, numbered by its place in the sealed chain: queries that select it join
/// the entry's batch.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = audit_entries)]
pub struct AuditRow {
    #[diesel(
        select_expression = audit_batches::first_seq + audit_entries::ordinal,
        select_expression_type = diesel::dsl::Add<audit_batches::first_seq, audit_entries::ordinal>
    )]
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

/// A committed transaction's batch of entries, sealed in the chain.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_batches)]
pub struct SealedBatch {
    pub batch_key: String,
    /// The number before the batch's first entry: the previous batch's `last_seq`.
    pub first_seq: i64,
    pub last_seq: i64,
    pub last_hash: String,
    pub prev_mac: String,
    pub mac: String,
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

/// The link the first entry of a batch, and the first batch, point back to.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Entries held in memory before they are written: one multi-row insert instead of one
/// statement each, and a bound on what a long transaction keeps.
const WRITE_EVERY: usize = 500;

/// The content an entry's hash covers, in a fixed order. `seq` is the entry's ordinal in its
/// batch: entries written before batches were numbered so, and keep their hashes.
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

fn content_bytes(row: &StoredEntry) -> Vec<u8> {
    let content = HashedContent {
        seq: row.ordinal,
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
pub fn entry_hash(row: &StoredEntry, keys: &PersonalDataKeys) -> String {
    keys.audit_mac(&content_bytes(row))
}

/// The keyed hash that seals a batch after the one before it.
fn batch_mac(keys: &PersonalDataKeys, batch: &SealedBatch) -> String {
    let SealedBatch {
        batch_key,
        first_seq,
        last_seq,
        last_hash,
        prev_mac,
        ..
    } = batch;
    keys.audit_mac(
        format!("audit-batch\0{batch_key}\0{first_seq}\0{last_seq}\0{last_hash}\0{prev_mac}")
            .as_bytes(),
    )
}

/// The keyed hash that seals the head: the last number and the newest batch's hash.
fn head_mac(keys: &PersonalDataKeys, seq: i64, hash: &str) -> String {
    keys.audit_mac(format!("audit-chain-head\0{seq}\0{hash}").as_bytes())
}

/// The batch of the transaction in progress on this thread. A transaction runs on one thread
/// from start to commit (`in_transaction`).
struct OpenBatch {
    keys: PersonalDataKeys,
    key: String,
    appended: i64,
    last_hash: String,
    unwritten: Vec<StoredEntry>,
}

thread_local! {
    static OPEN: RefCell<Option<OpenBatch>> = const { RefCell::new(None) };
}

/// Appends an entry to the caller's transaction's batch; outside a transaction, in one of its
/// own.
pub fn append(
    conn: &mut DbConn,
    keys: &PersonalDataKeys,
    entry: NewAuditEntry,
) -> Result<(), StoreError> {
    if !in_a_transaction(conn)? {
        return crate::in_transaction(conn, |c| append(c, keys, entry));
    }
    let full = OPEN.with(|open| {
        let mut open = open.borrow_mut();
        let batch = open.get_or_insert_with(|| OpenBatch {
            keys: keys.clone(),
            key: uuid::Uuid::now_v7().to_string(),
            appended: 0,
            last_hash: GENESIS.to_owned(),
            unwritten: Vec::new(),
        });
        batch.appended += 1;
        let mut row = StoredEntry {
            id: uuid::Uuid::now_v7().to_string(),
            batch_key: batch.key.clone(),
            ordinal: batch.appended,
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
            prev_hash: std::mem::take(&mut batch.last_hash),
            hash: String::new(),
        };
        row.hash = entry_hash(&row, &batch.keys);
        batch.last_hash = row.hash.clone();
        batch.unwritten.push(row);
        batch.unwritten.len() >= WRITE_EVERY
    });
    if full {
        write_unwritten(conn)?;
    }
    Ok(())
}

fn in_a_transaction(conn: &mut DbConn) -> Result<bool, DieselError> {
    use diesel::connection::TransactionManager;
    type Manager = <DbConn as Connection>::TransactionManager;
    Ok(Manager::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .is_some())
}

/// Writes the entries held in memory.
fn write_unwritten(conn: &mut DbConn) -> Result<(), DieselError> {
    let rows = OPEN.with(|open| {
        open.borrow_mut()
            .as_mut()
            .map(|batch| std::mem::take(&mut batch.unwritten))
            .unwrap_or_default()
    });
    for chunk in rows.chunks(WRITE_EVERY) {
        crate::per_backend!(&mut *conn, c => diesel::insert_into(audit_entries::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Where the open batch stood when a savepoint began: what to go back to if it rolls back.
pub(crate) struct SavepointMark(Option<(i64, String)>);

/// Called as a savepoint begins: what the batch holds is written, so that a rollback of the
/// savepoint undoes in the database exactly what it appended.
pub(crate) fn savepoint_begins(conn: &mut DbConn) -> Result<SavepointMark, DieselError> {
    write_unwritten(conn)?;
    Ok(SavepointMark(OPEN.with(|open| {
        open.borrow()
            .as_ref()
            .map(|batch| (batch.appended, batch.last_hash.clone()))
    })))
}

/// Called when a savepoint rolled back: its entries are gone from the batch too.
pub(crate) fn savepoint_rolled_back(mark: SavepointMark) {
    OPEN.with(|open| {
        let mut open = open.borrow_mut();
        match (mark.0, open.as_mut()) {
            (None, _) => *open = None,
            (Some((appended, last_hash)), Some(batch)) => {
                batch.appended = appended;
                batch.last_hash = last_hash;
                batch.unwritten.clear();
            }
            (Some(_), None) => {}
        }
    });
}

/// Seals this thread's batch, if its transaction appended: called by `in_transaction` just
/// before it commits. The head row is locked from here to the commit (SQLite's writers hold
/// the database already), so batches are numbered in the order they become visible.
pub(crate) fn seal_batch(conn: &mut DbConn) -> Result<(), DieselError> {
    write_unwritten(conn)?;
    let Some(open) = OPEN.with(|open| open.borrow_mut().take()) else {
        return Ok(());
    };
    if open.appended == 0 {
        return Ok(());
    }
    let head = audit_chain::table
        .filter(audit_chain::id.eq(1))
        .select((audit_chain::seq, audit_chain::hash));
    let (first_seq, prev_mac) = match conn {
        DbConn::Postgres(pg) => head.for_update().first::<(i64, String)>(pg)?,
        DbConn::Sqlite(_) => head.first::<(i64, String)>(conn)?,
    };
    let mut batch = SealedBatch {
        batch_key: open.key,
        first_seq,
        last_seq: first_seq + open.appended,
        last_hash: open.last_hash,
        prev_mac,
        mac: String::new(),
    };
    batch.mac = batch_mac(&open.keys, &batch);
    diesel::insert_into(audit_batches::table)
        .values(&batch)
        .execute(conn)?;
    write_head(conn, &open.keys, batch.last_seq, &batch.mac)
}

/// Forgets a batch whose transaction rolled back, or that is not this transaction's.
pub(crate) fn forget_open_batch() {
    OPEN.with(|open| open.borrow_mut().take());
}

fn write_head(
    conn: &mut DbConn,
    keys: &PersonalDataKeys,
    seq: i64,
    hash: &str,
) -> Result<(), DieselError> {
    diesel::update(audit_chain::table.filter(audit_chain::id.eq(1)))
        .set((
            audit_chain::seq.eq(seq),
            audit_chain::hash.eq(hash),
            audit_chain::mac.eq(head_mac(keys, seq, hash)),
        ))
        .execute(conn)?;
    Ok(())
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
        .inner_join(audit_batches::table)
        .select(AuditRow::as_select())
        .order((
            audit_batches::first_seq.desc(),
            audit_entries::ordinal.desc(),
        ))
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
        query = query
            .filter(audit_batches::first_seq.lt(seq))
            .filter((audit_batches::first_seq + audit_entries::ordinal).lt(seq));
    }
    Ok(query.load(conn)?)
}
