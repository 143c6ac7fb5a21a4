//! The registry's hottest read on PostgreSQL without a thread hop.
//!
//! Everything else runs sync Diesel on the blocking pool. A household read is one query that
//! mostly waits on the network; on an async connection the actix worker serves other requests
//! while it waits, instead of handing the work to a blocking thread and being woken again.
//! Each actix worker gets its own small pool, so a connection's driver task runs on the thread
//! that uses it.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use fupin_domain::scope::RegionScope;

use crate::error::StoreError;
use crate::household_views::{current_view_query, CurrentView};
use crate::households::{
    assemble_with_members, household_page_query, with_members_query, HouseholdFilter, HouseholdRow,
    ListedHousehold,
};
use crate::members::MemberRow;
use crate::pg_version_checks::VersionChecks;
use crate::ListKey;

type PooledAsyncConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

/// A pool of async PostgreSQL connections for one actix worker.
#[derive(Clone)]
pub struct PgReadPool {
    pool: Pool<AsyncPgConnection>,
    checkout_timeout: Duration,
    version_checks: Arc<VersionChecks>,
}

impl std::fmt::Debug for PgReadPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgReadPool(max {})", self.pool.status().max_size)
    }
}

/// Whether a PostgreSQL URL can be served by the async reads, which connect without TLS:
/// a URL that demands TLS keeps every read on the sync pool (libpq speaks TLS).
pub fn async_reads_allowed(url: &str) -> bool {
    let demands_tls = [
        "sslmode=require",
        "sslmode=verify-ca",
        "sslmode=verify-full",
    ];
    (url.starts_with("postgres://") || url.starts_with("postgresql://"))
        && !demands_tls.iter().any(|mode| url.contains(mode))
}

impl PgReadPool {
    /// Connections are opened on first use, on the runtime of the worker that uses them.
    /// Checkout does no test query: a broken connection fails its query, answers 503, and is
    /// dropped by the pool. Waiting for a connection, or for a new one to open, is limited to
    /// `checkout_timeout`, as it is on the shared pool.
    pub fn new(url: &str, size: usize, checkout_timeout: Duration) -> Result<Self, StoreError> {
        let mut config = ManagerConfig::default();
        config.recycling_method = RecyclingMethod::Fast;
        let manager = AsyncDieselConnectionManager::new_with_config(url, config);
        let pool = Pool::builder(manager)
            .max_size(size.max(1))
            .build()
            .map_err(|error| StoreError::Unavailable(error.to_string()))?;
        Ok(Self {
            pool,
            checkout_timeout,
            version_checks: Arc::default(),
        })
    }

    pub(crate) async fn connection(&self) -> Result<PooledAsyncConn, StoreError> {
        tokio::time::timeout(self.checkout_timeout, self.pool.get())
            .await
            .map_err(|_| StoreError::Unavailable("no database connection in time".into()))?
            .map_err(|error| StoreError::Unavailable(error.to_string()))
    }

    /// The query of `household_views::find_current`, on the async connection.
    pub async fn find_current_view(
        &self,
        scope: &RegionScope,
        id: &str,
        format: &str,
    ) -> Result<CurrentView, StoreError> {
        let mut conn = self.connection().await?;
        Ok(current_view_query!(scope, id, format, |query| query
            .first(&mut conn)
            .await)?)
    }

    /// What `household_views::current_version` answers, asked together with the other reads
    /// waiting on this worker (`pg_version_checks`).
    pub async fn current_version(&self, scope: &RegionScope, id: &str) -> Result<i64, StoreError> {
        tokio::time::timeout(
            self.checkout_timeout,
            self.version_checks.current_version(self, scope, id),
        )
        .await
        .map_err(|_| StoreError::Unavailable("no version lookup in time".into()))?
    }

    /// A household and all its members (current and former), in one query: the query of
    /// `households::find_with_members`, on the async connection.
    pub async fn find_household_with_members(
        &self,
        scope: &RegionScope,
        id: &str,
    ) -> Result<(HouseholdRow, Vec<MemberRow>), StoreError> {
        let mut conn = self.connection().await?;
        let rows: Vec<(HouseholdRow, Option<MemberRow>)> =
            with_members_query!(scope, id, |query| query.load(&mut conn).await)?;
        assemble_with_members(rows)
    }

    /// The page of `households::list_versions`, on the async connection: a page of keys
    /// needs no work on the worker beyond decoding three short columns a row.
    pub async fn list_household_versions(
        &self,
        scope: &RegionScope,
        filter: &HouseholdFilter,
        after: Option<ListKey<'_>>,
        limit: i64,
    ) -> Result<Vec<ListedHousehold>, StoreError> {
        let mut conn = self.connection().await?;
        let query = household_page_query!(
            (households::region_code, households::id, households::version),
            scope,
            filter,
            &after,
            limit
        );
        Ok(query.load(&mut conn).await?)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use fupin_domain::scope::RegionScope;

    use super::{async_reads_allowed, PgReadPool};
    use crate::error::StoreError;

    #[tokio::test]
    async fn a_database_that_cannot_be_reached_is_unavailable() {
        // Nothing listens on the discard port: the connection is refused at once.
        let reads = PgReadPool::new(
            "postgres://fupin@127.0.0.1:9/fupin",
            1,
            Duration::from_secs(5),
        )
        .unwrap();
        let result = reads
            .find_household_with_members(&RegionScope::Everything, "any")
            .await;
        assert!(
            matches!(result, Err(StoreError::Unavailable(_))),
            "{result:?}"
        );
    }

    #[test]
    fn async_reads_serve_postgres_urls_that_do_not_demand_tls() {
        assert!(async_reads_allowed("postgres://fupin@db/fupin"));
        assert!(async_reads_allowed(
            "postgresql://fupin@db/fupin?sslmode=disable"
        ));
        assert!(async_reads_allowed(
            "postgres://fupin@db/fupin?sslmode=prefer"
        ));
        assert!(!async_reads_allowed(
            "postgres://fupin@db/fupin?sslmode=require"
        ));
        assert!(!async_reads_allowed(
            "postgres://fupin@db/fupin?sslmode=verify-full"
        ));
        assert!(!async_reads_allowed("sqlite://data/fupin.db"));
    }
}
