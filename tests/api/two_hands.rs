//! Money needs two pairs of hands: nobody runs a loan alone, a bank's client records only what
//! a bank records, and whoever took a step never takes the next one. Each bypass is refused and
//! writes nothing.

use fupin_domain::access::{Action, Role};
use fupin_tests::fixtures::{gaoling, household_body, register, DISTRICT, OTHER_TOWN, VILLAGE};
use fupin_tests::{send, Caller, Reply, TestApp};
use serde_json::{json, Value};

async fn apply(applicant: &Caller<'_>, app: &TestApp, number: &str) -> String {
    let household = register(app, number, VILLAGE, "王建国").await;
    let id = household["id"].as_str().unwrap();
    let head = household["members"][0]["id"].as_str().unwrap();
    let applied = send(applicant.post(
        &format!("/api/v1/households/{id}/loans"),
        &json!({"member_id": head, "bank": "高陵农商银行", "principal_fen": 4_000_000, "term_months": 36,
            "annual_rate_bp": 435, "purpose": "豆腐作坊", "method": "interest_then_principal", "applied_on": "2019-03-01"}),
    ))
    .await;
    assert_eq!(applied.status, 201, "{}", applied.body);
    format!("/api/v1/loans/{}", applied.body["id"].as_str().unwrap())
}

fn on(date: &str) -> Value {
    json!({"on": date})
}

/// The loan's status and how many steps it has recorded.
async fn standing(app: &TestApp, loan: &str) -> (String, usize) {
    let reply = send(app.get(loan)).await;
    (
        reply.body["status"].as_str().unwrap().to_owned(),
        reply.body["history"].as_array().unwrap().len(),
    )
}

#[tokio::test]
async fn no_officer_runs_a_loan_alone() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let village = app.as_role(Role::VillageOfficer, VILLAGE);
    let district = app.as_role(Role::DistrictOfficer, DISTRICT);
    let loan = apply(&village, &app, "H-1").await;

    for (step, body) in [
        ("approval", on("2019-03-02")),
        ("disbursement", on("2019-03-05")),
        (
            "write-off",
            json!({"on": "2019-03-05", "reason": "无力偿还"}),
        ),
    ] {
        send(village.post(&format!("{loan}/{step}"), &body))
            .await
            .assert_problem(403, "forbidden");
    }
    assert_eq!(standing(&app, &loan).await, ("applied".to_owned(), 1));

    // A district officer may take every kind of step, but never two in a row.
    let own = apply(&district, &app, "H-2").await;
    let refused = send(district.post(&format!("{own}/approval"), &on("2019-03-02"))).await;
    refused.assert_problem(403, "separation_of_duties");
    send(district.post(&format!("{own}/rejection"), &on("2019-03-02")))
        .await
        .assert_problem(403, "separation_of_duties");
    assert_eq!(standing(&app, &own).await, ("applied".to_owned(), 1));

    send(district.post(&format!("{loan}/approval"), &on("2019-03-02")))
        .await
        .assert_status(200);
    send(district.post(&format!("{loan}/disbursement"), &on("2019-03-05")))
        .await
        .assert_problem(403, "separation_of_duties");
    let bank = app.as_client(&[Action::ReadRegistry, Action::RecordLoanEvents], DISTRICT);
    send(bank.post(&format!("{loan}/disbursement"), &on("2019-03-05")))
        .await
        .assert_status(200);

    // Whoever approved or disbursed never restructures; the extension's officer does not
    // write off next.
    let extension =
        json!({"on": "2019-06-01", "new_maturity_on": "2022-09-05", "reason": "灾后延期"});
    send(district.post(&format!("{loan}/extension"), &extension))
        .await
        .assert_problem(403, "separation_of_duties");
    send(bank.post(&format!("{loan}/extension"), &extension))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(standing(&app, &loan).await, ("disbursed".to_owned(), 3));
    let second = app.as_role(Role::DistrictOfficer, DISTRICT);
    send(second.post(&format!("{loan}/extension"), &extension))
        .await
        .assert_status(200);
    let write_off = json!({"on": "2019-07-01", "reason": "户主去世，无力偿还"});
    send(second.post(&format!("{loan}/write-off"), &write_off))
        .await
        .assert_problem(403, "separation_of_duties");
    send(district.post(&format!("{loan}/write-off"), &write_off))
        .await
        .assert_problem(403, "separation_of_duties");
    let third = app.as_role(Role::DistrictOfficer, DISTRICT);
    send(third.post(&format!("{loan}/write-off"), &write_off))
        .await
        .assert_status(200);
    let history = send(app.get(&loan)).await.body["history"].clone();
    let recorded_by: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["recorded_by"].as_str().unwrap())
        .collect();
    assert_eq!(
        recorded_by,
        vec![
            village.username.as_str(),
            district.username.as_str(),
            bank.username.as_str(),
            second.username.as_str(),
            third.username.as_str()
        ]
    );
}

