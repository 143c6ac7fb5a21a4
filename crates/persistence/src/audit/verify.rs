//! Checking the whole chain with the audit key.

use diesel::prelude::*;

use super::{batch_mac, entry_hash, head_mac, SealedBatch, StoredEntry, GENESIS};
use crate::connection::DbConn;
use crate::error::StoreError;
use crate::personal_data::PersonalDataKeys;
use crate::schema::{audit_batches, audit_chain, audit_entries};

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub entries_checked: i64,
    /// The first entry whose hash or link does not hold, and why.
    pub first_broken: Option<ChainBreak>,
    /// The last number the sealed head names.
    pub sealed_head: i64,
}

/// Where the chain first does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The entry's number; none for entries that belong to no sealed transaction.
    pub seq: Option<i64>,
    pub reason: &'static str,
}

fn broken(seq: i64, reason: &'static str) -> Option<ChainBreak> {
    Some(ChainBreak {
        seq: Some(seq),
        reason,
    })
}

/// How many entries a step of the walk reads.
const READ_EVERY: i64 = 1000;

/// Walks the chain from the first entry, in batches of reads, recomputing every keyed hash and
/// link and every batch's seal, then checks the sealed head: its own hash, and that the batch
/// it names is there with the hash it names. The head is read first, so batches committed while
/// the walk runs are checked like the others and do not count as a break.
pub fn verify(conn: &mut DbConn, keys: &PersonalDataKeys) -> Result<ChainReport, StoreError> {
    let (head_seq, head_hash, mac) = audit_chain::table
        .filter(audit_chain::id.eq(1))
        .select((audit_chain::seq, audit_chain::hash, audit_chain::mac))
        .first::<(i64, String, String)>(conn)?;
    let mut walk = Walk {
        keys,
        head_seq,
        head_hash,
        checked: 0,
        sealed_to: 0,
        prev_mac: GENESIS.to_owned(),
        current: None,
    };
    let first_broken = if mac != head_mac(keys, head_seq, &walk.head_hash) {
        broken(head_seq, "the sealed head of the chain was altered")
    } else {
        walk.all(conn)?
    };
    Ok(ChainReport {
        entries_checked: walk.checked,
        first_broken,
        sealed_head: head_seq,
    })
}

struct Walk<'k> {
    keys: &'k PersonalDataKeys,
    head_seq: i64,
    head_hash: String,
    checked: i64,
    /// The last number of the batches walked whole.
    sealed_to: i64,
    prev_mac: String,
    current: Option<Current>,
}

/// The batch being walked.
struct Current {
    batch: SealedBatch,
    seen: i64,
    last_hash: String,
}

impl Walk<'_> {
    fn all(&mut self, conn: &mut DbConn) -> Result<Option<ChainBreak>, StoreError> {
        let mut after = (-1_i64, 0_i64);
        loop {
            let rows: Vec<(StoredEntry, SealedBatch)> = audit_entries::table
                .inner_join(audit_batches::table)
                // This condition alone can use the index: each read resumes the walk.
                .filter(audit_batches::first_seq.ge(after.0))
                .filter(
                    audit_batches::first_seq
                        .gt(after.0)
                        .or(audit_batches::first_seq
                            .eq(after.0)
                            .and(audit_entries::ordinal.gt(after.1))),
                )
                .order((audit_batches::first_seq.asc(), audit_entries::ordinal.asc()))
                .limit(READ_EVERY)
                .select((StoredEntry::as_select(), SealedBatch::as_select()))
                .load(conn)?;
            let Some((last, batch)) = rows.last() else {
                break;
            };
            after = (batch.first_seq, last.ordinal);
            for (entry, batch) in rows {
                if let Some(found) = self.entry(entry, batch) {
                    return Ok(Some(found));
                }
            }
        }
        if let Some(found) = self.finish_batch() {
            return Ok(Some(found));
        }
        if self.checked < self.head_seq {
            let gone = "this entry and those after it up to the sealed head are gone";
            return Ok(broken(self.checked + 1, gone));
        }
        let unsealed = audit_entries::table
            .left_join(audit_batches::table)
            .filter(audit_batches::batch_key.nullable().is_null())
            .count()
            .get_result::<i64>(conn)?;
        Ok((unsealed > 0).then_some(ChainBreak {
            seq: None,
            reason: "entries were added that belong to no sealed transaction",
        }))
    }

    fn entry(&mut self, entry: StoredEntry, batch: SealedBatch) -> Option<ChainBreak> {
        let seq = batch.first_seq + entry.ordinal;
        let new_batch = self
            .current
            .as_ref()
            .is_none_or(|current| current.batch.batch_key != batch.batch_key);
        if new_batch {
            if let Some(found) = self.finish_batch() {
                return Some(found);
            }
            if let Some(found) = self.start_batch(&batch, seq) {
                return Some(found);
            }
            self.current = Some(Current {
                batch,
                seen: 0,
                last_hash: GENESIS.to_owned(),
            });
        }
        let current = self.current.as_mut()?;
        if entry.ordinal != current.seen + 1 {
            return broken(
                current.batch.first_seq + current.seen + 1,
                "this entry is gone",
            );
        }
        if entry.prev_hash != current.last_hash {
            return broken(seq, "it does not link to the entry before it");
        }
        if entry_hash(&entry, self.keys) != entry.hash {
            return broken(seq, "its content does not match its hash");
        }
        current.seen += 1;
        current.last_hash = entry.hash;
        self.checked += 1;
        None
    }

    fn start_batch(&self, batch: &SealedBatch, seq: i64) -> Option<ChainBreak> {
        if batch.first_seq != self.sealed_to {
            broken(self.sealed_to + 1, "this entry is gone")
        } else if batch.prev_mac != self.prev_mac {
            broken(seq, "it does not link to the entry before it")
        } else if batch_mac(self.keys, batch) != batch.mac {
            broken(seq, "the seal of its transaction was altered")
        } else if batch.last_seq == self.head_seq && batch.mac != self.head_hash {
            broken(seq, "its transaction is not the one the sealed head names")
        } else {
            None
        }
    }

    /// Checks that the batch walked so far had every entry its seal counts.
    fn finish_batch(&mut self) -> Option<ChainBreak> {
        let current = self.current.take()?;
        let batch = current.batch;
        if batch.first_seq + current.seen != batch.last_seq || current.last_hash != batch.last_hash
        {
            let gone = "this entry and those after it in its transaction are gone";
            return broken(batch.first_seq + current.seen + 1, gone);
        }
        self.sealed_to = batch.last_seq;
        self.prev_mac = batch.mac;
        None
    }
}
