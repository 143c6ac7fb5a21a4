//! Microloans.

use fupin_domain::access::Role;
use fupin_domain::member::Sex;
use fupin_tests::fixtures::{gaoling, member_body, register, VILLAGE};
use fupin_tests::{send, Reply, TestApp};
use serde_json::{json, Value};

async fn borrower(app: &TestApp) -> (String, String) {
    gaoling(app).await;
    let household = register(app, "L-1", VILLAGE, "王建国").await;
    let id = household["id"].as_str().unwrap().to_owned();
    let head = household["members"][0]["id"].as_str().unwrap().to_owned();
    (id, head)
}

/// A loan applied for on 2019-03-01, approved on 03-02 and disbursed on 03-05: its path and
/// the disbursement's answer.
async fn disbursed_loan(app: &TestApp, principal: i64, term: u32) -> (String, Reply) {
    let hands = app.money_hands();
    let (household, head) = borrower(app).await;
    let applied = send(app.post(
        &format!("/api/v1/households/{household}/loans"),
        &application(&head, principal, term),
    ))
    .await;
    let loan = format!("/api/v1/loans/{}", applied.body["id"].as_str().unwrap());
    send(
        hands
            .town
            .post(&format!("{loan}/approval"), &json!({"on": "2019-03-02"})),
    )
    .await;
    let disbursed = send(hands.bank.post(
        &format!("{loan}/disbursement"),
        &json!({"on": "2019-03-05"}),
    ))
    .await;
    assert_eq!(disbursed.status, 200, "{}", disbursed.body);
    (loan, disbursed)
}

fn application(member: &str, principal: i64, term: u32) -> Value {
    json!({"member_id": member, "bank": "高陵农商银行", "principal_fen": principal, "term_months": term,
           "annual_rate_bp": 435, "purpose": "豆腐作坊", "method": "interest_then_principal", "applied_on": "2019-03-01"})
}

#[tokio::test]
async fn a_loan_is_applied_for_approved_disbursed_and_repaid() {
    let app = TestApp::spawn().await;
    let hands = app.money_hands();
    let (household, head) = borrower(&app).await;
    let applied = send(app.post(
        &format!("/api/v1/households/{household}/loans"),
        &application(&head, 4_000_000, 36),
    ))
    .await;
    assert_eq!(applied.status, 201, "{}", applied.body);
    assert_eq!(applied.body["status"], "applied");
    assert_eq!(applied.body["subsidy_share_bp"], 10_000);
    let loan = format!("/api/v1/loans/{}", applied.body["id"].as_str().unwrap());

    let early = send(hands.bank.post(
        &format!("{loan}/disbursement"),
        &json!({"on": "2019-03-05"}),
    ))
    .await;
    early.assert_problem(409, "state_conflict");
    assert_eq!(
        early.body["allowed_next_steps"],
        json!(["approve", "reject"])
    );
    assert_eq!(
        send(
            hands
                .town
                .post(&format!("{loan}/approval"), &json!({"on": "2019-03-03"}))
        )
        .await
        .body["status"],
        "approved"
    );
    let disbursed = send(hands.bank.post(
        &format!("{loan}/disbursement"),
        &json!({"on": "2019-03-05"}),
    ))
    .await;
    assert_eq!(disbursed.status, 200, "{}", disbursed.body);
    let schedule = disbursed.body["schedule"].as_array().unwrap();
    assert_eq!(schedule.len(), 12);
    assert_eq!(
        schedule
            .iter()
            .map(|p| p["principal_fen"].as_i64().unwrap())
            .sum::<i64>(),
        4_000_000
    );
    assert_eq!(schedule[0]["due_on"], "2019-06-05");
    assert_eq!(schedule[0]["interest_fen"], 43_500);
    assert_eq!(
        schedule[0]["treasury_interest_fen"], 43_500,
        "the treasury pays all the interest"
    );

    let before_due = send(app.get(&format!("{loan}?as_of=2019-06-05"))).await;
    assert_eq!(before_due.body["overdue"], false);
    assert_eq!(before_due.body["next_due_on"], "2019-06-05");
    assert_eq!(before_due.body["outstanding_principal_fen"], 4_000_000);
    let after_due = send(app.get(&format!("{loan}?as_of=2019-06-06"))).await;
    assert_eq!(after_due.body["overdue"], true);
    assert_eq!(after_due.body["arrears_fen"], 43_500);

    let paid = send(hands.bank.post(
        &format!("{loan}/repayments"),
        &json!({"paid_on": "2019-06-05", "amount_fen": 43_500, "reference": "R-1"}),
    ))
    .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.body["schedule"][0]["interest_paid_fen"], 43_500);
    assert_eq!(
        send(app.get(&format!("{loan}?as_of=2019-06-06")))
            .await
            .body["overdue"],
        false
    );
    send(hands.bank.post(
        &format!("{loan}/repayments"),
        &json!({"paid_on": "2019-06-06", "amount_fen": 100, "reference": "R-1"}),
    ))
    .await
    .assert_problem(409, "state_conflict");

    let rest: i64 = schedule
        .iter()
        .map(|p| p["principal_fen"].as_i64().unwrap() + p["interest_fen"].as_i64().unwrap())
        .sum::<i64>()
        - 43_500;
    let over = send(hands.bank.post(
        &format!("{loan}/repayments"),
        &json!({"paid_on": "2019-07-01", "amount_fen": rest + 1, "reference": "R-X"}),
    ))
    .await;
    assert_eq!(over.error_codes(), vec!["overpayment"]);
    let settled = send(hands.bank.post(
        &format!("{loan}/repayments"),
        &json!({"paid_on": "2019-07-01", "amount_fen": rest, "reference": "R-2"}),
    ))
    .await;
    assert_eq!(settled.body["status"], "repaid", "{}", settled.body);
    assert_eq!(settled.body["history"][3]["status"], "repaid");
    assert_eq!(settled.body["history"][3]["on"], "2019-07-01");
    assert_eq!(settled.body["outstanding_principal_fen"], 0);
    let audit = send(app.get("/api/v1/audit?entity_type=loan&limit=200")).await;
    let actions = audit.column("items", "action");
    assert_eq!(
        actions,
        vec![
            "repay_loan",
            "repay_loan",
            "disburse_loan",
            "approve_loan",
            "apply_for_loan"
        ]
    );
}

