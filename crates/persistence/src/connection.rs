//! Connections to the embedded SQLite default or to PostgreSQL, pooled by r2d2, chosen by the
//! URL's scheme so that a bad PostgreSQL URL reports PostgreSQL's own error.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::r2d2::{Pool, PooledConnection, R2D2Connection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::MigrationHarness;

use crate::error::StoreError;
use crate::migrations::Migrations;
use crate::personal_data::PersonalDataKeys;

/// One connection type for both backends; repositories are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<DbConnManager>;

/// Runs the same Diesel expression on the backend's own connection. Through the
/// `MultiConnection` enum every query is serialised to SQL text on each call; on the inner
/// connection a static query is prepared once and found again by its type. Used on hot paths
/// and for what the enum cannot express (multi-row inserts).
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::connection::DbConn::Postgres($c) => $body,
            $crate::connection::DbConn::Sqlite($c) => $body,
        }
    };
}
pub type PooledConn = PooledConnection<DbConnManager>;

/// Which database engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Why the database could not be reached or prepared.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot open the database: {0}")]
    Connection(#[from] ConnectionError),
    #[error("cannot build the connection pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot apply migrations: {0}")]
    Migration(String),
}

/// How long a write waits for another writer's lock before it answers 503 (milliseconds).
pub const LOCK_WAIT_MS: u64 = 5000;

/// Opens connections for one URL on its own backend and prepares each SQLite connection.
#[derive(Debug, Clone)]
pub struct DbConnManager {
    url: String,
    backend: Backend,
}

impl DbConnManager {
    pub fn new(url: &str) -> Self {
        let backend = Backend::of_url(url);
        let url = match backend {
            Backend::Postgres => url.to_owned(),
            Backend::Sqlite => sqlite_path(url).to_owned(),
        };
        Self { url, backend }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn establish(&self) -> Result<DbConn, ConnectionError> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url)?;
                // A writer waits for a row lock as long as a SQLite writer waits for the file
                // (busy_timeout below), then answers 503 rather than hanging on.
                conn.batch_execute(&format!("SET lock_timeout = {LOCK_WAIT_MS}"))
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Postgres(conn))
            }
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url)?;
                // Per connection: WAL lets readers run beside the writer, busy_timeout makes a
                // writer wait for the lock instead of failing at once.
                conn.batch_execute(&format!(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {LOCK_WAIT_MS};"
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

impl diesel::r2d2::ManageConnection for DbConnManager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        let outcome = self.establish();
        let clock = if outcome.is_ok() {
            &LAST_CONNECTED_MS
        } else {
            &LAST_REFUSED_MS
        };
        clock.store(ProcessClock::millis(), Ordering::Relaxed);
        outcome.map_err(diesel::r2d2::Error::ConnectionError)
    }

    /// Pings the connection only when it may have died unseen: the pool was quiet (an idle
    /// server's connections die with a database restart and nothing notices) or a connection
    /// was lost lately. Then a dead connection is replaced before a request gets it, and the
    /// first request after a restart is served; a ping on every checkout would double the
    /// round trips of a read.
    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        let now = ProcessClock::millis();
        let quiet = now.saturating_sub(LAST_CHECKOUT_MS.swap(now, Ordering::Relaxed));
        let since_lost = now.saturating_sub(LAST_LOST_MS.load(Ordering::Relaxed));
        if quiet >= CHECK_AFTER_QUIET_MS || since_lost <= CHECK_AFTER_LOST_MS {
            conn.ping().map_err(|error| {
                note_lost_connection();
                diesel::r2d2::Error::QueryError(error)
            })?;
        }
        Ok(())
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

/// A pool quiet this long has its connections pinged before use (milliseconds).
const CHECK_AFTER_QUIET_MS: u64 = 1000;
/// For this long after a connection was lost, every connection is pinged before use.
const CHECK_AFTER_LOST_MS: u64 = 30_000;
static LAST_CHECKOUT_MS: AtomicU64 = AtomicU64::new(0);
/// Far in the past at start: `u64::MAX` would make "since" zero.
static LAST_LOST_MS: AtomicU64 = AtomicU64::new(0);

/// Milliseconds since the process first asked, for the pool's own timing.
struct ProcessClock;

impl ProcessClock {
    fn millis() -> u64 {
        static START: OnceLock<Instant> = OnceLock::new();
        // Offset so that "never" (0) is longer ago than any window above.
        START.get_or_init(Instant::now).elapsed().as_millis() as u64 + CHECK_AFTER_LOST_MS + 1
    }
}

static LAST_CONNECTED_MS: AtomicU64 = AtomicU64::new(0);
static LAST_REFUSED_MS: AtomicU64 = AtomicU64::new(0);
/// For this long after the database refused a new connection (and none was opened since),
/// a request that finds no idle connection answers 503 at once.
const REFUSED_FOR_MS: u64 = 1000;

/// A pooled connection, waiting at most `timeout` for one. While the database refuses new
/// connections (it is down or restarting) a request that finds none idle fails at once: waiting
/// the whole timeout for a server that is not there made every answer take it.
pub fn checkout(pool: &DbPool, timeout: Duration) -> Result<PooledConn, StoreError> {
    let refused = LAST_REFUSED_MS.load(Ordering::Relaxed);
    let refusing = refused > LAST_CONNECTED_MS.load(Ordering::Relaxed)
        && ProcessClock::millis().saturating_sub(refused) < REFUSED_FOR_MS;
    if refusing {
        return pool.try_get().ok_or_else(|| {
            StoreError::Unavailable("the database does not accept connections".to_owned())
        });
    }
    Ok(pool.get_timeout(timeout)?)
}

/// Records that a connection was found lost (the server restarted, or dropped it): the pool
/// checks its connections before use for a while.
pub(crate) fn note_lost_connection() {
    LAST_LOST_MS.store(ProcessClock::millis(), Ordering::Relaxed);
}

/// The file path of a SQLite URL (`sqlite://data/fupin.db` or a plain path).
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// Builds a pool; the first connection is opened now so a wrong URL fails at start-up with the
/// database's own message, not after a pool timeout.
pub fn connect(url: &str, pool_size: u32, timeout: Duration) -> Result<DbPool, ConnectError> {
    let manager = DbConnManager::new(url);
    if manager.backend == Backend::Sqlite {
        if let Some(folder) = Path::new(&manager.url)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder).map_err(|source| ConnectError::Folder {
                path: folder.display().to_string(),
                source,
            })?;
        }
    }
    manager.establish()?;
    // Checkouts are tested only when a connection may have died unseen (`is_valid`).
    Ok(Pool::builder()
        .max_size(pool_size)
        .connection_timeout(timeout)
        .test_on_check_out(true)
        .build(manager)?)
}

