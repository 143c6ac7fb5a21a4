//! The microloan policy as versioned reference data: changed through the API by the district,
//! audited, and a loan judged by the version in force on its application date.

use fupin_domain::access::Role;
use fupin_domain::member::Sex;
use fupin_tests::fixtures::{gaoling, member_body, register, DISTRICT, TOWN, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::{json, Value};

fn version(effective_from: &str, max_age: i32, cap_fen: i64) -> Value {
    json!({"effective_from": effective_from, "max_principal_fen": cap_fen, "max_term_months": 36,
        "min_borrower_age": 18, "max_borrower_age": max_age, "interest_subsidy_share_bp": 10_000,
        "basis": "区扶贫开发领导小组关于调整扶贫小额信贷政策的通知"})
}

fn application(member: &str, principal: i64, applied_on: &str) -> Value {
    json!({"member_id": member, "bank": "高陵农商银行", "principal_fen": principal, "term_months": 12,
        "annual_rate_bp": 435, "purpose": "养殖", "method": "interest_then_principal", "applied_on": applied_on})
}

#[tokio::test]
async fn the_district_versions_the_policy_and_nobody_rewrites_the_past() {
    let app = TestApp::spawn().await;
    let listed = send(app.get("/api/v1/loan-policies")).await;
    let items = listed.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{}", listed.body);
    assert_eq!(items[0]["max_principal_fen"], 5_000_000);
    assert_eq!(items[0]["max_borrower_age"], 65);
    assert!(items[0]["basis"].as_str().unwrap().contains("国开办发"));

    let in_30_days = (app.clock.today() + chrono::Duration::days(30)).to_string();
    let yesterday = (app.clock.today() - chrono::Duration::days(1)).to_string();
    let village = app.as_role(Role::VillageOfficer, VILLAGE);
    send(village.post(
        "/api/v1/loan-policies",
        &version(&in_30_days, 75, 5_000_000),
    ))
    .await
    .assert_problem(403, "forbidden");
    let district = app.as_role(Role::DistrictOfficer, DISTRICT);
    let backdated =
        send(district.post("/api/v1/loan-policies", &version(&yesterday, 75, 5_000_000))).await;
    assert_eq!(backdated.error_fields(), vec!["effective_from"]);
    let ages = send(district.post(
        "/api/v1/loan-policies",
        &version(&in_30_days, 10, 5_000_000),
    ))
    .await;
    assert_eq!(ages.error_fields(), vec!["max_borrower_age"]);
    let cap = send(district.post("/api/v1/loan-policies", &version(&in_30_days, 75, 0))).await;
    assert_eq!(cap.error_fields(), vec!["max_principal_fen"]);
    assert_eq!(app.count("loan_policies"), 1, "refusals write nothing");

    let recorded = send(district.post(
        "/api/v1/loan-policies",
        &version(&in_30_days, 75, 5_000_000),
    ))
    .await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    send(district.post(
        "/api/v1/loan-policies",
        &version(&in_30_days, 70, 5_000_000),
    ))
    .await
    .assert_problem(409, "state_conflict");
    let audit = send(app.get("/api/v1/audit?action=record_loan_policy")).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_loan_is_judged_by_the_policy_of_its_application_date() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "P-1", VILLAGE, "王建国").await;
    let id = household["id"].as_str().unwrap();
    let head = household["members"][0]["id"].as_str().unwrap();
    // The head's father is 71.
    let father = send(app.post(
        &format!("/api/v1/households/{id}/members"),
        &member_body("王老汉", "1955-01-01", Sex::Male, "father"),
    ))
    .await;
    let father = father.body["id"].as_str().unwrap().to_owned();
    let district = app.as_role(Role::DistrictOfficer, DISTRICT);
    let in_30_days = app.clock.today() + chrono::Duration::days(30);
    // From next month borrowers may be 75, and a household may owe 30,000 yuan at most.
    let recorded = send(district.post(
        "/api/v1/loan-policies",
        &version(&in_30_days.to_string(), 75, 3_000_000),
    ))
    .await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);

    let loans = format!("/api/v1/households/{id}/loans");
    let today = app.clock.today().to_string();
    let too_old = send(app.post(&loans, &application(&father, 1_000_000, &today))).await;
    assert_eq!(
        too_old.error_codes(),
        vec!["loan_policy"],
        "{}",
        too_old.body
    );
    // Applied today for 40,000 yuan under today's cap of 50,000.
    let applied = send(app.post(&loans, &application(head, 4_000_000, &today))).await;
    assert_eq!(applied.status, 201, "{}", applied.body);
    let loan = format!("/api/v1/loans/{}", applied.body["id"].as_str().unwrap());

    app.clock.advance_days(30);
    let town = app.as_role(Role::TownOfficer, TOWN);
    let approved = send(town.post(
        &format!("{loan}/approval"),
        &json!({"on": app.clock.today()}),
    ))
    .await;
    assert_eq!(
        approved.status, 200,
        "judged by the cap of its application date: {}",
        approved.body
    );
    let today = app.clock.today().to_string();
    let now_allowed = send(app.post(&loans, &application(&father, 100_000, &today))).await;
    assert_eq!(
        now_allowed.error_codes(),
        vec!["loan_policy"],
        "the father is old enough now, but the household is over the new cap: {}",
        now_allowed.body
    );
    assert!(now_allowed.body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("3000000"));
}
