//! Bringing the chain written before batches into them (migration `…000017`).

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::{batch_mac, content_bytes, entry_hash, write_head, SealedBatch, StoredEntry, GENESIS};
use crate::connection::DbConn;
use crate::error::StoreError;
use crate::personal_data::PersonalDataKeys;
use crate::schema::{audit_batches, audit_chain, audit_entries};

/// The batch the migration put the entries written before batches in.
const BEFORE_BATCHES: &str = "before-batches";

/// The unkeyed hash entries carried before the chain was keyed (migration `…000016` added the
/// head's keyed hash; a chain whose head has none was never keyed).
fn unkeyed_hash(row: &StoredEntry) -> String {
    Sha256::digest(content_bytes(row))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks the entries written before batches as they were chained (unkeyed before the chain
/// was keyed), gives them keyed hashes if they had none, and seals them as the first batch.
/// A chain already broken is refused rather than sealed, which would hide the break.
pub fn batch_the_chain(conn: &mut DbConn, keys: &PersonalDataKeys) -> Result<(), StoreError> {
    let head_mac: String = audit_chain::table
        .filter(audit_chain::id.eq(1))
        .select(audit_chain::mac)
        .first(conn)?;
    let keyed = !head_mac.is_empty();
    let mut prev_as_stored = GENESIS.to_owned();
    let mut prev_keyed = GENESIS.to_owned();
    let mut count = 0;
    loop {
        let rows: Vec<StoredEntry> = audit_entries::table
            .filter(audit_entries::batch_key.eq(BEFORE_BATCHES))
            .filter(audit_entries::ordinal.gt(count))
            .order(audit_entries::ordinal.asc())
            .limit(1000)
            .select(StoredEntry::as_select())
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        for mut row in rows {
            let recomputed = if keyed {
                entry_hash(&row, keys)
            } else {
                unkeyed_hash(&row)
            };
            let reason = if row.ordinal != count + 1 {
                Some("an entry is missing before this one")
            } else if row.prev_hash != prev_as_stored {
                Some("it does not link to the entry before it")
            } else if recomputed != row.hash {
                Some("its content does not match its hash")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(StoreError::Corrupt(format!(
                    "the audit chain is broken at entry {} ({reason}) and is not sealed: \
                     restore the audit trail from a backup before upgrading",
                    row.ordinal
                )));
            }
            prev_as_stored = row.hash.clone();
            if !keyed {
                row.prev_hash = prev_keyed;
                row.hash = entry_hash(&row, keys);
                diesel::update(audit_entries::table.filter(audit_entries::id.eq(&row.id)))
                    .set((
                        audit_entries::prev_hash.eq(&row.prev_hash),
                        audit_entries::hash.eq(&row.hash),
                    ))
                    .execute(conn)?;
            }
            prev_keyed = row.hash;
            count += 1;
        }
    }
    if count == 0 {
        write_head(conn, keys, 0, GENESIS)?;
        return Ok(());
    }
    let mut batch = SealedBatch {
        batch_key: BEFORE_BATCHES.to_owned(),
        first_seq: 0,
        last_seq: count,
        last_hash: prev_keyed,
        prev_mac: GENESIS.to_owned(),
        mac: String::new(),
    };
    batch.mac = batch_mac(keys, &batch);
    diesel::insert_into(audit_batches::table)
        .values(&batch)
        .execute(conn)?;
    write_head(conn, keys, count, &batch.mac)?;
    Ok(())
}
