//! The masked `GET /households/{id}` answered from the answer the process keeps, or from its
//! rendered copy (`household_views`): each answers only while it is of the household's current
//! version, in the caller's scope. A process that has not read a household yet reads the copy;
//! `another_process` stands for one.

use std::time::Duration;

use diesel::prelude::*;
use fupin_domain::access::Role;
use fupin_domain::member::Sex;
use fupin_tests::fixtures::{
    gaoling, member_body, register, DISTRICT, OTHER_TOWN, OTHER_TOWN_VILLAGE, TOWN, VILLAGE,
};
use fupin_tests::{send, TestApp};
use serde_json::{json, Value};

#[derive(QueryableByName, Debug)]
struct StoredCopy {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    version: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    body: String,
}

fn stored_copy(app: &TestApp, household_id: &str) -> Option<(i64, Value)> {
    let mut conn = app.pool.get().unwrap();
    let copy: Option<StoredCopy> = diesel::sql_query(format!(
        "SELECT version, body FROM household_views WHERE household_id = '{household_id}'"
    ))
    .get_result(&mut *conn)
    .optional()
    .unwrap();
    copy.map(|c| (c.version, serde_json::from_str(&c.body).unwrap()))
}

/// The copy is kept after the answer has gone: waits for one that `wanted` accepts.
async fn copy_where(
    app: &TestApp,
    household_id: &str,
    wanted: impl Fn(i64, &Value) -> bool,
) -> Value {
    for _ in 0..100 {
        if let Some((version, body)) = stored_copy(app, household_id) {
            if wanted(version, &body) {
                return body;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the copy kept is not the one expected: {:?}",
        stored_copy(app, household_id)
    );
}

async fn copy_of_version(app: &TestApp, household_id: &str, version: i64) -> Value {
    copy_where(app, household_id, |stored, _| stored == version).await
}

/// Changes the stored copy behind the program's back: `assignments` is an SQL SET list.
fn doctor_copy(app: &TestApp, household_id: &str, assignments: &str) {
    app.execute_sql(&format!(
        "UPDATE household_views SET {assignments} WHERE household_id = '{household_id}'"
    ));
}

async fn registered(app: &TestApp) -> (String, String) {
    gaoling(app).await;
    let household = register(app, "V-1", VILLAGE, "王建国").await;
    let id = household["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/households/{id}");
    (id, path)
}

#[tokio::test]
async fn a_read_keeps_a_copy_and_every_change_is_seen_at_once() {
    let app = TestApp::spawn().await;
    let (id, path) = registered(&app).await;

    let first = send(app.get(&path)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.header("etag"), Some("\"1\""));
    assert_eq!(first.header("content-type"), Some("application/json"));
    assert_eq!(copy_of_version(&app, &id, 1).await, first.body);
    let again = send(app.get(&path)).await;
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("etag"), Some("\"1\""));

    // An edit: the copy of version 1 is still stored, but the read answers version 2.
    let edited = send(
        app.patch(&path, &json!({"address": "四组1号"}))
            .header("If-Match", "\"1\""),
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let after_edit = send(app.get(&path)).await;
    assert_eq!(after_edit.header("etag"), Some("\"2\""));
    assert_eq!(after_edit.body["address"], "四组1号");
    assert_eq!(copy_of_version(&app, &id, 2).await, after_edit.body);

    // A member joins, then leaves: the household's read shows each step.
    let spouse = send(app.post(
        &format!("{path}/members"),
        &member_body("李秀英", "1977-03-02", Sex::Female, "spouse"),
    ))
    .await;
    assert_eq!(spouse.status, 201, "{}", spouse.body);
    let with_spouse = send(app.get(&path)).await;
    assert_eq!(with_spouse.header("etag"), Some("\"3\""));
    assert_eq!(with_spouse.body["member_count"], 2);
    assert_eq!(with_spouse.body["members"][1]["name"], "李秀英");
    copy_of_version(&app, &id, 3).await;

    let leave = format!(
        "{path}/members/{}/leave",
        spouse.body["id"].as_str().unwrap()
    );
    let left = send(app.post(&leave, &json!({"left_on": "2025-10-01", "reason": "moved"}))).await;
    assert_eq!(left.status, 200, "{}", left.body);
    let after_leaving = send(app.get(&path)).await;
    assert_eq!(after_leaving.header("etag"), Some("\"4\""));
    assert_eq!(after_leaving.body["member_count"], 1);
    assert_eq!(after_leaving.body["members"][1]["current"], false);
}

#[tokio::test]
async fn a_copy_answers_only_for_the_current_version_and_format() {
    let app = TestApp::spawn().await;
    let (id, path) = registered(&app).await;
    let rendered = send(app.get(&path)).await;
    copy_of_version(&app, &id, 1).await;

    // What a current copy holds is what a process that has not read the household answers:
    // no second query behind it.
    doctor_copy(&app, &id, r#"body = '{"from":"copy"}'"#);
    let cold = app.another_process();
    let from_copy = send(cold.get(&path)).await;
    assert_eq!(from_copy.status, 200);
    assert_eq!(from_copy.body, json!({"from": "copy"}));
    assert_eq!(from_copy.header("etag"), Some("\"1\""));
    let not_modified = send(cold.get(&path).header("If-None-Match", "\"1\"")).await;
    assert_eq!(not_modified.status, 304);

    // A copy rendered by a program with another format is not served, nor replaced by an older one.
    doctor_copy(&app, &id, "format = 'another program'");
    let cold = app.another_process();
    assert_eq!(send(cold.get(&path)).await.body, rendered.body);
    copy_where(&app, &id, |version, body| {
        version == 1 && *body == rendered.body
    })
    .await;

    // A copy of another version is not served either.
    doctor_copy(&app, &id, r#"version = 7, body = '{"from":"copy"}'"#);
    let cold = app.another_process();
    assert_eq!(send(cold.get(&path)).await.body, rendered.body);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (kept, _) = stored_copy(&app, &id).unwrap();
    assert_eq!(kept, 7, "an older rendering does not replace a newer copy");
}

#[tokio::test]
async fn a_kept_answer_serves_only_the_current_version_in_scope() {
    let app = TestApp::spawn().await;
    let (id, path) = registered(&app).await;
    let town = app.as_role(Role::TownOfficer, TOWN);
    let first = send(town.get(&path)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    copy_of_version(&app, &id, 1).await;

    // The process answers from what it keeps, not from the stored copy.
    doctor_copy(&app, &id, r#"body = '{"from":"copy"}'"#);
    let kept = send(town.get(&path)).await;
    assert_eq!(kept.body, first.body);
    assert_eq!(kept.header("etag"), Some("\"1\""));
    assert_eq!(
        send(town.get(&path).header("If-None-Match", "\"1\""))
            .await
            .status,
        304
    );

    // A change made behind the program's back, with the version moved on as every write does:
    // the kept answer of version 1 is not served.
    app.execute_sql(&format!(
        "UPDATE households SET version = 2, address = '五组9号' WHERE id = '{id}'"
    ));
    let changed = send(town.get(&path)).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.header("etag"), Some("\"2\""));
    assert_eq!(changed.body["address"], "五组9号");
    assert_eq!(send(town.get(&path)).await.body, changed.body);

    // Moved out of the officer's town (by hand, version unchanged): the kept answer is not
    // served to a caller the household is no longer in scope of.
    app.execute_sql(&format!(
        "UPDATE households SET region_code = '{OTHER_TOWN_VILLAGE}' WHERE id = '{id}'"
    ));
    send(town.get(&path)).await.assert_problem(404, "not_found");
}

#[tokio::test]
async fn reads_at_the_same_moment_each_get_their_own_household_in_scope() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut paths = Vec::new();
    for (number, village) in [
        ("B-1", VILLAGE),
        ("B-2", VILLAGE),
        ("B-3", VILLAGE),
        ("B-4", OTHER_TOWN_VILLAGE),
    ] {
        let household = register(&app, number, village, "王建国").await;
        paths.push(format!(
            "/api/v1/households/{}",
            household["id"].as_str().unwrap()
        ));
    }
    paths.push("/api/v1/households/no-such-household".to_owned());
    let expected = ["B-1", "B-2", "B-3", "", ""];
    // Every household is read once, so the process keeps each answer and the reads below only
    // ask for versions, many of them at once (on PostgreSQL, in shared lookups).
    for path in &paths[..4] {
        assert_eq!(send(app.get(path)).await.status, 200);
    }
    let town = app.as_role(Role::TownOfficer, TOWN);
    let read_all_together =
        || futures_util::future::join_all((0..40).map(|n| send(town.get(&paths[n % paths.len()]))));
    for (n, reply) in read_all_together().await.into_iter().enumerate() {
        match expected[n % paths.len()] {
            "" => {
                reply.assert_problem(404, "not_found");
            }
            number => {
                assert_eq!(reply.status, 200, "{}", reply.body);
                assert_eq!(reply.body["household_number"], number);
                assert_eq!(reply.header("etag"), Some("\"1\""));
            }
        }
    }

    // One household changed behind the program's back: only its readers see the change.
    let changed_id = paths[1].rsplit('/').next().unwrap();
    app.execute_sql(&format!(
        "UPDATE households SET version = 2, address = '五组9号' WHERE id = '{changed_id}'"
    ));
    for (n, reply) in read_all_together().await.into_iter().enumerate() {
        if expected[n % paths.len()].is_empty() {
            reply.assert_problem(404, "not_found");
            continue;
        }
        let changed = n % paths.len() == 1;
        assert_eq!(
            reply.header("etag"),
            Some(if changed { "\"2\"" } else { "\"1\"" })
        );
        assert_eq!(
            reply.body["address"],
            if changed { "五组9号" } else { "三组12号" }
        );
    }
}

#[tokio::test]
async fn copies_keep_scope_and_never_stand_in_for_a_revealed_read() {
    let app = TestApp::spawn().await;
    let (id, path) = registered(&app).await;
    let masked = send(app.get(&path)).await;
    copy_of_version(&app, &id, 1).await;

    let elsewhere = app.as_role(Role::TownOfficer, OTHER_TOWN);
    send(elsewhere.get(&path))
        .await
        .assert_problem(404, "not_found");
    send(app.get("/api/v1/households/no-such-household"))
        .await
        .assert_problem(404, "not_found");

    let district = app.as_role(Role::DistrictOfficer, DISTRICT);
    let full = send(district.get(&format!("{path}?reveal=true"))).await;
    assert_eq!(full.status, 200, "{}", full.body);
    assert_eq!(full.body["phone"], "13812345678");
    assert_ne!(
        full.body["members"][0]["id_number"],
        masked.body["members"][0]["id_number"]
    );
    assert_eq!(masked.body["phone"], "138****5678");
    let (_, copy) = stored_copy(&app, &id).unwrap();
    assert_eq!(
        copy, masked.body,
        "the revealed read leaves the masked copy as it was"
    );
}
