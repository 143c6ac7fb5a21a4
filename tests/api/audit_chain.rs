//! The audit chain against someone who can write the database but does not hold the audit
//! key: entries rewritten with every later hash recomputed, the newest entries cut away, and
//! the sealed head kept right under concurrent writers.

use diesel::prelude::*;
use fupin_persistence::audit::{entry_hash, StoredEntry};
use fupin_persistence::personal_data::PersonalDataKeys;
use fupin_persistence::schema::{audit_batches, audit_entries};
use fupin_tests::fixtures::{gaoling, household_body, register, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::Value;

const VERIFY: &str = "/api/v1/audit/verify";

async fn verify(app: &TestApp) -> Value {
    let reply = send(app.get(VERIFY)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

/// Every stored entry with its number, oldest first.
fn numbered_entries(app: &TestApp) -> Vec<(i64, StoredEntry)> {
    let mut conn = app.pool.get().unwrap();
    audit_entries::table
        .inner_join(audit_batches::table)
        .order((audit_batches::first_seq.asc(), audit_entries::ordinal.asc()))
        .select((audit_batches::first_seq, StoredEntry::as_select()))
        .load::<(i64, StoredEntry)>(&mut *conn)
        .unwrap()
        .into_iter()
        .map(|(first, entry)| (first + entry.ordinal, entry))
        .collect()
}

#[tokio::test]
async fn an_entry_rewritten_with_every_later_hash_recomputed_is_caught() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    assert_eq!(verify(&app).await["intact"], true);
    // The chain's format is public; the key is not: the attacker hashes with one of their own.
    let attacker = PersonalDataKeys::demo()
        .unwrap()
        .with_audit_key("YW4tYXR0YWNrZXJzLW93bi1rZXktb2YtdGhpcnR5LXR3by1ieXRlcw==")
        .unwrap();
    let entries = numbered_entries(&app);
    let (_, target) = entries.iter().find(|(seq, _)| *seq == 3).unwrap().clone();
    let mut conn = app.pool.get().unwrap();
    let mut prev_hash = target.prev_hash.clone();
    let rest_of_its_transaction = entries
        .into_iter()
        .filter(|(_, e)| e.batch_key == target.batch_key && e.ordinal >= target.ordinal);
    for (seq, mut row) in rest_of_its_transaction {
        if seq == 3 {
            row.actor_name = "someone else".to_owned();
        }
        row.prev_hash = prev_hash;
        row.hash = entry_hash(&row, &attacker);
        diesel::update(audit_entries::table.filter(audit_entries::id.eq(&row.id)))
            .set((
                audit_entries::actor_name.eq(&row.actor_name),
                audit_entries::prev_hash.eq(&row.prev_hash),
                audit_entries::hash.eq(&row.hash),
            ))
            .execute(&mut *conn)
            .unwrap();
        prev_hash = row.hash;
    }
    diesel::update(audit_batches::table.filter(audit_batches::batch_key.eq(&target.batch_key)))
        .set(audit_batches::last_hash.eq(&prev_hash))
        .execute(&mut *conn)
        .unwrap();
    let report = verify(&app).await;
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(report["first_broken_seq"], 3, "{report}");
    assert_eq!(report["entries_checked"], 2, "{report}");
}

/// Removes the `n` newest entries.
fn cut_newest(app: &TestApp, n: i64) {
    app.execute_sql(&format!(
        "DELETE FROM audit_entries WHERE id IN (SELECT e.id FROM audit_entries e \
         JOIN audit_batches b ON b.batch_key = e.batch_key \
         ORDER BY b.first_seq DESC, e.ordinal DESC LIMIT {n})"
    ));
}

#[tokio::test]
async fn cutting_the_newest_entries_away_is_caught() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let newest = app.count("audit_entries");
    assert!(newest > 3);
    assert_eq!(verify(&app).await["sealed_head"], newest);
    cut_newest(&app, 2);
    let report = verify(&app).await;
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(report["first_broken_seq"], newest - 1, "{report}");
    assert_eq!(report["entries_checked"], newest - 2, "{report}");
    assert_eq!(report["sealed_head"], newest, "{report}");
}

#[tokio::test]
async fn a_whole_transaction_cut_from_the_middle_is_caught() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    register(&app, "M-1", VILLAGE, "王五").await;
    register(&app, "M-2", VILLAGE, "赵六").await;
    let entries = numbered_entries(&app);
    let (first_of_m1, m1) = entries
        .iter()
        .find(|(_, e)| e.after_json.as_deref().is_some_and(|j| j.contains("M-1")))
        .unwrap()
        .clone();
    let before_m1 = first_of_m1 - m1.ordinal;
    app.execute_sql(&format!(
        "DELETE FROM audit_entries WHERE batch_key = '{}'",
        m1.batch_key
    ));
    app.execute_sql(&format!(
        "DELETE FROM audit_batches WHERE batch_key = '{}'",
        m1.batch_key
    ));
    let report = verify(&app).await;
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(report["reason"], "this entry is gone", "{report}");
    assert_eq!(report["first_broken_seq"], before_m1 + 1, "{report}");
    assert_eq!(report["entries_checked"], before_m1, "{report}");
}

#[tokio::test]
async fn an_entry_slipped_in_outside_any_transaction_is_caught() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let (_, mut forged) = numbered_entries(&app).pop().unwrap();
    forged.id = "forged-entry".to_owned();
    forged.batch_key = "forged-batch".to_owned();
    forged.ordinal = 1;
    forged.actor_name = "nobody".to_owned();
    let mut conn = app.pool.get().unwrap();
    diesel::insert_into(audit_entries::table)
        .values(&forged)
        .execute(&mut *conn)
        .unwrap();
    let report = verify(&app).await;
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(report["first_broken_seq"], Value::Null, "{report}");
    assert_eq!(
        report["reason"], "entries were added that belong to no sealed transaction",
        "{report}"
    );
}

#[tokio::test]
async fn a_sealed_head_moved_back_is_caught() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    app.execute_sql("UPDATE audit_chain SET seq = seq - 1");
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
