#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::SqliteConnection;
use diesel_migrations::MigrationHarness;

use super::scan::{generate, scan, Files, Found};
use super::{MigrationFiles, Migrations, Sql};
use crate::connection::Backend;

/// A migrations folder of its own, removed afterwards.
struct Folder(PathBuf);

impl Folder {
    fn new() -> Folder {
        let path = std::env::temp_dir().join(format!(
            "fupin-migrations-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Folder(path)
    }

    fn write(&self, migration: &str, file: &str, text: &str) -> PathBuf {
        let folder = self.0.join(migration);
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join(file);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn scan_error(&self) -> String {
        scan(&self.0).unwrap_err()
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const SHARED: &str = "2026-01-01-000001_shared";
const DIFFERS: &str = "2026-01-01-000002_differs";

#[test]
fn a_folder_with_up_sql_is_shared_by_both_backends() {
    let folder = Folder::new();
    let up = folder.write(SHARED, "up.sql", "CREATE TABLE a (x INTEGER);");
    let down = folder.write(SHARED, "down.sql", "DROP TABLE a;");
    let found = scan(&folder.0).unwrap();
    assert_eq!(
        found,
        vec![Found {
            name: SHARED.to_owned(),
            version: "20260101000001".to_owned(),
            up: Files::Shared(up.clone()),
            down: Some(Files::Shared(down.clone())),
        }]
    );
    assert_eq!(found[0].paths(), [up.as_path(), down.as_path()]);
}

#[test]
fn a_folder_with_a_file_per_backend_gives_each_backend_its_own() {
    let folder = Folder::new();
    folder.write(SHARED, "up.sql", "CREATE TABLE a (x INTEGER);");
    let sqlite = folder.write(
        DIFFERS,
        "up.sqlite.sql",
        "-- SQLite has no ALTER COLUMN.\nA;",
    );
    let postgres = folder.write(
        DIFFERS,
        "up.postgres.sql",
        "-- PostgreSQL alters in place.\nB;",
    );
    let found = scan(&folder.0).unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].name, DIFFERS);
    assert_eq!(found[1].up, Files::PerBackend { sqlite, postgres });
    assert_eq!(found[1].down, None, "a migration may have no down file");
    let code = generate(&found);
    assert!(
        code.contains("up: Sql::PerBackend { sqlite: include_str!("),
        "{code}"
    );
    assert!(code.contains("up.sqlite.sql"), "{code}");
    assert!(code.contains("down: None"), "{code}");
}

#[test]
fn a_folder_without_up_sql_or_both_backend_files_fails() {
    let folder = Folder::new();
    folder.write(SHARED, "down.sql", "DROP TABLE a;");
    let error = folder.scan_error();
    assert!(error.contains(SHARED), "{error}");
    assert!(
        error.contains("neither up.sql nor both up.sqlite.sql and up.postgres.sql"),
        "{error}"
    );

    let folder = Folder::new();
    folder.write(DIFFERS, "up.sqlite.sql", "-- SQLite only.\nA;");
    let error = folder.scan_error();
    assert!(
        error.contains("has up.sqlite.sql but no up.postgres.sql"),
        "{error}"
    );
}

#[test]
fn a_backend_file_must_begin_with_a_comment_saying_why() {
    for first_line in [
        "CREATE TABLE a (x INTEGER);",
        "--",
        "--   ",
        "\n-- too late",
    ] {
        let folder = Folder::new();
        folder.write(DIFFERS, "up.sqlite.sql", &format!("{first_line}\nA;"));
        folder.write(
            DIFFERS,
            "up.postgres.sql",
            "-- PostgreSQL alters in place.\nB;",
        );
        let error = folder.scan_error();
        assert!(error.contains("up.sqlite.sql"), "{error}");
        assert!(error.contains("begins with a `--` comment"), "{error}");
    }
}

#[test]
fn a_backend_file_beside_the_shared_one_or_the_same_as_the_other_fails() {
    let folder = Folder::new();
    folder.write(DIFFERS, "up.sql", "A;");
    folder.write(DIFFERS, "up.postgres.sql", "-- PostgreSQL differs.\nB;");
    let error = folder.scan_error();
    assert!(
        error.contains("has up.sql and a backend's own up file"),
        "{error}"
    );

    let folder = Folder::new();
    folder.write(DIFFERS, "up.sql", "A;");
    folder.write(DIFFERS, "down.sqlite.sql", "-- Same.\nB;");
    folder.write(DIFFERS, "down.postgres.sql", "-- Same.\nB;");
    let error = folder.scan_error();
    assert!(error.contains("are the same; keep one down.sql"), "{error}");
}

#[test]
fn a_misnamed_file_or_folder_fails_rather_than_being_skipped() {
    let folder = Folder::new();
    folder.write(DIFFERS, "up.sql", "A;");
    folder.write(DIFFERS, "down.pg.sql", "-- Typo.\nB;");
    assert!(folder.scan_error().contains("unexpected down.pg.sql"));

    let folder = Folder::new();
    folder.write("registry", "up.sql", "A;");
    assert!(folder.scan_error().contains("<version>_<name>"));

    let folder = Folder::new();
    folder.write("2026-01-01-000001_one", "up.sql", "A;");
    folder.write("20260101000001_two", "up.sql", "B;");
    assert!(folder
        .scan_error()
        .contains("the same version 20260101000001"));
}

/// Two migrations as the build script embeds them: a shared one, then one whose backends
/// differ, each creating a table named after the file it came from.
const TWO: &[MigrationFiles] = &[
    MigrationFiles {
        name: SHARED,
        version: "20260101000001",
        up: Sql::Shared("CREATE TABLE from_shared_file (x INTEGER);"),
        down: Some(Sql::Shared("DROP TABLE from_shared_file;")),
    },
    MigrationFiles {
        name: DIFFERS,
        version: "20260101000002",
        up: Sql::PerBackend {
            sqlite: "-- SQLite's own.\nCREATE TABLE from_sqlite_file (x INTEGER);",
            postgres: "-- PostgreSQL's own.\nCREATE TABLE from_postgres_file (x INTEGER);",
        },
        down: None,
    },
];

#[test]
fn each_backend_gets_its_own_file_and_both_the_shared_one() {
    let migrations = Migrations::new(TWO);
    let sqlite: Vec<&str> = migrations
        .for_backend(Backend::Sqlite)
        .iter()
        .map(|m| m.up_sql())
        .collect();
    let postgres: Vec<&str> = migrations
        .for_backend(Backend::Postgres)
        .iter()
        .map(|m| m.up_sql())
        .collect();
    assert_eq!(sqlite[0], postgres[0]);
    assert!(sqlite[1].contains("from_sqlite_file"), "{}", sqlite[1]);
    assert!(
        postgres[1].contains("from_postgres_file"),
        "{}",
        postgres[1]
    );
    assert_eq!(migrations.for_backend(Backend::Sqlite)[1].down_sql(), None);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn tables_named(conn: &mut SqliteConnection, name: &str) -> i64 {
    diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '{name}'"
    ))
    .get_result::<Count>(conn)
    .unwrap()
    .n
}

#[test]
fn sqlite_runs_its_own_file_and_records_the_folder_versions() {
    let mut conn = SqliteConnection::establish(":memory:").unwrap();
    let applied = conn.run_pending_migrations(Migrations::new(TWO)).unwrap();
    let applied: Vec<String> = applied.iter().map(ToString::to_string).collect();
    assert_eq!(applied, ["20260101000001", "20260101000002"]);
    assert_eq!(tables_named(&mut conn, "from_shared_file"), 1);
    assert_eq!(tables_named(&mut conn, "from_sqlite_file"), 1);
    assert_eq!(tables_named(&mut conn, "from_postgres_file"), 0);
    assert!(conn
        .pending_migrations(Migrations::new(TWO))
        .unwrap()
        .is_empty());
    let error = conn
        .revert_last_migration(Migrations::new(TWO))
        .unwrap_err()
        .to_string();
    assert!(error.contains("has no down file"), "{error}");
}

#[test]
fn a_failing_migration_names_itself() {
    const BROKEN: &[MigrationFiles] = &[MigrationFiles {
        name: "2026-01-01-000001_broken",
        version: "20260101000001",
        up: Sql::Shared("CREATE TABLE;"),
        down: None,
    }];
    let mut conn = SqliteConnection::establish(":memory:").unwrap();
    let error = conn
        .run_pending_migrations(Migrations::new(BROKEN))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("migration 2026-01-01-000001_broken failed"),
        "{error}"
    );
}

fn repository_migrations() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations")
}

#[test]
fn the_program_embeds_every_folder_of_the_migrations_folder_as_it_is() {
    let found = scan(&repository_migrations()).unwrap();
    let embedded = Migrations::EMBEDDED.files();
    assert_eq!(
        embedded.iter().map(|m| m.name).collect::<Vec<_>>(),
        found.iter().map(|m| m.name.as_str()).collect::<Vec<_>>()
    );
    let text = |path: &Path| std::fs::read_to_string(path).unwrap();
    for (files, found) in embedded.iter().zip(&found) {
        assert_eq!(files.version, found.version);
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let expected = match (&found.up, backend) {
                (Files::Shared(path), _) => text(path),
                (Files::PerBackend { sqlite, .. }, Backend::Sqlite) => text(sqlite),
                (Files::PerBackend { postgres, .. }, Backend::Postgres) => text(postgres),
            };
            assert_eq!(files.up.for_backend(backend), expected, "{}", files.name);
        }
    }
}
