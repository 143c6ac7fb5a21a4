//! A database an earlier release left behind upgrades without loss. The fixtures are a small
//! database as main at d12bbcd (2026-12-02) left it (the SQLite file itself, a PostgreSQL dump), all its migrations applied, with
//! the demo district (trimmed to one village) and records written through the API; see
//! `tests/fixtures/make-main-fixtures.sh`.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use fupin_persistence::{run_migrations, Backend, DbConn};
use fupin_tests::{backend, keys, send, TestApp, TestDatabase};
use serde_json::json;

const SQLITE_FIXTURE: &[u8] = include_bytes!("../fixtures/main-2026-12-02.sqlite.db");
const POSTGRES_FIXTURE: &str = include_str!("../fixtures/main-2026-12-02.postgres.sql");

/// The last migration of the release the fixtures come from.
const FIXTURE_LAST_VERSION: &str = "20261129000015";

#[derive(QueryableByName)]
struct Item {
    #[diesel(sql_type = Text)]
    item: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn items(conn: &mut DbConn, sql: &str) -> Vec<String> {
    diesel::sql_query(sql)
        .load::<Item>(conn)
        .unwrap()
        .into_iter()
        .map(|i| i.item)
        .collect()
}

fn tables(conn: &mut DbConn) -> Vec<String> {
    items(
        conn,
        match backend() {
            Backend::Sqlite => {
                "SELECT name AS item FROM sqlite_master \
                 WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS item FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                 ORDER BY table_name"
            }
        },
    )
}

/// Every table's columns (with type and nullability) and every index, one line each.
fn shape(conn: &mut DbConn) -> BTreeSet<String> {
    let (columns, indexes) = match backend() {
        Backend::Sqlite => (
            "SELECT m.name || '.' || p.name || ' ' || p.type \
             || CASE WHEN p.\"notnull\" THEN ' not null' ELSE '' END AS item \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            "SELECT 'index ' || name AS item FROM sqlite_master \
             WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'",
        ),
        Backend::Postgres => (
            "SELECT CAST(table_name || '.' || column_name || ' ' || data_type \
             || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END AS TEXT) AS item \
             FROM information_schema.columns WHERE table_schema = current_schema()",
            "SELECT CAST('index ' || indexname AS TEXT) AS item FROM pg_indexes \
             WHERE schemaname = current_schema()",
        ),
    };
    items(conn, columns)
        .into_iter()
        .chain(items(conn, indexes))
        .collect()
}

fn row_counts(conn: &mut DbConn) -> BTreeMap<String, i64> {
    tables(conn)
        .into_iter()
        .map(|table| {
            let count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .get_result::<Count>(conn)
                .unwrap()
                .n;
            (table, count)
        })
        .collect()
}

fn recorded_versions(conn: &mut DbConn) -> Vec<String> {
    items(
        conn,
        "SELECT version AS item FROM __diesel_schema_migrations ORDER BY version",
    )
}

#[tokio::test]
async fn a_database_of_the_previous_release_upgrades_without_loss() {
    let database = TestDatabase::create();
    match backend() {
        Backend::Sqlite => database.load_sqlite_file(SQLITE_FIXTURE),
        Backend::Postgres => database.load_script(POSTGRES_FIXTURE),
    }
    let pool = database.unmigrated_pool();
    let mut conn = pool.get().unwrap();
    let versions_before = recorded_versions(&mut conn);
    assert_eq!(versions_before.len(), 15, "{versions_before:?}");
    assert_eq!(
        versions_before.last().map(String::as_str),
        Some(FIXTURE_LAST_VERSION)
    );
    let rows_before = row_counts(&mut conn);
    assert!(rows_before["households"] > 1 && rows_before["loans"] > 0);

    let applied = run_migrations(&mut conn, &keys()).expect("the upgrade fails nothing");
    assert!(
        applied.iter().all(|v| !versions_before.contains(v)),
        "a migration the database had was run again: {applied:?}"
    );
    let mut expected = versions_before.clone();
    expected.extend(applied);
    expected.sort();
    assert_eq!(recorded_versions(&mut conn), expected);
    assert_eq!(
        run_migrations(&mut conn, &keys()).unwrap(),
        Vec::<String>::new(),
        "nothing is left to apply"
    );

    let rows_after = row_counts(&mut conn);
    for (table, count) in &rows_before {
        // The migrations' own record grows by what was applied, checked above.
        if table != "__diesel_schema_migrations" {
            assert_eq!(rows_after.get(table), Some(count), "rows of {table}");
        }
    }
    // The old release's chain (unkeyed, numbered entry by entry) is keyed and sealed intact.
    let chain = fupin_persistence::audit::verify(&mut conn, &keys()).unwrap();
    assert_eq!(chain.first_broken, None, "{chain:?}");
    assert_eq!(chain.entries_checked, rows_before["audit_entries"]);
    assert_eq!(chain.sealed_head, rows_before["audit_entries"]);
    let fresh = TestDatabase::create();
    let fresh_pool = fresh.pool();
    let fresh_shape = shape(&mut fresh_pool.get().unwrap());
    let upgraded_shape = shape(&mut conn);
    assert!(fresh_shape
        .iter()
        .any(|c| c.starts_with("members.id_number_hmac ")));
    assert_eq!(
        upgraded_shape.difference(&fresh_shape).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "only in the upgraded database"
    );
    assert_eq!(
        fresh_shape.difference(&upgraded_shape).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "only in a freshly migrated database"
    );

    // The household the old release registered through its API, and one its demo seed wrote.
    let household: Vec<String> = items(
        &mut conn,
        "SELECT id AS item FROM households WHERE household_number = 'UPGRADE-0001'",
    );
    let seeded: Vec<String> = items(
        &mut conn,
        "SELECT id || ' ' || household_number AS item FROM households \
         WHERE household_number <> 'UPGRADE-0001' ORDER BY household_number",
    );
    drop(conn);
    let app = TestApp::spawn_with_pool(pool, database);

    // The old release's own accounts still sign in.
    let login = send(app.client.post(app.url("/api/v1/auth/token")).json(&json!({
        "grant_type": "password", "username": "admin", "password": "admin-demo-password"
    })))
    .await;
    assert_eq!(login.status, 200, "{}", login.body);
    let token = login.body["access_token"].as_str().unwrap();
    let get = |path: &str| app.client.get(app.url(path)).bearer_auth(token);

    let registered = send(get(&format!("/api/v1/households/{}", household[0]))).await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    assert_eq!(registered.body["household_number"], "UPGRADE-0001");
    let mut names: Vec<&str> = registered.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["李秀英", "王建国"]);

