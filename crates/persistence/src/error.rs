//! What a repository call can fail with, in terms the API can answer.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueRule {
    RegionCode,
    HouseholdNumber,
    CurrentResidentId,
    CurrentHead,
    IdempotencyKey,
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("the record changed: its current version is {current}")]
    Stale { current: i64 },
    #[error("unique rule broken: {0:?}")]
    Unique(UniqueRule),
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("a stored value is not valid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(DieselError),
}

/// The outcome of a versioned update that touched `updated` rows: none means another write
/// came first, so the record is at least one version past `expected_version`.
pub fn one_row_or_stale(updated: usize, expected_version: i64) -> Result<(), StoreError> {
    if updated == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale {
            current: expected_version + 1,
        })
    }
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                // PostgreSQL names the index; SQLite names the columns in its message.
                let text = format!(
                    "{} {}",
                    info.constraint_name().unwrap_or(""),
                    info.message()
                );
                StoreError::Unique(unique_rule_named_in(&text))
            }
            DieselError::DatabaseError(kind, info) if is_transient(&kind, info.message()) => {
                if is_connection_lost(&kind, info.message()) {
                    crate::connection::note_lost_connection();
                }
                StoreError::Unavailable(info.message().to_owned())
            }
            DieselError::BrokenTransactionManager => {
                StoreError::Unavailable("the connection's transaction state is broken".to_owned())
            }
            other => StoreError::Database(other),
        }
    }
}

impl From<crate::personal_data::KeyError> for StoreError {
    fn from(error: crate::personal_data::KeyError) -> Self {
        StoreError::Corrupt(error.to_string())
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(error.to_string())
    }
}

/// What the database says when it cannot serve now but may soon: the connection is gone, the
/// server is restarting or shutting down, the file is locked, read-only or the disk is full, a
/// lock or statement timed out. The client may try again: a 503, not a 500.
const TRANSIENT: [&str; 12] = [
    // SQLite
    "database is locked",
    "database table is locked",
    "readonly database",
    "database or disk is full",
    "disk i/o error",
    "unable to open database file",
    // PostgreSQL, besides a lost connection (`CONNECTION_LOST`)
    "no space left on device",
    "could not extend file",
    "canceling statement due to",
    "lock timeout",
    "too many connections",
    "could not serialize access",
];

/// What PostgreSQL says when the connection itself is gone, or the server is going away or
/// coming back: the pool's other connections may be dead too.
const CONNECTION_LOST: [&str; 4] = [
    "terminating connection",
    "server closed the connection",
    "connection to server",
    "the database system is",
];

fn is_connection_lost(kind: &DatabaseErrorKind, message: &str) -> bool {
    let message = message.to_lowercase();
    matches!(
        kind,
        DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand
    ) || CONNECTION_LOST
        .iter()
        .any(|fragment| message.contains(fragment))
}

fn is_transient(kind: &DatabaseErrorKind, message: &str) -> bool {
    let lowercase = message.to_lowercase();
    is_connection_lost(kind, message)
        || matches!(
            kind,
            DatabaseErrorKind::SerializationFailure | DatabaseErrorKind::ReadOnlyTransaction
        )
        || TRANSIENT
            .iter()
            .any(|fragment| lowercase.contains(fragment))
}

fn unique_rule_named_in(text: &str) -> UniqueRule {
    if text.contains("id_number") {
        UniqueRule::CurrentResidentId
    } else if text.contains("members_current_head") || text.contains("members.household_id") {
        UniqueRule::CurrentHead
    } else if text.contains("household_number") {
        UniqueRule::HouseholdNumber
    } else if text.contains("regions") {
        UniqueRule::RegionCode
    } else if text.contains("idempotency_keys") {
        UniqueRule::IdempotencyKey
    } else {
        UniqueRule::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_the_client_can_wait_out_are_transient_and_rule_breaches_are_not() {
        for message in [
            "database is locked",
            "attempt to write a readonly database",
            "database or disk is full",
            "terminating connection due to administrator command",
            "the database system is starting up",
            "could not extend file \"base/1/2\": No space left on device",
        ] {
            assert!(
                is_transient(&DatabaseErrorKind::Unknown, message),
                "{message}"
            );
        }
        assert!(is_transient(&DatabaseErrorKind::ClosedConnection, ""));
        assert!(!is_transient(
            &DatabaseErrorKind::CheckViolation,
            "CHECK constraint failed"
        ));
        assert!(!is_transient(
            &DatabaseErrorKind::Unknown,
            "no such column: x"
        ));
    }

    #[test]
    fn both_backends_messages_name_the_rule() {
        assert_eq!(
            unique_rule_named_in("members_current_id_number duplicate key"),
            UniqueRule::CurrentResidentId
        );
        assert_eq!(
            unique_rule_named_in(" UNIQUE constraint failed: members.id_number"),
            UniqueRule::CurrentResidentId
        );
        assert_eq!(
            unique_rule_named_in(" UNIQUE constraint failed: members.household_id"),
            UniqueRule::CurrentHead
        );
        assert_eq!(
            unique_rule_named_in("households_household_number_key x"),
            UniqueRule::HouseholdNumber
        );
        assert_eq!(
            unique_rule_named_in(" UNIQUE constraint failed: regions.code"),
            UniqueRule::RegionCode
        );
        assert_eq!(
            unique_rule_named_in("idempotency_keys_pkey x"),
            UniqueRule::IdempotencyKey
        );
    }
}