#[tokio::test]
async fn one_officer_approving_and_disbursing_at_once_never_gets_both() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let village = app.as_role(Role::VillageOfficer, VILLAGE);
    let district = app.as_role(Role::DistrictOfficer, DISTRICT);
    for round in 0..5 {
        let loan = apply(&village, &app, &format!("R-{round}")).await;
        let approval = district.post(&format!("{loan}/approval"), &on("2019-03-02"));
        let disbursement = district.post(&format!("{loan}/disbursement"), &on("2019-03-05"));
        let (approved, disbursed) = tokio::join!(send(approval), send(disbursement));
        assert_eq!(approved.status, 200, "{}", approved.body);
        assert!(
            matches!(disbursed.status, 403 | 409),
            "the approver disbursed too: {}",
            disbursed.body
        );
        assert_eq!(standing(&app, &loan).await, ("approved".to_owned(), 2));
    }
}

#[tokio::test]
async fn a_bank_client_records_disbursements_and_repayments_in_its_region_only() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let village = app.as_role(Role::VillageOfficer, VILLAGE);
    let town = app.as_role(Role::TownOfficer, "610117001000");
    let loan = apply(&village, &app, "H-1").await;
    let bank = app.as_client(
        &[
            Action::ReadRegistry,
            Action::ApproveLoans,
            Action::RecordLoanEvents,
        ],
        DISTRICT,
    );
    let elsewhere = app.as_client(
        &[Action::ReadRegistry, Action::RecordLoanEvents],
        OTHER_TOWN,
    );

    send(bank.post(
        "/api/v1/households",
        &household_body("B-1", VILLAGE, "李四"),
    ))
    .await
    .assert_problem(403, "forbidden");
    send(town.post(&format!("{loan}/approval"), &on("2019-03-02")))
        .await
        .assert_status(200);
    send(elsewhere.post(&format!("{loan}/disbursement"), &on("2019-03-05")))
        .await
        .assert_problem(404, "not_found");
    send(bank.post(&format!("{loan}/disbursement"), &on("2019-03-05")))
        .await
        .assert_status(200);
    let repayment = json!({"paid_on": "2019-04-05", "amount_fen": 14_500, "reference": "HK-1"});
    send(elsewhere.post(&format!("{loan}/repayments"), &repayment))
        .await
        .assert_problem(404, "not_found");
    let repaid = send(bank.post(&format!("{loan}/repayments"), &repayment)).await;
    assert_eq!(repaid.status, 200, "{}", repaid.body);
    assert_eq!(app.count("loan_repayments"), 1);
    let reader = app.as_client(&[Action::ReadRegistry], DISTRICT);
    send(reader.post(&format!("{loan}/repayments"), &repayment))
        .await
        .assert_problem(403, "forbidden");
    send(reader.get("/api/v1/changes"))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.count("loan_repayments"), 1);
}

trait AssertStatus {
    fn assert_status(self, status: u16) -> Reply;
}

impl AssertStatus for Reply {
    fn assert_status(self, status: u16) -> Reply {
        assert_eq!(self.status, status, "{}", self.body);
        self
    }
}