#[tokio::test]
async fn policy_limits_are_422_naming_the_rule() {
    let app = TestApp::spawn().await;
    let (household, head) = borrower(&app).await;
    let path = format!("/api/v1/households/{household}/loans");
    let too_much = send(app.post(&path, &application(&head, 5_000_001, 36))).await;
    too_much.assert_problem(422, "validation_failed");
    assert_eq!(too_much.error_fields(), vec!["principal_fen"]);
    assert_eq!(too_much.error_codes(), vec!["loan_policy"]);
    assert_eq!(
        send(app.post(&path, &application(&head, 1_000_000, 48)))
            .await
            .error_fields(),
        vec!["term_months"]
    );
    assert_eq!(
        send(app.post(&path, &application(&head, 3_000_000, 36)))
            .await
            .status,
        201
    );
    let second = send(app.post(&path, &application(&head, 2_500_000, 12))).await;
    assert_eq!(
        second.error_fields(),
        vec!["principal_fen"],
        "50,000 yuan across the household's open loans"
    );
    let elder = send(app.post(
        &format!("/api/v1/households/{household}/members"),
        &member_body("王老", "1940-01-01", Sex::Male, "father"),
    ))
    .await;
    assert_eq!(elder.status, 201, "{}", elder.body);
    let old = send(app.post(
        &path,
        &application(elder.body["id"].as_str().unwrap(), 100_000, 12),
    ))
    .await;
    assert_eq!(old.error_fields(), vec!["member_id"]);
    assert_eq!(app.count("loans"), 1);
    let auditor = app.as_role(Role::Auditor, "610117000000");
    send(auditor.post(&path, &application(&head, 100_000, 12)))
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn the_treasury_owes_interest_unless_the_loan_is_overdue() {
    let app = TestApp::spawn().await;
    let hands = app.money_hands();
    let (household, head) = borrower(&app).await;
    let applied = send(app.post(
        &format!("/api/v1/households/{household}/loans"),
        &application(&head, 4_000_000, 36),
    ))
    .await;
    let loan = format!("/api/v1/loans/{}", applied.body["id"].as_str().unwrap());
    send(
        hands
            .town
            .post(&format!("{loan}/approval"), &json!({"on": "2019-03-03"})),
    )
    .await;
    send(hands.bank.post(
        &format!("{loan}/disbursement"),
        &json!({"on": "2019-03-05"}),
    ))
    .await;
    send(hands.bank.post(
        &format!("{loan}/repayments"),
        &json!({"paid_on": "2019-06-05", "amount_fen": 43_500, "reference": "R-1"}),
    ))
    .await;
    let june = send(app.get("/api/v1/loans/interest-subsidies?month=2019-06")).await;
    assert_eq!(june.status, 200, "{}", june.body);
    assert_eq!(june.body["total_treasury_interest_fen"], 43_500);
    assert_eq!(june.body["lines"][0]["stopped"], Value::Null);
    // The September interest was never paid: overdue at the month's end, so no subsidy.
    let september =
        send(app.get("/api/v1/loans/interest-subsidies?month=2019-09&region=610117001201")).await;
    assert_eq!(september.body["lines"][0]["stopped"], "overdue");
    assert_eq!(september.body["total_treasury_interest_fen"], 0);
    assert_eq!(
        send(app.get("/api/v1/loans/interest-subsidies?month=2019-07"))
            .await
            .body["lines"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    send(app.get("/api/v1/loans/interest-subsidies?month=June"))
        .await
        .assert_problem(400, "bad_request");
}

#[tokio::test]
async fn extensions_move_the_maturity_and_write_offs_end_the_loan() {
    let app = TestApp::spawn().await;
    let hands = app.money_hands();
    let (loan, disbursed) = disbursed_loan(&app, 1_200_000, 6).await;
    let interest: i64 = disbursed.body["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["interest_fen"].as_i64().unwrap())
        .sum();
    send(hands.bank.post(
        &format!("{loan}/repayments"),
        &json!({"paid_on": "2019-09-05", "amount_fen": interest, "reference": "I"}),
    ))
    .await;
    let at_maturity = send(app.get(&format!("{loan}?as_of=2019-09-06"))).await;
    assert_eq!(
        at_maturity.body["overdue"], true,
        "principal was due on 2019-09-05"
    );

    let bad = send(hands.district.post(
        &format!("{loan}/extension"),
        &json!({"on": "2019-09-01", "new_maturity_on": "2019-08-01", "reason": "灾后延期"}),
    ))
    .await;
    assert_eq!(bad.error_fields(), vec!["new_maturity_on"]);
    let extended = send(hands.district.post(
        &format!("{loan}/extension"),
        &json!({"on": "2019-09-01", "new_maturity_on": "2020-03-05", "reason": "灾后延期"}),
    ))
    .await;
    assert_eq!(extended.status, 200, "{}", extended.body);
    assert_eq!(extended.body["status"], "extended");
    assert_eq!(
        extended.body["schedule"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["due_on"],
        "2020-03-05"
    );
    assert_eq!(
        send(app.get(&format!("{loan}?as_of=2019-09-06")))
            .await
            .body["overdue"],
        false
    );
    let audit = send(app.get("/api/v1/audit?action=extend_loan")).await;
    assert_eq!(audit.body["items"][0]["after"]["reason"], "灾后延期");
    let extension = &extended.body["history"][3];
    assert_eq!(extension["status"], "extended");
    assert_eq!(extension["maturity_on"], "2020-03-05");
    assert_eq!(extension["reason"], "灾后延期");
    let stored_maturity = fupin_persistence::loans::schedule(
        &mut app.pool.get().unwrap(),
        extended.body["id"].as_str().unwrap(),
    )
    .unwrap()
    .last()
    .unwrap()
    .due_on;
    assert_eq!(
        stored_maturity.to_string(),
        "2019-09-05",
        "the generated schedule is kept; the extension is appended beside it"
    );

    let write_off = json!({"on": "2019-10-01", "reason": "户主去世，无力偿还"});
    send(
        hands
            .district
            .post(&format!("{loan}/write-off"), &write_off),
    )
    .await
    .assert_problem(403, "separation_of_duties");
    let second_district = app.as_role(Role::DistrictOfficer, "610117000000");
    let written_off = send(second_district.post(&format!("{loan}/write-off"), &write_off)).await;
    assert_eq!(written_off.body["status"], "written_off");
    let steps: Vec<(&str, &str)> = written_off.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["status"].as_str().unwrap(), e["on"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("applied", "2019-03-01"),
            ("approved", "2019-03-02"),
            ("disbursed", "2019-03-05"),
            ("extended", "2019-09-01"),
            ("written_off", "2019-10-01")
        ]
    );
    assert_eq!(
        written_off.body["history"][4]["reason"],
        "户主去世，无力偿还"
    );
    send(hands.bank.post(
        &format!("{loan}/repayments"),
        &json!({"paid_on": "2019-10-02", "amount_fen": 100, "reference": "X"}),
    ))
    .await
    .assert_problem(409, "state_conflict");
    let refused = send(hands.district.post(
        &format!("{loan}/extension"),
        &json!({"on": "2019-10-02", "new_maturity_on": "2021-01-01", "reason": "again"}),
    ))
    .await;
    refused.assert_problem(409, "state_conflict");
    assert_eq!(
        send(app.get("/api/v1/loans/interest-subsidies?month=2019-06"))
            .await
            .body["total_treasury_interest_fen"],
        0,
        "no subsidy for a written-off loan"
    );
}

#[tokio::test]
async fn loans_are_listed_by_region_and_status() {
    let app = TestApp::spawn().await;
    let hands = app.money_hands();
    let (household, head) = borrower(&app).await;
    let other = register(
        &app,
        "L-2",
        fupin_tests::fixtures::OTHER_TOWN_VILLAGE,
        "李四",
    )
    .await;
    let other_head = other["members"][0]["id"].as_str().unwrap().to_owned();
    send(app.post(
        &format!("/api/v1/households/{household}/loans"),
        &application(&head, 100_000, 12),
    ))
    .await;
    let second = send(app.post(
        &format!("/api/v1/households/{}/loans", other["id"].as_str().unwrap()),
        &application(&other_head, 200_000, 12),
    ))
    .await;
    send(hands.district.post(
        &format!(
            "/api/v1/loans/{}/approval",
            second.body["id"].as_str().unwrap()
        ),
        &json!({"on": "2019-03-02"}),
    ))
    .await;
    assert_eq!(
        send(app.get("/api/v1/loans")).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        send(app.get("/api/v1/loans?status=approved")).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // A status no loan can have is a bad parameter, not an empty page.
    send(app.get("/api/v1/loans?status=closed"))
        .await
        .assert_problem(400, "bad_request");
    let town = send(app.get("/api/v1/loans?region=610117001000")).await;
    assert_eq!(town.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(town.body["items"][0]["region_code"], VILLAGE);
    let page = send(app.get("/api/v1/loans?limit=1")).await;
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let rest = send(app.get(&format!("/api/v1/loans?limit=1&cursor={cursor}"))).await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest.body["next_cursor"], Value::Null);
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    assert_eq!(
        send(officer.get("/api/v1/loans")).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn concurrent_repayments_are_each_applied_once() {
    let app = TestApp::spawn().await;
    let (loan, disbursed) = disbursed_loan(&app, 1_000_000, 12).await;
    let owed: i64 = disbursed.body["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["principal_fen"].as_i64().unwrap() + p["interest_fen"].as_i64().unwrap())
        .sum();

    let path = format!("{loan}/repayments");
    let hands = app.money_hands();
    let small = (0..8).map(|n| {
        send(hands.bank.post(
            &path,
            &json!({"paid_on": "2019-04-01", "amount_fen": 1_000, "reference": format!("P-{n}")}),
        ))
    });
    let replies = futures_util::future::join_all(small).await;
    assert!(
        replies.iter().all(|r| r.status == 200),
        "every repayment is taken"
    );
    assert_eq!(app.count("loan_repayments"), 8);

    // Two repayments of everything that is left: only one can be taken.
    let rest = owed - 8_000;
    let both = (0..2).map(|n| {
        send(hands.bank.post(
            &path,
            &json!({"paid_on": "2019-04-02", "amount_fen": rest, "reference": format!("ALL-{n}")}),
        ))
    });
    let replies = futures_util::future::join_all(both).await;
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        vec![200, 409],
        "one settles the loan; the other finds it repaid"
    );
    let settled = send(app.get(&loan)).await;
    assert_eq!(settled.body["status"], "repaid");
    assert_eq!(settled.body["outstanding_principal_fen"], 0);
    assert_eq!(app.count("loan_repayments"), 9);
}
