//! The audit chain against someone who can write the database but does not hold the audit
//! key: entries rewritten with every later hash recomputed, the newest entries cut away, and
//! the sealed head kept right under concurrent writers.

use diesel::prelude::*;
use fupin_persistence::audit::{entry_hash, AuditRow};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::schema::audit_entries;
use fupin_tests::fixtures::{gaoling, household_body, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::Value;

const VERIFY: &str = "/api/v1/audit/verify";

async fn verify(app: &TestApp) -> Value {
    let reply = send(app.get(VERIFY)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn an_entry_rewritten_with_every_later_hash_recomputed_is_caught() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    assert_eq!(verify(&app).await["intact"], true);
    let mut conn = app.pool.get().unwrap();
    // The chain's format is public; the key is not: the attacker hashes with one of their own.
    let attacker = PersonalDataKeys::demo()
        .unwrap()
        .with_audit_key("YW4tYXR0YWNrZXJzLW93bi1rZXktb2YtdGhpcnR5LXR3by1ieXRlcw==")
        .unwrap();
    let rows: Vec<AuditRow> = audit_entries::table
        .order(audit_entries::seq.asc())
        .select(AuditRow::as_select())
        .load(&mut *conn)
        .unwrap();
    let mut prev_hash = rows[1].hash.clone();
    for mut row in rows.into_iter().skip(2) {
        if row.seq == 3 {
            row.actor_name = "someone else".to_owned();
        }
        row.prev_hash = prev_hash;
        row.hash = entry_hash(&row, &attacker);
        diesel::update(audit_entries::table.filter(audit_entries::seq.eq(row.seq)))
            .set((
                audit_entries::actor_name.eq(&row.actor_name),
                audit_entries::prev_hash.eq(&row.prev_hash),
                audit_entries::hash.eq(&row.hash),
            ))
            .execute(&mut *conn)
            .unwrap();
        prev_hash = row.hash;
    }
    let report = verify(&app).await;
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(report["first_broken_seq"], 3, "{report}");
    assert_eq!(report["entries_checked"], 2, "{report}");
}

#[tokio::test]
async fn cutting_the_newest_entries_away_is_caught() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let newest = app.count("audit_entries");
    assert!(newest > 3);
    assert_eq!(verify(&app).await["sealed_head"], newest);
    app.execute_sql(&format!(
        "DELETE FROM audit_entries WHERE seq > {}",
        newest - 2
    ));
    let report = verify(&app).await;
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(report["first_broken_seq"], newest - 1, "{report}");
    assert_eq!(report["entries_checked"], newest - 2, "{report}");
    assert_eq!(report["sealed_head"], newest, "{report}");
}

#[tokio::test]
async fn a_sealed_head_moved_back_is_caught() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let newest = app.count("audit_entries");
    app.execute_sql(&format!(
        "UPDATE audit_chain SET seq = {}, hash = (SELECT hash FROM audit_entries WHERE seq = {})",
        newest - 1,
        newest - 1
    ));
    let report = verify(&app).await;
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(
        report["reason"], "the sealed head of the chain was altered",
        "{report}"
    );
}

#[tokio::test]
async fn concurrent_writers_leave_a_chain_whose_sealed_head_is_its_newest_entry() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let registrations = (0..16).map(|i| {
        let request = app.post(
            "/api/v1/households",
            &household_body(&format!("C-{i}"), VILLAGE, "张三"),
        );
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(registrations).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let report = verify(&app).await;
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(
        report["sealed_head"],
        app.count("audit_entries"),
        "{report}"
    );
}
