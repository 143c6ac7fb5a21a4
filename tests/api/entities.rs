//! Business entities, links and dividends.

use fupin_tests::fixtures::{credit_code, gaoling, register, VILLAGE, VILLAGE_2};
use fupin_tests::{send, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_dividend_pool_is_shared_by_stake_to_the_fen() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut ids = Vec::new();
    for (number, village) in [("D-1", VILLAGE), ("D-2", VILLAGE), ("D-3", VILLAGE_2)] {
        ids.push(
            register(&app, number, village, "王建国").await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let entity = send(app.post(
        "/api/v1/entities",
        &json!({"name": "东樊蔬菜合作社", "kind": "cooperative",
        "credit_code": credit_code("00001"), "region_code": VILLAGE}),
    ))
    .await;
    assert_eq!(entity.status, 201, "{}", entity.body);
    let path = format!("/api/v1/entities/{}", entity.body["id"].as_str().unwrap());
    for (id, stake) in ids.iter().zip([1, 2, 4]) {
        let link = send(app.post(&format!("{path}/links"), &json!({"household_id": id, "kind": "shares", "stake": stake, "starts_on": "2019-01-01"}))).await;
        assert_eq!(link.status, 201, "{}", link.body);
    }
    let land = send(app.post(
        &format!("{path}/links"),
        &json!({"household_id": ids[0], "kind": "land", "land_hundredth_mu": 150,
        "rent_per_mu_fen": 130_000, "starts_on": "2019-01-01"}),
    ))
    .await;
    assert_eq!(
        land.body["yearly_rent_fen"], 195_000,
        "1.5 mu at 1,300 yuan"
    );

    let round = send(app.post(
        &format!("{path}/dividends"),
        &json!({"period": "2019", "pool_fen": 1000, "record_date": "2019-12-31"}),
    ))
    .await;
    assert_eq!(round.status, 201, "{}", round.body);
    let parts = round.body["parts"].as_array().unwrap();
    assert_eq!(
        parts
            .iter()
            .map(|p| p["amount_fen"].as_i64().unwrap())
            .sum::<i64>(),
        1000
    );
    let by_household = |id: &str| {
        parts.iter().find(|p| p["household_id"] == id).unwrap()["amount_fen"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        (
            by_household(&ids[0]),
            by_household(&ids[1]),
            by_household(&ids[2])
        ),
        (143, 286, 571)
    );
    send(app.post(
        &format!("{path}/dividends"),
        &json!({"period": "2019", "pool_fen": 5, "record_date": "2019-12-31"}),
    ))
    .await
    .assert_problem(409, "state_conflict");
    let none = send(app.post(
        &format!("{path}/dividends"),
        &json!({"period": "2018", "pool_fen": 5, "record_date": "2018-06-30"}),
    ))
    .await;
    none.assert_problem(409, "state_conflict");
    assert_eq!(
        send(app.get(&format!("{path}/dividends"))).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn credit_codes_are_checked_and_unique() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let code = credit_code("00002");
    let mut wrong = code.clone();
    wrong.pop();
    wrong.push(if code.ends_with('0') { '1' } else { '0' });
    let bad = send(app.post(
        "/api/v1/entities",
        &json!({"name": "x", "kind": "enterprise", "credit_code": wrong, "region_code": VILLAGE}),
    ))
    .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.error_codes(), vec!["invalid_credit_code"]);
    assert_eq!(
        send(app.post(
            "/api/v1/entities",
            &json!({"name": "x", "kind": "enterprise", "credit_code": code, "region_code": VILLAGE})
        ))
        .await
        .status,
        201
    );
    send(app.post(
        "/api/v1/entities",
        &json!({"name": "y", "kind": "enterprise", "credit_code": code, "region_code": VILLAGE}),
    ))
    .await
    .assert_problem(409, "state_conflict");
    assert_eq!(app.count("business_entities"), 1);
}

#[tokio::test]
async fn the_household_ledger_gathers_every_movement_in_date_order() {
    let app = TestApp::spawn().await;
    let hands = app.money_hands();
    gaoling(&app).await;
    let household = register(&app, "G-1", VILLAGE, "王建国").await;
    let id = household["id"].as_str().unwrap().to_owned();
    let head = household["members"][0]["id"].as_str().unwrap().to_owned();
    for (reference, amount, paid_on) in [
        ("S-1", 100_000, "2019-02-01"),
        ("S-2", 50_000, "2019-08-01"),
    ] {
        send(app.post(
            &format!("/api/v1/households/{id}/subsidies"),
            &json!({"category": "education_aid", "source": "教育局",
            "amount_fen": amount, "paid_on": paid_on, "reference": reference}),
        ))
        .await;
    }
    let loan = send(app.post(&format!("/api/v1/households/{id}/loans"), &json!({"member_id": head, "bank": "农商行",
        "principal_fen": 1_000_000, "term_months": 12, "annual_rate_bp": 435, "purpose": "养殖", "method": "interest_then_principal",
        "applied_on": "2019-03-01"}))).await;
    let loan_path = format!("/api/v1/loans/{}", loan.body["id"].as_str().unwrap());
    send(hands.town.post(
        &format!("{loan_path}/approval"),
        &json!({"on": "2019-03-02"}),
    ))
    .await;
    send(hands.bank.post(
        &format!("{loan_path}/disbursement"),
        &json!({"on": "2019-03-05"}),
    ))
    .await;
    send(hands.bank.post(
        &format!("{loan_path}/repayments"),
        &json!({"paid_on": "2019-06-05", "amount_fen": 10_875, "reference": "R-1"}),
    ))
    .await;
    let entity = send(app.post(
        "/api/v1/entities",
        &json!({"name": "合作社", "kind": "cooperative",
        "credit_code": credit_code("00003"), "region_code": VILLAGE}),
    ))
    .await;
    let path = format!("/api/v1/entities/{}", entity.body["id"].as_str().unwrap());
    send(app.post(
        &format!("{path}/links"),
        &json!({"household_id": id, "kind": "shares", "stake": 1, "starts_on": "2019-01-01"}),
    ))
    .await;
    send(app.post(
        &format!("{path}/dividends"),
        &json!({"period": "2019", "pool_fen": 30_000, "record_date": "2019-12-31"}),
    ))
    .await;

    let ledger = send(app.get(&format!("/api/v1/households/{id}/ledger"))).await;
    assert_eq!(ledger.status, 200, "{}", ledger.body);
    let kinds: Vec<&str> = ledger.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "subsidy",
            "loan_disbursement",
            "loan_repayment",
            "subsidy",
            "dividend"
        ]
    );
    assert_eq!(ledger.body["lines"][3]["running_total_fen"], 150_000);
    assert_eq!(ledger.body["lines"][2]["amount_fen"], -10_875);
    assert_eq!(ledger.body["years"]["2019"]["transfer_fen"], 150_000);
    assert_eq!(ledger.body["years"]["2019"]["property_fen"], 30_000);
}

#[tokio::test]
async fn land_rent_owed_and_paid_is_shown_on_the_link_and_in_the_ledger() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let id = register(&app, "R-1", VILLAGE, "王建国").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let entity = send(app.post(
        "/api/v1/entities",
        &json!({"name": "农业公司", "kind": "enterprise",
        "credit_code": credit_code("00004"), "region_code": VILLAGE}),
    ))
    .await;
    let path = format!("/api/v1/entities/{}", entity.body["id"].as_str().unwrap());
    let land = send(app.post(
        &format!("{path}/links"),
        &json!({"household_id": id, "kind": "land", "land_hundredth_mu": 150,
        "rent_per_mu_fen": 130_000, "starts_on": "2019-01-01"}),
    ))
    .await;
    let shares = send(app.post(
        &format!("{path}/links"),
        &json!({"household_id": id, "kind": "shares", "stake": 1, "starts_on": "2019-01-01"}),
    ))
    .await;
    let rent_path = format!(
        "{path}/links/{}/rent-payments",
        land.body["id"].as_str().unwrap()
    );
    let paid = send(app.post(
        &rent_path,
        &json!({"year": 2019, "amount_fen": 195_000, "paid_on": "2019-12-20", "reference": "ZJ-1"}),
    ))
    .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    assert_eq!(
        paid.body["rent_paid"],
        json!([{"year": 2019, "amount_fen": 195_000}])
    );
    assert_eq!(paid.body["yearly_rent_fen"], 195_000);
    send(app.post(
        &rent_path,
        &json!({"year": 2019, "amount_fen": 1, "paid_on": "2019-12-21", "reference": "ZJ-1"}),
    ))
    .await
    .assert_problem(409, "state_conflict");
    let on_shares = format!(
        "{path}/links/{}/rent-payments",
        shares.body["id"].as_str().unwrap()
    );
    send(app.post(
        &on_shares,
        &json!({"year": 2019, "amount_fen": 1, "paid_on": "2019-12-21", "reference": "ZJ-2"}),
    ))
    .await
    .assert_problem(409, "state_conflict");
    let ledger = send(app.get(&format!("/api/v1/households/{id}/ledger"))).await;
    assert_eq!(ledger.body["lines"][0]["kind"], "land_rent");
    assert_eq!(ledger.body["years"]["2019"]["property_fen"], 195_000);
}
