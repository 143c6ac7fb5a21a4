//! Money limits that hold under attack: the loan cap under concurrent applications and at each
//! step that commits money, bounds on every amount, and totals that never wrap.

use fupin_tests::fixtures::{credit_code, gaoling, register, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::{json, Value};

/// 30,000 yuan: two of these are over the 50,000-yuan cap.
const THIRTY_THOUSAND_YUAN: i64 = 3_000_000;

fn application(member: &str) -> Value {
    json!({"member_id": member, "bank": "高陵农商银行", "principal_fen": THIRTY_THOUSAND_YUAN,
           "term_months": 36, "annual_rate_bp": 435, "purpose": "大棚",
           "method": "interest_then_principal", "applied_on": "2019-03-01"})
}

async fn borrower(app: &TestApp) -> (String, String) {
    gaoling(app).await;
    let household = register(app, "CAP-1", VILLAGE, "王建国").await;
    (
        household["id"].as_str().unwrap().to_owned(),
        household["members"][0]["id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn concurrent_applications_never_grant_more_than_the_cap() {
    let app = TestApp::spawn().await;
    let (household, head) = borrower(&app).await;
    let path = format!("/api/v1/households/{household}/loans");
    let replies =
        futures_util::future::join_all((0..8).map(|_| send(app.post(&path, &application(&head)))))
            .await;
    let granted = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        granted,
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for refused in replies.iter().filter(|r| r.status != 201) {
        refused.assert_problem(422, "validation_failed");
        assert_eq!(refused.error_codes(), vec!["loan_policy"]);
    }
    assert_eq!(app.count("loans"), 1);
}

#[tokio::test]
async fn approval_and_disbursement_check_the_cap_again() {
    let app = TestApp::spawn().await;
    let hands = app.money_hands();
    let (household, head) = borrower(&app).await;
    let first = send(app.post(
        &format!("/api/v1/households/{household}/loans"),
        &application(&head),
    ))
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    // A second application that got in beside the first (as before the cap was locked, or
    // loaded from another system): together they are over the cap.
    let second = uuid::Uuid::now_v7().to_string();
    app.execute_sql(&format!(
        "INSERT INTO loans (id, household_id, county_code, region_code, member_id, bank, principal_fen, \
         term_months, annual_rate_bp, subsidy_share_bp, purpose, method, status, applied_on, decided_on, \
         disbursed_on, version, created_at, updated_at) \
         SELECT '{second}', household_id, county_code, region_code, member_id, bank, principal_fen, term_months, \
         annual_rate_bp, subsidy_share_bp, purpose, method, 'applied', applied_on, NULL, NULL, 1, created_at, \
         updated_at FROM loans WHERE id = '{}'",
        first.body["id"].as_str().unwrap()
    ));
    for loan in [first.body["id"].as_str().unwrap(), second.as_str()] {
        let approval = send(hands.town.post(
            &format!("/api/v1/loans/{loan}/approval"),
            &json!({"on": "2019-03-02"}),
        ))
        .await;
        approval.assert_problem(409, "state_conflict");
        assert!(approval.body["detail"].as_str().unwrap().contains("cap"));
    }
    let reloaded = send(app.get(&format!("/api/v1/loans/{second}"))).await;
    assert_eq!(reloaded.body["status"], "applied", "nothing changed");
    // Rejecting one lets the other through, approval and disbursement alike.
    let rejected = send(hands.town.post(
        &format!("/api/v1/loans/{second}/rejection"),
        &json!({"on": "2019-03-02"}),
    ))
    .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    let loan = format!("/api/v1/loans/{}", first.body["id"].as_str().unwrap());
    for (step, hand) in [("approval", &hands.town), ("disbursement", &hands.bank)] {
        let reply = send(hand.post(&format!("{loan}/{step}"), &json!({"on": "2019-03-05"}))).await;
        assert_eq!(reply.status, 200, "{step}: {}", reply.body);
    }
}

#[tokio::test]
async fn an_extended_loan_still_counts_against_the_cap() {
    let app = TestApp::spawn().await;
    let hands = app.money_hands();
    let (household, head) = borrower(&app).await;
    let path = format!("/api/v1/households/{household}/loans");
    let loan = send(app.post(&path, &application(&head))).await;
    let loan = format!("/api/v1/loans/{}", loan.body["id"].as_str().unwrap());
    send(
        hands
            .town
            .post(&format!("{loan}/approval"), &json!({"on": "2019-03-02"})),
    )
    .await;
    send(hands.bank.post(
        &format!("{loan}/disbursement"),
        &json!({"on": "2019-03-05"}),
    ))
    .await;
    let extended = send(hands.district.post(
        &format!("{loan}/extension"),
        &json!({"on": "2019-06-01", "new_maturity_on": "2023-03-05", "reason": "大棚受灾"}),
    ))
    .await;
    assert_eq!(extended.status, 200, "{}", extended.body);
    let again = send(app.post(&path, &application(&head))).await;
    again.assert_problem(422, "validation_failed");
    assert_eq!(app.count("loans"), 1);
}

#[tokio::test]
async fn amounts_beyond_their_bounds_are_refused_and_totals_stay_answerable() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "BIG-1", VILLAGE, "王建国").await;
    let household = household["id"].as_str().unwrap();
    let entity = send(app.post(
        "/api/v1/entities",
        &json!({"name": "大棚合作社", "kind": "cooperative", "credit_code": credit_code("00009"),
                "region_code": VILLAGE}),
    ))
    .await;
    let path = format!("/api/v1/entities/{}", entity.body["id"].as_str().unwrap());
    let huge_stake = send(app.post(
        &format!("{path}/links"),
        &json!({"household_id": household, "kind": "shares", "stake": i64::MAX, "starts_on": "2019-01-01"}),
    ))
    .await;
    huge_stake.assert_problem(422, "validation_failed");
    assert_eq!(huge_stake.error_fields(), vec!["stake"]);
    let huge_rent = send(app.post(
        &format!("{path}/links"),
        &json!({"household_id": household, "kind": "land", "land_hundredth_mu": i64::MAX,
                "rent_per_mu_fen": i64::MAX, "starts_on": "2019-01-01"}),
    ))
    .await;
    huge_rent.assert_problem(422, "validation_failed");
    assert_eq!(
        huge_rent.error_fields(),
        vec!["land_hundredth_mu", "rent_per_mu_fen"]
    );
    assert_eq!(app.count("entity_links"), 0);
    let link = send(app.post(
        &format!("{path}/links"),
        &json!({"household_id": household, "kind": "shares", "stake": 10_000_000_000i64, "starts_on": "2019-01-01"}),
    ))
    .await;
    assert_eq!(
        link.status, 201,
        "the largest stake is accepted: {}",
        link.body
    );
    for period in ["2019-H1", "2019-H2"] {
        let round = send(app.post(
            &format!("{path}/dividends"),
            &json!({"period": period, "pool_fen": 1i64 << 62, "record_date": "2019-12-31"}),
        ))
        .await;
        round.assert_problem(422, "validation_failed");
        assert_eq!(round.error_fields(), vec!["pool_fen"]);
    }
    assert_eq!(app.count("dividend_rounds"), 0);
    for period in ["2019-H1", "2019-H2"] {
        let round = send(app.post(
            &format!("{path}/dividends"),
            &json!({"period": period, "pool_fen": 10_000_000_000i64, "record_date": "2019-12-31"}),
        ))
        .await;
        assert_eq!(round.status, 201, "{}", round.body);
    }
    for path in [
        "/api/v1/statistics/summary",
        "/api/v1/statistics/by-region?level=village",
    ] {
        let reply = send(app.get(path)).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    }
    let summary = send(app.get("/api/v1/statistics/summary")).await;
    assert_eq!(
        summary.body["figures"]["dividends_paid_fen"],
        20_000_000_000i64
    );
}
