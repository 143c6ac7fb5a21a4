//! Database faults answer 503 with `Retry-After`, never 500, and leave nothing half written.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use fupin_persistence::connection::LOCK_WAIT_MS;
use fupin_persistence::DbConn;
use fupin_tests::fixtures::{gaoling, household_body, VILLAGE};
use fupin_tests::{send, TestApp};

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
