//! Data-quality runs, findings and scores over HTTP.

use diesel::prelude::*;
use fupin_domain::access::{Action, Role};
use fupin_domain::member::Sex;
use fupin_tests::fixtures::{gaoling, member_body, register, VILLAGE, VILLAGE_2};
use fupin_tests::{keys, send, Reply, TestApp};
use serde_json::{json, Value};

async fn run(app: &TestApp, mode: &str) -> Value {
    let reply = send(app.post(
        "/api/v1/data-quality/runs",
        &json!({"mode": mode, "year": 2019}),
    ))
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

async fn findings(app: &TestApp, query: &str) -> Vec<Value> {
    let reply = send(app.get(&format!("/api/v1/data-quality/findings?limit=200{query}"))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"].as_array().unwrap().clone()
}

fn rules_of(found: &[Value]) -> Vec<&str> {
    let mut rules: Vec<&str> = found.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    rules.sort_unstable();
    rules
}

/// A household in `VILLAGE` with a school-age child who is not in school, and a good one in
/// `VILLAGE_2`. Returns (bad household, child member).
async fn registry(app: &TestApp) -> (String, String) {
    gaoling(app).await;
    let bad = register(app, "Q-1", VILLAGE, "王建国").await;
    let bad_id = bad["id"].as_str().unwrap().to_owned();
    let mut child = member_body("王小军", "2015-06-01", Sex::Male, "son");
    child["schooling"] = json!("not_in_school");
    child["labour_ability"] = json!("none");
    let added = send(app.post(&format!("/api/v1/households/{bad_id}/members"), &child)).await;
    assert_eq!(added.status, 201, "{}", added.body);
    register(app, "Q-2", VILLAGE_2, "李明").await;
    (bad_id, added.body["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_run_finds_what_is_wrong_and_a_fix_clears_it_on_the_next_run() {
    let app = TestApp::spawn().await;
    let (bad, child) = registry(&app).await;
    // Wrong in ways the API refuses, so written straight to the database: an invalid phone.
    let sealed = keys().seal("12345").unwrap();
    diesel::sql_query(format!(
        "UPDATE households SET phone_cipher = '{sealed}' WHERE id = '{bad}'"
    ))
    .execute(&mut app.pool.get().unwrap())
    .unwrap();
    // Records written well before a run are not "changed" for the run after it.
    app.clock.advance_days(1);
    let first = run(&app, "full").await;
    assert_eq!(first["households_checked"], 2);
    assert_eq!(first["mode"], "full");
    let found = findings(&app, "").await;
    assert_eq!(
        rules_of(&found),
        vec!["phone_invalid", "school_age_not_in_school"],
        "{found:?}"
    );
    let school = found
        .iter()
        .find(|f| f["rule"] == "school_age_not_in_school")
        .unwrap();
    assert_eq!(school["entity_type"], "member");
    assert_eq!(school["entity_id"], child.as_str());
    assert_eq!(school["household_id"], bad.as_str());
    assert_eq!(school["severity"], "warning");
    assert!(!school["message_zh"].as_str().unwrap().is_empty());
    assert_eq!(first["warnings"], 2);
    assert_eq!(first["errors"], 0);
    assert!(
        !found[0]["message_en"].as_str().unwrap().contains("12345"),
        "no raw phone"
    );

    let member = send(app.get(&format!("/api/v1/households/{bad}/members/{child}"))).await;
    let etag = member.header("etag").unwrap().to_owned();
    let fixed = send(
        app.patch(
            &format!("/api/v1/households/{bad}/members/{child}"),
            &json!({"schooling": "junior_secondary"}),
        )
        .header("If-Match", etag),
    )
    .await;
    assert_eq!(fixed.status, 200, "{}", fixed.body);
    let second = run(&app, "changed").await;
    assert_eq!(second["mode"], "changed");
    assert_eq!(
        second["households_checked"], 1,
        "only the changed household"
    );
    assert_eq!(rules_of(&findings(&app, "").await), vec!["phone_invalid"]);
    let runs = send(app.get("/api/v1/data-quality/runs")).await;
    assert_eq!(runs.body["items"].as_array().unwrap().len(), 2);
    let recorded = send(app.get(&format!(
        "/api/v1/data-quality/runs/{}",
        first["id"].as_str().unwrap()
    )))
    .await;
    assert_eq!(recorded.body["households_checked"], 2);

    // A removed household leaves the registry's active records and its findings go with it.
    let removed = send(app.post(
        &format!("/api/v1/households/{bad}/removal"),
        &json!({"removed_on": app.clock.today(), "kind": "natural_decrease", "reason": "全户迁出"}),
    ))
    .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    let third = run(&app, "changed").await;
    assert_eq!(third["warnings"], 0);
    assert!(findings(&app, "").await.is_empty());
    let scores = send(app.get("/api/v1/data-quality/scores")).await;
    assert_eq!(scores.body["overall"]["records_checked"], 1);
}

#[tokio::test]
async fn errors_lower_the_score_and_regions_are_ranked() {
    let app = TestApp::spawn().await;
    let (bad, _) = registry(&app).await;
    // No current head: an error.
    diesel::sql_query(format!(
        "UPDATE members SET relation = 'spouse' WHERE household_id = '{bad}' AND relation = 'head'"
    ))
    .execute(&mut app.pool.get().unwrap())
    .unwrap();
    register(&app, "Q-3", VILLAGE, "张三").await;
    run(&app, "full").await;
    let errors = findings(&app, "&severity=error").await;
    assert_eq!(rules_of(&errors), vec!["head_count"]);
    let scores = send(app.get("/api/v1/data-quality/scores?level=village")).await;
    assert_eq!(scores.status, 200, "{}", scores.body);
    let rows = scores.body["rows"].as_array().unwrap();
    let row = |code: &str| {
        rows.iter()
            .find(|r| r["region_code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(row(VILLAGE_2)["score_bp"], 10_000);
    assert_eq!(row(VILLAGE_2)["rank"], 1);
    assert_eq!(row(VILLAGE)["records_checked"], 2);
    assert_eq!(row(VILLAGE)["records_with_errors"], 1);
    assert_eq!(row(VILLAGE)["score_bp"], 5_000);
    assert_eq!(row(VILLAGE)["rank"], 2);
    assert_eq!(rows[0]["region_code"], VILLAGE_2, "best first");
    assert_eq!(scores.body["overall"]["records_checked"], 3);
    assert_eq!(scores.body["overall"]["score_bp"], 6_667);
    let towns = send(app.get("/api/v1/data-quality/scores?level=town")).await;
    assert_eq!(towns.body["rows"][0]["records_checked"], 3);
}

#[tokio::test]
async fn runs_need_the_permission_and_bad_input_is_refused() {
    let app = TestApp::spawn().await;
    registry(&app).await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    send(officer.post("/api/v1/data-quality/runs", &json!({"mode": "full"})))
        .await
        .assert_problem(403, "forbidden");
    let checker = app.as_client(
        &[Action::ReadRegistry, Action::RunDataQuality],
        "610117000000",
    );
    let by_checker = send(checker.post("/api/v1/data-quality/runs", &json!({}))).await;
    assert_eq!(by_checker.status, 201, "{}", by_checker.body);
    let bad_mode: Reply =
        send(app.post("/api/v1/data-quality/runs", &json!({"mode": "sometimes"}))).await;
    bad_mode.assert_problem(422, "validation_failed");
    send(app.get("/api/v1/data-quality/findings?rule=no_such_rule"))
        .await
        .assert_problem(400, "bad_request");
    send(app.get("/api/v1/data-quality/scores?level=county"))
        .await
        .assert_problem(400, "bad_request");
    let rules = send(app.get("/api/v1/data-quality/rules")).await;
    assert!(rules.body.as_array().unwrap().len() >= 19);
    // The officer sees only findings of their own village.
    let seen = send(officer.get("/api/v1/data-quality/findings")).await;
    assert!(seen.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["region_code"] == VILLAGE));
}
