//! Database faults answer 503 with `Retry-After`, never 500, and leave nothing half written.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use fupin_domain::member::Sex;
use fupin_persistence::connection::LOCK_WAIT_MS;
use fupin_persistence::Backend;
use fupin_persistence::DbConn;
use fupin_tests::fixtures::{gaoling, household_body, id_number, VILLAGE};
use fupin_tests::{backend, send, TestApp};
use serde_json::json;

/// Takes the lock every writer needs, as another writer in the middle of a long transaction
/// would: SQLite's write lock, PostgreSQL's audit-chain row.
fn hold_the_write_lock(conn: &mut DbConn) {
    let sql = match conn {
        DbConn::Sqlite(_) => "BEGIN IMMEDIATE",
        DbConn::Postgres(_) => "BEGIN; SELECT id FROM audit_chain WHERE id = 1 FOR UPDATE",
    };
    conn.batch_execute(sql).unwrap();
}

#[tokio::test]
async fn a_write_that_waits_too_long_for_a_lock_is_a_503_with_retry_after() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let households = app.count("households");
    let mut other_writer = app.pool.get().unwrap();
    hold_the_write_lock(&mut other_writer);

    // Another writer's lock is not a fault: the service is ready, and says so at once.
    let started = Instant::now();
    let ready = send(app.get("/readyz")).await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let reply = send(app.post(
        "/api/v1/households",
        &household_body("L-1", VILLAGE, "张三"),
    ))
    .await;
    let waited = started.elapsed();
    reply.assert_problem(503, "service_unavailable");
    assert!(reply
        .header("retry-after")
        .is_some_and(|s| s.parse::<u64>().is_ok()));
    let limit = Duration::from_millis(LOCK_WAIT_MS) + Duration::from_secs(5);
    assert!(waited < limit, "answered after {waited:?}");

    other_writer.batch_execute("ROLLBACK").unwrap();
    drop(other_writer);
    assert_eq!(
        app.count("households"),
        households,
        "nothing was half written"
    );
    let again = send(app.post(
        "/api/v1/households",
        &household_body("L-1", VILLAGE, "张三"),
    ))
    .await;
    assert_eq!(again.status, 201, "{}", again.body);
}

#[tokio::test]
async fn writes_beside_a_long_import_succeed_or_get_503_in_bounded_time() {
    use crate::exports::{import, import_line, ndjson, NDJSON};
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    // Long enough that a writer waiting for all of it would wait past the limit below.
    let lines: Vec<_> = (0..1500)
        .map(|i| {
            let mut line = import_line(&format!("I-{i}"), VILLAGE, "张三");
            let born = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap() + chrono::Days::new(i);
            let born = born.to_string();
            line["members"][0]["id_number"] = json!(id_number(&born, Sex::Male));
            line["members"][0]["birth_date"] = json!(born);
            line
        })
        .collect();
    let file = ndjson(&lines);
    let importing = import(&app, "all_or_nothing", NDJSON, &file);
    let writing = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut answers = Vec::new();
        for i in 0..2 {
            let started = Instant::now();
            let body = household_body(&format!("W-{i}"), VILLAGE, "李四");
            let reply = send(app.post("/api/v1/households", &body)).await;
            answers.push((reply, started.elapsed()));
        }
        answers
    };
    let (imported, answers) = tokio::join!(importing, writing);
    assert_eq!(imported.status, 200, "{}", imported.body);
    assert_eq!(imported.body["created"], 1500, "{}", imported.body);
    assert_eq!(imported.body["committed"], true);
    let limit = Duration::from_millis(LOCK_WAIT_MS) + Duration::from_secs(5);
    for (reply, took) in answers {
        assert!(took < limit, "answered after {took:?}");
        match (backend(), reply.status) {
            // PostgreSQL's writers of other households wait for nothing the import holds.
            (Backend::Postgres, 201) => assert!(took < Duration::from_secs(2), "{took:?}"),
            (Backend::Sqlite, 201) => {}
            // SQLite has one writer at a time: the others wait their turn, then get a 503.
            (Backend::Sqlite, 503) => {
                assert!(reply.header("retry-after").is_some(), "{}", reply.body)
            }
            (_, other) => panic!("a write beside the import answered {other}: {}", reply.body),
        }
    }
    let chain = send(app.get("/api/v1/audit/verify")).await;
    assert_eq!(chain.body["intact"], true, "{}", chain.body);
}

/// Drops every server connection of this test's database but the caller's, as a restart of
/// PostgreSQL does. SQLite keeps no server connection to lose: nothing to do.
fn drop_every_server_connection(app: &TestApp) {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    if backend() == Backend::Postgres {
        // From outside the pool, so that no live connection goes back into it.
        let mut outside = PgConnection::establish(app.database_url()).unwrap();
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = current_setting('application_name') \
             AND pid <> pg_backend_pid()",
        )
        .execute(&mut outside)
        .unwrap();
    }
}

#[tokio::test]
async fn after_the_server_dropped_every_connection_the_first_request_is_served() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    // Several pooled connections, all of them about to die.
    let warm = (0..6).map(|_| send(app.get("/api/v1/households")));
    for reply in futures_util::future::join_all(warm).await {
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    drop_every_server_connection(&app);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let first = send(app.get("/api/v1/households")).await;
    assert_eq!(first.status, 200, "the first request after: {}", first.body);

    // Right after a loss the pool checks what it hands out: no request gets a dead connection.
    drop_every_server_connection(&app);
    for _ in 0..6 {
        let reply = send(app.get("/api/v1/households")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let written = send(app.post(
        "/api/v1/households",
        &household_body("R-1", VILLAGE, "张三"),
    ))
    .await;
    assert_eq!(written.status, 201, "{}", written.body);
}

/// A connection holding the write lock that lets it go however the test ends: a panic with
/// the lock held would leave the test database's clean-up waiting for it.
struct RolledBackOnDrop(fupin_persistence::PooledConn);

impl Drop for RolledBackOnDrop {
    fn drop(&mut self) {
        let _ = self.0.batch_execute("ROLLBACK");
    }
}

#[tokio::test]
async fn a_client_that_gives_up_frees_its_database_connection_in_bounded_time() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let households = app.count("households");
    let mut other_writer = RolledBackOnDrop(app.pool.get().unwrap());
    hold_the_write_lock(&mut other_writer.0);
    let in_use = |app: &TestApp| {
        let state = app.pool.state();
        state.connections - state.idle_connections
    };
    let before = in_use(&app);
    assert_eq!(before, 1, "only the lock holder");
    // Clients that give up after 300 ms, as a phone that loses its signal does (fewer than the
    // pool's free connections, so none also waits for one).
    for i in 0..2 {
        let body = household_body(&format!("G-{i}"), VILLAGE, "张三");
        let gave_up = app
            .post("/api/v1/households", &body)
            .timeout(Duration::from_millis(300))
            .send()
            .await;
        assert!(gave_up.is_err(), "the write did not wait for the lock");
    }
    assert!(
        in_use(&app) > before,
        "the abandoned writes wait for the lock"
    );
    let started = Instant::now();
    while in_use(&app) > before {
        // Measured: about one lock wait on SQLite, two on PostgreSQL (not yet explained).
        let limit = Duration::from_millis(2 * LOCK_WAIT_MS) + Duration::from_secs(3);
        let state = app.pool.state();
        assert!(
            started.elapsed() < limit,
            "still held: {state:?}, {before} before"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(other_writer);
    assert_eq!(
        app.count("households"),
        households,
        "the abandoned writes left nothing"
    );
}
