//! The subsidy ledger.

use fupin_domain::access::Role;
use fupin_domain::member::Sex;
use fupin_tests::fixtures::{gaoling, member_body, register, OTHER_TOWN_VILLAGE, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::{json, Value};

fn payment(reference: &str, amount: i64) -> Value {
    json!({"category": "education_aid", "source": "高陵区教育局", "program": "雨露计划", "amount_fen": amount,
           "paid_on": "2019-09-01", "reference": reference})
}

async fn household(app: &TestApp, number: &str, village: &str) -> String {
    let household = register(app, number, village, "王建国").await;
    household["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn payments_are_recorded_listed_and_totalled() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let id = household(&app, "S-1", VILLAGE).await;
    let first = send(app.post(
        &format!("/api/v1/households/{id}/subsidies"),
        &payment("JY-1", 150_000),
    ))
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["amount_fen"], 150_000);
    assert_eq!(first.body["recorded_by"], "admin");
    let health = json!({"category": "health_reimbursement", "insurance_layer": "critical_illness", "source": "医保局",
        "amount_fen": 235_000, "paid_on": "2018-06-03", "reference": "YB-1"});
    assert_eq!(
        send(app.post(&format!("/api/v1/households/{id}/subsidies"), &health))
            .await
            .status,
        201
    );
    send(app.post(
        &format!("/api/v1/households/{id}/subsidies"),
        &payment("JY-2", 50_000),
    ))
    .await;

    let listed = send(app.get(&format!("/api/v1/subsidies?household={id}"))).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 3);
    let by_category = send(app.get("/api/v1/subsidies?category=health_reimbursement")).await;
    assert_eq!(by_category.body["items"].as_array().unwrap().len(), 1);
    let totals = send(app.get(&format!("/api/v1/subsidies/totals?household={id}"))).await;
    assert_eq!(totals.body["by_year"]["2019"]["education_aid"], 200_000);
    assert_eq!(
        totals.body["by_year"]["2018"]["health_reimbursement"],
        235_000
    );
    assert_eq!(totals.body["total_fen"], 435_000);
    let year = send(app.get("/api/v1/subsidies/totals?region=610117001201&year=2019")).await;
    assert_eq!(year.body["total_fen"], 200_000);
}

#[tokio::test]
async fn a_resent_payment_is_not_recorded_twice() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let id = household(&app, "S-1", VILLAGE).await;
    let first = send(app.post(
        &format!("/api/v1/households/{id}/subsidies"),
        &payment("JY-1", 150_000),
    ))
    .await;
    let again = send(app.post(
        &format!("/api/v1/households/{id}/subsidies"),
        &payment("JY-1", 150_000),
    ))
    .await;
    again.assert_problem(409, "state_conflict");
    assert_eq!(again.body["existing_entry_id"], first.body["id"]);
    assert_eq!(app.count("subsidy_entries"), 1);
}

#[tokio::test]
async fn a_mistake_is_reversed_once_never_edited() {
    let app = TestApp::spawn().await;
    let hands = app.money_hands();
    gaoling(&app).await;
    let id = household(&app, "S-1", VILLAGE).await;
    let entry = send(app.post(
        &format!("/api/v1/households/{id}/subsidies"),
        &payment("JY-1", 150_000),
    ))
    .await;
    let entry_id = entry.body["id"].as_str().unwrap();
    let reversal_path = format!("/api/v1/subsidies/{entry_id}/reversal");
    let alone = send(app.post(
        &reversal_path,
        &json!({"reversed_on": "2019-09-05", "reference": "JY-1-R", "reason": "重复发放"}),
    ))
    .await;
    alone.assert_problem(403, "separation_of_duties");
    assert_eq!(app.count("subsidy_entries"), 1, "the refusal wrote nothing");
    let reversal = send(hands.district.post(
        &reversal_path,
        &json!({"reversed_on": "2019-09-05", "reference": "JY-1-R", "reason": "重复发放"}),
    ))
    .await;
    assert_eq!(reversal.status, 201, "{}", reversal.body);
    assert_eq!(reversal.body["amount_fen"], -150_000);
    assert_eq!(reversal.body["reverses_id"], entry_id);
    assert_eq!(
        send(app.get(&format!("/api/v1/subsidies/totals?household={id}")))
            .await
            .body["total_fen"],
        0
    );
    send(app.post(
        &reversal_path,
        &json!({"reversed_on": "2019-09-05", "reference": "JY-1-R2", "reason": "again"}),
    ))
    .await
    .assert_problem(409, "state_conflict");
    let of_reversal = format!(
        "/api/v1/subsidies/{}/reversal",
        reversal.body["id"].as_str().unwrap()
    );
    send(app.post(
        &of_reversal,
        &json!({"reversed_on": "2019-09-06", "reference": "JY-1-R3", "reason": "undo"}),
    ))
    .await
    .assert_problem(409, "state_conflict");
    send(hands.district.post(
        "/api/v1/subsidies/nothing/reversal",
        &json!({"reversed_on": "2019-09-06", "reference": "x", "reason": "xx"}),
    ))
    .await
    .assert_problem(404, "not_found");
    assert_eq!(app.count("subsidy_entries"), 2);
    let audit = send(app.get("/api/v1/audit?entity_type=subsidy")).await;
    let actions = audit.column("items", "action");
    assert_eq!(actions, vec!["reverse_subsidy", "record_subsidy"]);
}

