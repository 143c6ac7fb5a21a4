//! Re-sealing personal data after a key rotation: every value is opened with whichever
//! configured key sealed it, sealed again with the current key, and its lookup hash recomputed
//! with the current lookup key.

use diesel::prelude::*;

use crate::connection::DbConn;
use crate::error::StoreError;
use crate::personal_data::PersonalDataKeys;
use crate::schema::{households, members};

/// How many members and households were re-sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResealSummary {
    pub members: usize,
    pub households: usize,
}

/// Re-seals everything; run it in one transaction with the service stopped.
pub fn reseal_all(conn: &mut DbConn, keys: &PersonalDataKeys) -> Result<ResealSummary, StoreError> {
    let mut summary = ResealSummary::default();
    let people: Vec<(String, Option<String>)> = members::table
        .select((members::id, members::id_number_cipher))
        .load(conn)?;
    for (id, sealed) in people {
        let Some(sealed) = sealed else { continue };
        let number = keys.open(&sealed)?;
        diesel::update(members::table.filter(members::id.eq(&id)))
            .set((
                members::id_number_cipher.eq(keys.seal(&number)?),
                members::id_number_hmac.eq(keys.id_number_hash(&number)),
            ))
            .execute(conn)?;
        summary.members += 1;
    }
    let phones: Vec<(String, Option<String>)> = households::table
        .select((households::id, households::phone_cipher))
        .load(conn)?;
    for (id, sealed) in phones {
        let Some(sealed) = sealed else { continue };
        let phone = keys.open(&sealed)?;
        diesel::update(households::table.filter(households::id.eq(&id)))
            .set(households::phone_cipher.eq(keys.seal(&phone)?))
            .execute(conn)?;
        summary.households += 1;
    }
    Ok(summary)
}
