//! Storage for the Fupin registry: one set of Diesel repositories over SQLite and PostgreSQL.
//!
//! Every read or write of registry data takes the caller's [`RegionScope`]; the only
//! unscoped lookups are the registry-wide uniqueness checks, and they say so.
//!
//! [`RegionScope`]: fupin_domain::scope::RegionScope

pub mod accounts;
pub mod assessments;
pub mod audit;
pub mod changes;
pub mod connection;
pub mod entities;
pub mod error;
pub mod exchange_bulk;
pub mod household_views;
pub mod households;
pub mod idempotency;
pub mod incomes;
pub mod indicators;
pub mod loan_policies;
pub mod loans;
pub mod members;
pub mod migrations;
pub mod personal_data;
pub mod pg_reads;
pub mod pg_version_checks;
pub mod quality;
pub mod regions;
pub mod reseal;
pub mod schema;
pub mod statistics;
pub mod status_events;
pub mod subsidies;

pub use connection::{connect, run_migrations, Backend, DbConn, DbPool, PooledConn};
pub use error::{StoreError, UniqueRule};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::{Connection, RunQueryDsl};

/// Runs `work` in one write transaction: everything it wrote is kept, or nothing is.
///
/// On SQLite the transaction takes the write lock when it begins (`BEGIN IMMEDIATE`): a
/// deferred one that read first would fail at once, not wait, when another writer committed
/// meanwhile.
pub fn in_transaction<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DieselError>,
{
    type Manager = <DbConn as Connection>::TransactionManager;
    // An audit batch this thread left open is not this transaction's to seal.
    audit::forget_open_batch();
    let work = |conn: &mut DbConn| {
        let value = work(conn)?;
        audit::seal_batch(conn)?;
        Ok(value)
    };
    match conn {
        DbConn::Postgres(_) => {
            let outcome = conn.transaction(work);
            audit::forget_open_batch();
            return outcome;
        }
        DbConn::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?
        }
    }
    let outcome = work(conn);
    audit::forget_open_batch();
    match outcome {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(error) => {
                let _ = Manager::rollback_transaction(conn);
                Err(E::from(error))
            }
        },
        Err(error) => {
            let _ = Manager::rollback_transaction(conn);
            Err(error)
        }
    }
}

/// Whether the database would take a write now, by a write rolled back at once. A lock that
/// another writer holds counts as writable (writes wait their turn, then answer 503); a
/// read-only file or a server in recovery does not.
pub fn probe_write(conn: &mut DbConn) -> Result<(), StoreError> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConn::Sqlite(sqlite) => {
            sqlite.batch_execute("PRAGMA busy_timeout = 0")?;
            let probe = sqlite.batch_execute(
                "BEGIN IMMEDIATE; UPDATE audit_chain SET seq = seq WHERE id = 1; ROLLBACK",
            );
            if probe.is_err() {
                // The probe may have stopped inside its transaction; there is none otherwise.
                let _ = sqlite.batch_execute("ROLLBACK");
            }
            sqlite.batch_execute(&format!(
                "PRAGMA busy_timeout = {}",
                connection::LOCK_WAIT_MS
            ))?;
            match probe {
                Err(error) if error.to_string().contains("database is locked") => Ok(()),
                other => Ok(other?),
            }
        }
        DbConn::Postgres(pg) => {
            #[derive(diesel::QueryableByName)]
            struct Writable {
                #[diesel(sql_type = diesel::sql_types::Bool)]
                writable: bool,
            }
            let answer: Writable = diesel::sql_query(
                "SELECT NOT pg_is_in_recovery() \
                 AND current_setting('default_transaction_read_only') = 'off' AS writable",
            )
            .get_result(pg)?;
            match answer.writable {
                true => Ok(()),
                false => Err(StoreError::Unavailable(
                    "the database is read-only".to_owned(),
                )),
            }
        }
    }
}

pub use diesel::result::Error as DieselError;

/// Where a page of household records ends: lists run in (village, id) order, which the
/// `(region_code, id)` indexes serve directly, so a page costs the same at any depth and in a
/// registry of any size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListKey<'a> {
    pub region_code: &'a str,
    pub id: &'a str,
}

impl<'a> ListKey<'a> {
    /// The key as one cursor string, `region_code/id`.
    pub fn encode(region_code: &str, id: &str) -> String {
        format!("{region_code}/{id}")
    }

    pub fn decode(text: &'a str) -> Option<ListKey<'a>> {
        let (region_code, id) = text.split_once('/')?;
        Some(ListKey { region_code, id })
    }
}