#[tokio::test]
async fn bad_payments_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let id = household(&app, "S-1", VILLAGE).await;
    let path = format!("/api/v1/households/{id}/subsidies");
    let mut no_layer = payment("H-1", 100);
    no_layer["category"] = json!("health_reimbursement");
    assert_eq!(
        send(app.post(&path, &no_layer)).await.error_fields(),
        vec!["insurance_layer"]
    );
    assert_eq!(
        send(app.post(&path, &payment("Z-1", 0)))
            .await
            .error_fields(),
        vec!["amount_fen"]
    );
    assert_eq!(
        send(app.post(&path, &payment("Z-2", -100)))
            .await
            .error_fields(),
        vec!["amount_fen"]
    );
    let huge = app.post_raw(
        &path,
        "application/json",
        &payment("H-2", 1)
            .to_string()
            .replace("\"amount_fen\":1", "\"amount_fen\":99999999999999999999"),
    );
    let too_big = send(huge).await;
    too_big.assert_problem(422, "validation_failed");
    assert_eq!(too_big.error_fields(), vec!["amount_fen"]);
    let mut unknown = payment("U-1", 100);
    unknown["category"] = json!("lottery_win");
    let refused = send(app.post(&path, &unknown)).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.error_codes(), vec!["invalid_choice"]);
    assert_eq!(refused.error_fields(), vec!["category"]);
    let mut future = payment("F-1", 100);
    future["paid_on"] = json!("2999-01-01");
    assert_eq!(
        send(app.post(&path, &future)).await.error_fields(),
        vec!["paid_on"]
    );

    let son = send(app.post(
        &format!("/api/v1/households/{id}/members"),
        &member_body("王强", "2000-01-01", Sex::Male, "son"),
    ))
    .await;
    let son_id = son.body["id"].as_str().unwrap();
    send(app.post(
        &format!("/api/v1/households/{id}/members/{son_id}/leave"),
        &json!({"left_on": "2019-01-01", "reason": "moved"}),
    ))
    .await;
    let mut to_son = payment("M-1", 100);
    to_son["member_id"] = json!(son_id);
    let gone = send(app.post(&path, &to_son)).await;
    gone.assert_problem(422, "validation_failed");
    assert_eq!(gone.error_codes(), vec!["member_not_current"]);
    to_son["paid_on"] = json!("2018-09-01");
    to_son["reference"] = json!("M-2");
    assert_eq!(
        send(app.post(&path, &to_son)).await.status,
        201,
        "still in the household then"
    );
    assert_eq!(app.count("subsidy_entries"), 1);
}

#[tokio::test]
async fn the_ledger_is_scoped() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let own = household(&app, "S-1", VILLAGE).await;
    let other = household(&app, "S-2", OTHER_TOWN_VILLAGE).await;
    send(app.post(
        &format!("/api/v1/households/{own}/subsidies"),
        &payment("A", 100),
    ))
    .await;
    send(app.post(
        &format!("/api/v1/households/{other}/subsidies"),
        &payment("B", 200),
    ))
    .await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let listed = send(officer.get("/api/v1/subsidies")).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        send(officer.get("/api/v1/subsidies/totals")).await.body["total_fen"],
        100
    );
    send(officer.post(
        &format!("/api/v1/households/{other}/subsidies"),
        &payment("C", 300),
    ))
    .await
    .assert_problem(404, "not_found");
    let auditor = app.as_role(Role::Auditor, "610117000000");
    send(auditor.post(
        &format!("/api/v1/households/{own}/subsidies"),
        &payment("D", 300),
    ))
    .await
    .assert_problem(403, "forbidden");
}