/// The migration that adds the sealed personal-data columns; right after it the program seals
/// what was stored in plaintext, and the next migration drops the plaintext columns.
const SEAL_PERSONAL_DATA_AFTER: &str = "20261129000002";
/// The migration after which the entries written before audit batches are keyed if they were
/// not, and sealed as the first batch (`audit::batch_the_chain`).
const BATCH_AUDIT_CHAIN_AFTER: &str = "20261203000017";

/// Applies every pending migration of `migrations/`, with the connection's backend's own file
/// where a migration has one, one at a time, running the data step a migration needs right
/// after it; returns the versions applied.
pub fn run_migrations(
    conn: &mut DbConn,
    keys: &PersonalDataKeys,
) -> Result<Vec<String>, ConnectError> {
    migrate_up_to(conn, keys, None)
}

/// Applies pending migrations up to and including `last` (all when `None`); tests use it to
/// build a database as an older release left it.
pub fn migrate_up_to(
    conn: &mut DbConn,
    keys: &PersonalDataKeys,
    last: Option<&str>,
) -> Result<Vec<String>, ConnectError> {
    let migration_error =
        |e: Box<dyn std::error::Error + Send + Sync>| ConnectError::Migration(e.to_string());
    let mut applied: Vec<String> = Vec::new();
    loop {
        if last.is_some_and(|last| applied.last().is_some_and(|v| v == last)) {
            break;
        }
        let next = match conn {
            DbConn::Postgres(c) => run_next(c, Migrations::EMBEDDED).map_err(migration_error)?,
            DbConn::Sqlite(c) => run_next(c, Migrations::EMBEDDED).map_err(migration_error)?,
        };
        let Some(version) = next else { break };
        if version == SEAL_PERSONAL_DATA_AFTER {
            seal_plaintext_personal_data(conn, keys)
                .map_err(|e| ConnectError::Migration(e.to_string()))?;
        }
        if version == BATCH_AUDIT_CHAIN_AFTER {
            crate::in_transaction(conn, |c| crate::audit::batch_the_chain(c, keys))
                .map_err(|e| ConnectError::Migration(e.to_string()))?;
        }
        applied.push(version);
    }
    Ok(applied)
}

type MigrationResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn run_next<C, DB, S>(conn: &mut C, source: S) -> MigrationResult<Option<String>>
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
    S: MigrationSource<DB>,
{
    let pending = conn.pending_migrations(source)?;
    match pending.first() {
        None => Ok(None),
        Some(migration) => Ok(Some(conn.run_migration(migration.as_ref())?.to_string())),
    }
}

/// Seals resident ID numbers and phone numbers stored in plaintext by the first schema.
fn seal_plaintext_personal_data(
    conn: &mut DbConn,
    keys: &PersonalDataKeys,
) -> Result<(), StoreError> {
    use crate::schema::{households, members};
    use diesel::sql_types::{Nullable, Text};

    #[derive(QueryableByName)]
    struct Plain {
        #[diesel(sql_type = Text)]
        id: String,
        #[diesel(sql_type = Nullable<Text>)]
        value: Option<String>,
    }
    let people: Vec<Plain> =
        diesel::sql_query("SELECT id, id_number AS value FROM members").load(conn)?;
    for person in people {
        let Some(number) = person.value.filter(|v| !v.is_empty()) else {
            continue;
        };
        diesel::update(members::table.filter(members::id.eq(&person.id)))
            .set((
                members::id_number_cipher.eq(keys.seal(&number)?),
                members::id_number_hmac.eq(keys.id_number_hash(&number)),
            ))
            .execute(conn)?;
    }
    let phones: Vec<Plain> =
        diesel::sql_query("SELECT id, phone AS value FROM households WHERE phone IS NOT NULL")
            .load(conn)?;
    for household in phones {
        let Some(phone) = household.value else {
            continue;
        };
        diesel::update(households::table.filter(households::id.eq(&household.id)))
            .set(households::phone_cipher.eq(keys.seal(&phone)?))
            .execute(conn)?;
    }
    Ok(())
}