    let (seeded_id, seeded_number) = seeded[0].split_once(' ').unwrap();
    let demo = send(get(&format!("/api/v1/households/{seeded_id}"))).await;
    assert_eq!(demo.status, 200, "{}", demo.body);
    assert_eq!(demo.body["household_number"], seeded_number);
    assert_eq!(
        demo.body["members"].as_array().unwrap().len() as i64,
        demo.body["member_count"].as_i64().unwrap()
    );

    let subsidies = send(get(&format!(
        "/api/v1/subsidies?household={}",
        household[0]
    )))
    .await;
    assert_eq!(subsidies.status, 200, "{}", subsidies.body);
    assert_eq!(subsidies.body["items"][0]["reference"], "JY-UPGRADE-1");

    let loans = send(get(&format!("/api/v1/households/{}/loans", household[0]))).await;
    assert_eq!(loans.status, 200, "{}", loans.body);
    assert_eq!(loans.body["items"][0]["status"], "repaid", "{}", loans.body);

    // The old release's audit chain goes on unbroken through the sign-in just audited.
    let audit = send(get("/api/v1/audit/verify")).await;
    assert_eq!(audit.body["intact"], true, "{}", audit.body);
    let checked = audit.body["entries_checked"].as_i64().unwrap();
    assert_eq!(checked, app.count("audit_entries"));
    assert!(checked > rows_before["audit_entries"], "{}", audit.body);
}
