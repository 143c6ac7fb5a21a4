//! The migrations of the one `migrations/` folder, embedded by the build script, as a Diesel
//! migration source: each backend runs a migration's shared `up.sql`, or its own
//! `up.<backend>.sql` where the folder has one because that backend's SQL differs.
//! Versions are the folders' names as Diesel's own `embed_migrations!` recorded them, so a
//! database migrated before keeps its `__diesel_schema_migrations` rows.

use std::fmt;

use diesel::backend::Backend as DieselBackend;
use diesel::connection::BoxableConnection;
use diesel::migration::{
    self, Migration, MigrationMetadata, MigrationName, MigrationSource, MigrationVersion,
};
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;

use crate::connection::Backend;

#[cfg(test)]
mod scan;
#[cfg(test)]
mod tests;

/// The SQL of one direction of a migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sql {
    /// One text both backends run.
    Shared(&'static str),
    /// A text per backend, because their SQL differs.
    PerBackend {
        sqlite: &'static str,
        postgres: &'static str,
    },
}

impl Sql {
    /// The text `backend` runs.
    pub fn for_backend(&self, backend: Backend) -> &'static str {
        match (self, backend) {
            (Sql::Shared(text), _) => text,
            (Sql::PerBackend { sqlite, .. }, Backend::Sqlite) => sqlite,
            (Sql::PerBackend { postgres, .. }, Backend::Postgres) => postgres,
        }
    }
}

/// One migration folder as embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationFiles {
    /// The folder's name, `2026-11-29-000001_registry`.
    pub name: &'static str,
    /// What `__diesel_schema_migrations` records, `20261129000001`.
    pub version: &'static str,
    pub up: Sql,
    /// `None` when the folder has no `down` file.
    pub down: Option<Sql>,
}

/// Every migration of `migrations/`, in version order.
const FILES: &[MigrationFiles] = include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// A set of migrations; as a [`MigrationSource`] of a Diesel backend it hands out that
/// backend's SQL.
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    files: &'static [MigrationFiles],
}

impl Migrations {
    /// The migrations of `migrations/`, built into the program.
    pub const EMBEDDED: Migrations = Migrations { files: FILES };

    pub const fn new(files: &'static [MigrationFiles]) -> Migrations {
        Migrations { files }
    }

    pub fn files(&self) -> &'static [MigrationFiles] {
        self.files
    }

    /// The migrations as `backend` runs them.
    pub fn for_backend(&self, backend: Backend) -> Vec<BackendMigration> {
        self.files
            .iter()
            .map(|files| BackendMigration { files, backend })
            .collect()
    }

    fn boxed<DB: DieselBackend>(
        &self,
        backend: Backend,
    ) -> migration::Result<Vec<Box<dyn Migration<DB>>>> {
        Ok(self
            .for_backend(backend)
            .into_iter()
            .map(|m| Box::new(m) as Box<dyn Migration<DB>>)
            .collect())
    }
}

impl MigrationSource<Sqlite> for Migrations {
    fn migrations(&self) -> migration::Result<Vec<Box<dyn Migration<Sqlite>>>> {
        self.boxed(Backend::Sqlite)
    }
}

impl MigrationSource<Pg> for Migrations {
    fn migrations(&self) -> migration::Result<Vec<Box<dyn Migration<Pg>>>> {
        self.boxed(Backend::Postgres)
    }
}

/// One migration with the SQL one backend runs.
#[derive(Debug, Clone, Copy)]
pub struct BackendMigration {
    files: &'static MigrationFiles,
    backend: Backend,
}

impl BackendMigration {
    /// What applying the migration runs.
    pub fn up_sql(&self) -> &'static str {
        self.files.up.for_backend(self.backend)
    }

    /// What reverting the migration runs, if it can be reverted.
    pub fn down_sql(&self) -> Option<&'static str> {
        self.files.down.map(|down| down.for_backend(self.backend))
    }

    fn execute<DB: DieselBackend>(
        &self,
        conn: &mut dyn BoxableConnection<DB>,
        sql: &str,
    ) -> migration::Result<()> {
        conn.batch_execute(sql).map_err(|source| {
            Box::new(MigrationFailed {
                name: self.files.name,
                source,
            }) as Box<dyn std::error::Error + Send + Sync>
        })
    }
}

impl<DB: DieselBackend> Migration<DB> for BackendMigration {
    fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        self.execute(conn, self.up_sql())
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> migration::Result<()> {
        match self.down_sql() {
            Some(sql) => self.execute(conn, sql),
            None => Err(Box::new(NoDownFile(self.files.name))),
        }
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        self
    }

    fn name(&self) -> &dyn MigrationName {
        self
    }
}

/// Every migration runs in a transaction (Diesel's default).
impl MigrationMetadata for BackendMigration {}

impl MigrationName for BackendMigration {
    fn version(&self) -> MigrationVersion<'_> {
        MigrationVersion::from(self.files.version)
    }
}

impl fmt::Display for BackendMigration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.files.name)
    }
}

/// A migration's SQL failed.
#[derive(Debug, thiserror::Error)]
#[error("migration {name} failed: {source}")]
pub struct MigrationFailed {
    pub name: &'static str,
    #[source]
    pub source: diesel::result::Error,
}

/// A migration without a `down` file was asked to revert.
#[derive(Debug, thiserror::Error)]
#[error("migration {0} has no down file and cannot be reverted")]
pub struct NoDownFile(pub &'static str);
