//! The exit procedure, return to poverty, removal, monitoring and the history.

use fupin_domain::access::Role;
use fupin_tests::fixtures::{gaoling, register, DISTRICT, TOWN, VILLAGE};
use fupin_tests::{send, Reply, TestApp};
use serde_json::{json, Value};

async fn eligible_household(app: &TestApp) -> String {
    gaoling(app).await;
    let household = register(app, "X-1", VILLAGE, "王建国").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    let income = send(app.put(&format!("{path}/incomes/2019"), &json!({"wage_fen": 900_000, "production_fen": 0,
        "property_fen": 0, "transfer_fen": 0, "production_cost_fen": 0, "recorded_on": "2019-12-20"}))).await;
    assert_eq!(income.status, 201, "{}", income.body);
    let assessed = send(app.post(
        &format!("{path}/assessments"),
        &json!({"assessed_on": "2019-10-15",
        "food": {"satisfied": true}, "clothing": {"satisfied": true}, "housing": {"grade": "a"},
        "drinking_water": {"satisfied": true}}),
    ))
    .await;
    assert_eq!(assessed.status, 201, "{}", assessed.body);
    path
}

fn today(app: &TestApp) -> String {
    app.clock.today().to_string()
}

fn allowed(reply: &Reply) -> Vec<String> {
    reply.body["allowed_next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_exit_runs_review_verification_notice_and_approval() {
    let app = TestApp::spawn().await;
    let path = eligible_household(&app).await;
    let village = app.as_role(Role::VillageOfficer, VILLAGE);
    let town = app.as_role(Role::TownOfficer, TOWN);
    let district = app.as_role(Role::DistrictOfficer, DISTRICT);

    let proposed = send(village.post(
        &format!("{path}/exit/proposal"),
        &json!({"village_review_on": today(&app), "minutes_reference": "评议纪要-7"}),
    ))
    .await;
    assert_eq!(proposed.status, 200, "{}", proposed.body);
    assert_eq!(proposed.body["exit_stage"], "proposed");
    assert_eq!(proposed.body["status"], "not_exited");
    send(village.post(
        &format!("{path}/exit/verification"),
        &json!({"verified_on": today(&app)}),
    ))
    .await
    .assert_problem(403, "forbidden");
    assert_eq!(
        send(town.post(
            &format!("{path}/exit/verification"),
            &json!({"verified_on": today(&app)})
        ))
        .await
        .body["exit_stage"],
        "verified"
    );
    let noticed = send(town.post(
        &format!("{path}/exit/notice"),
        &json!({"notice_started_on": today(&app)}),
    ))
    .await;
    assert_eq!(noticed.body["exit_stage"], "noticed");
    assert_eq!(noticed.body["notice_started_on"], today(&app));

    send(town.post(
        &format!("{path}/exit/approval"),
        &json!({"approved_on": today(&app), "exit_year": 2019}),
    ))
    .await
    .assert_problem(403, "forbidden");
    let early = send(district.post(
        &format!("{path}/exit/approval"),
        &json!({"approved_on": today(&app), "exit_year": 2019}),
    ))
    .await;
    early.assert_problem(409, "state_conflict");
    assert!(early.body["notice_ends_on"].is_string(), "{}", early.body);

    app.clock.advance_days(7);
    let approved = send(district.post(
        &format!("{path}/exit/approval"),
        &json!({"approved_on": today(&app), "exit_year": 2019}),
    ))
    .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.body["status"], "exited");
    assert_eq!(approved.body["exit_year"], 2019);
    assert_eq!(approved.body["exit_stage"], "none");

    let exited = send(app.get("/api/v1/households?status=exited&exit_year=2019")).await;
    assert_eq!(exited.body["items"].as_array().unwrap().len(), 1);

    let history = send(app.get(&format!("{path}/history"))).await;
    let events: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        vec![
            "propose_exit",
            "verify_exit",
            "start_notice",
            "approve_exit"
        ]
    );
    let first = &history.body["items"][0];
    assert_eq!(first["reference"], "评议纪要-7");
    assert_eq!(first["role"], "village_officer");
    assert_eq!(first["actor_id"], village.user_id.as_str());
    let approval = &history.body["items"][3];
    assert_eq!(
        approval["evidence"]["eligible"], true,
        "the evaluation used is kept"
    );
    assert_eq!(approval["from_status"], "not_exited");
    assert_eq!(approval["to_status"], "exited");

    let audit = send(app.get("/api/v1/audit?action=approve_exit")).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn steps_out_of_order_are_409_with_the_allowed_next_steps() {
    let app = TestApp::spawn().await;
    let path = eligible_household(&app).await;
    let refused = send(app.post(
        &format!("{path}/exit/approval"),
        &json!({"approved_on": today(&app), "exit_year": 2019}),
    ))
    .await;
    refused.assert_problem(409, "state_conflict");
    assert_eq!(allowed(&refused), vec!["propose_exit", "remove"]);
    send(app.post(
        &format!("{path}/exit/proposal"),
        &json!({"village_review_on": today(&app), "minutes_reference": "m"}),
    ))
    .await;
    let skip = send(app.post(
        &format!("{path}/exit/notice"),
        &json!({"notice_started_on": today(&app)}),
    ))
    .await;
    skip.assert_problem(409, "state_conflict");
    assert_eq!(allowed(&skip), vec!["verify_exit", "reject_exit"]);
    let back = send(app.post(
        &format!("{path}/return"),
        &json!({"returned_on": today(&app), "cause": "illness"}),
    ))
    .await;
    back.assert_problem(409, "state_conflict");
    let future = send(app.post(
        &format!("{path}/exit/verification"),
        &json!({"verified_on": "2999-01-01"}),
    ))
    .await;
    assert_eq!(future.error_fields(), vec!["verified_on"]);
    assert_eq!(
        send(app.get(&format!("{path}/history"))).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "refusals write nothing"
    );
}

#[tokio::test]
async fn approval_is_refused_when_the_evaluation_fails_and_rejection_starts_over() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "X-2", VILLAGE, "李四").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    for (step, body) in [
        (
            "exit/proposal",
            json!({"village_review_on": today(&app), "minutes_reference": "m"}),
        ),
        ("exit/verification", json!({"verified_on": today(&app)})),
        ("exit/notice", json!({"notice_started_on": today(&app)})),
    ] {
        assert_eq!(
            send(app.post(&format!("{path}/{step}"), &body))
                .await
                .status,
            200,
            "{step}"
        );
    }
    app.clock.advance_days(8);
    let refused = send(app.post(
        &format!("{path}/exit/approval"),
        &json!({"approved_on": today(&app), "exit_year": 2019}),
    ))
    .await;
    refused.assert_problem(409, "state_conflict");
    assert_eq!(refused.body["evaluation"]["eligible"], false);
    assert_eq!(
        refused.body["evaluation"]["blockers"][0]["kind"],
        "no_income_record"
    );

    let rejected = send(app.post(
        &format!("{path}/exit/rejection"),
        &json!({"rejected_on": today(&app), "reason": "收入未达标"}),
    ))
    .await;
    assert_eq!(rejected.body["exit_stage"], "none");
    assert_eq!(rejected.body["notice_started_on"], Value::Null);
    let history = send(app.get(&format!("{path}/history"))).await;
    assert_eq!(history.body["items"][3]["reason"], "收入未达标");
}

#[tokio::test]
async fn exited_households_can_return_and_anyone_can_be_removed_or_monitored() {
    let app = TestApp::spawn().await;
    let path = eligible_household(&app).await;
    for (step, body) in [
        (
            "exit/proposal",
            json!({"village_review_on": today(&app), "minutes_reference": "m"}),
        ),
        ("exit/verification", json!({"verified_on": today(&app)})),
        ("exit/notice", json!({"notice_started_on": today(&app)})),
    ] {
        send(app.post(&format!("{path}/{step}"), &body)).await;
    }
    app.clock.advance_days(7);
    send(app.post(
        &format!("{path}/exit/approval"),
        &json!({"approved_on": today(&app), "exit_year": 2019}),
    ))
    .await;

    let flagged = send(app.post(&format!("{path}/monitoring"), &json!({"kind": "unstable_exited", "risk": "户主残疾，收入不稳", "identified_on": today(&app)}))).await;
    assert_eq!(flagged.status, 200, "{}", flagged.body);
    assert_eq!(flagged.body["monitoring"]["kind"], "unstable_exited");
    assert_eq!(
        send(app.get("/api/v1/households?monitoring_kind=unstable_exited"))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let cleared = send(app.post(
        &format!("{path}/monitoring/clearance"),
        &json!({"cleared_on": today(&app), "reason": "收入稳定高于监测线"}),
    ))
    .await;
    assert_eq!(cleared.body["monitoring"], Value::Null);
    send(app.post(
        &format!("{path}/monitoring/clearance"),
        &json!({"cleared_on": today(&app), "reason": "again"}),
    ))
    .await
    .assert_problem(409, "state_conflict");

    let returned = send(app.post(
        &format!("{path}/return"),
        &json!({"returned_on": today(&app), "cause": "illness"}),
    ))
    .await;
    assert_eq!(returned.body["status"], "returned");
    let again = send(app.post(
        &format!("{path}/exit/proposal"),
        &json!({"village_review_on": today(&app), "minutes_reference": "m2"}),
    ))
    .await;
    assert_eq!(
        again.body["exit_stage"], "proposed",
        "a returned household re-enters the procedure"
    );
    send(app.post(
        &format!("{path}/exit/rejection"),
        &json!({"rejected_on": today(&app), "reason": "not yet"}),
    ))
    .await;

    let town = app.as_role(Role::TownOfficer, TOWN);
    send(town.post(
        &format!("{path}/removal"),
        &json!({"removed_on": today(&app), "kind": "natural_decrease", "reason": "全户迁出"}),
    ))
    .await
    .assert_problem(403, "forbidden");
    let removed = send(app.post(
        &format!("{path}/removal"),
        &json!({"removed_on": today(&app), "kind": "natural_decrease", "reason": "全户迁出"}),
    ))
    .await;
    assert_eq!(removed.body["status"], "removed");
    assert_eq!(
        send(app.get("/api/v1/households")).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "out of active lists"
    );
    assert_eq!(
        send(app.get("/api/v1/households?status=removed"))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "the record stays"
    );
    let after = send(app.post(
        &format!("{path}/return"),
        &json!({"returned_on": today(&app), "cause": "illness"}),
    ))
    .await;
    after.assert_problem(409, "state_conflict");
    assert!(allowed(&after).is_empty());
    let events: Vec<String> = send(app.get(&format!("{path}/history"))).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        events,
        vec![
            "propose_exit",
            "verify_exit",
            "start_notice",
            "approve_exit",
            "flag_monitoring",
            "clear_monitoring",
            "return_to_poverty",
            "propose_exit",
            "reject_exit",
            "remove"
        ]
    );
    let id = path.rsplit('/').next().unwrap();
    let audit = send(app.get(&format!(
        "/api/v1/audit?entity_type=household&entity_id={id}&limit=200"
    )))
    .await;
    let actions = audit.column("items", "action");
    for expected in [
        "approve_exit",
        "clear_monitoring",
        "return_to_poverty",
        "remove",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn a_monitored_household_is_flagged_but_takes_no_exit() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut body = fupin_tests::fixtures::household_body("M-1", VILLAGE, "赵六");
    body["kind"] = json!("monitored");
    let created = send(app.post("/api/v1/households", &body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["kind"], "monitored");
    let path = format!(
        "/api/v1/households/{}",
        created.body["id"].as_str().unwrap()
    );
    let flagged = send(app.post(
        &format!("{path}/monitoring"),
        &json!({"kind": "edge", "risk": "家庭成员患大病", "identified_on": today(&app)}),
    ))
    .await;
    assert_eq!(flagged.body["monitoring"]["kind"], "edge");
    let refused = send(app.post(
        &format!("{path}/exit/proposal"),
        &json!({"village_review_on": today(&app), "minutes_reference": "m"}),
    ))
    .await;
    refused.assert_problem(409, "state_conflict");
    assert_eq!(allowed(&refused), vec!["remove"]);
    let monitored = send(app.get("/api/v1/households?kind=monitored&monitoring_kind=edge")).await;
    assert_eq!(monitored.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        send(app.get("/api/v1/households?kind=registered"))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn every_step_leaves_an_audit_entry() {
    let app = TestApp::spawn().await;
    let path = eligible_household(&app).await;
    for (step, body) in [
        (
            "exit/proposal",
            json!({"village_review_on": today(&app), "minutes_reference": "m"}),
        ),
        (
            "exit/rejection",
            json!({"rejected_on": today(&app), "reason": "复核"}),
        ),
        (
            "exit/proposal",
            json!({"village_review_on": today(&app), "minutes_reference": "m"}),
        ),
        ("exit/verification", json!({"verified_on": today(&app)})),
        ("exit/notice", json!({"notice_started_on": today(&app)})),
        (
            "monitoring",
            json!({"kind": "edge", "risk": "风险", "identified_on": today(&app)}),
        ),
    ] {
        assert_eq!(
            send(app.post(&format!("{path}/{step}"), &body))
                .await
                .status,
            200,
            "{step}"
        );
    }
    let id = path.rsplit('/').next().unwrap();
    let audit = send(app.get(&format!(
        "/api/v1/audit?entity_type=household&entity_id={id}&limit=200"
    )))
    .await;
    let actions = audit.column("items", "action");
    for expected in [
        "propose_exit",
        "reject_exit",
        "verify_exit",
        "start_notice",
        "flag_monitoring",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn the_notice_runs_on_the_servers_clock_whatever_dates_a_client_sends() {
    let app = TestApp::spawn().await;
    let path = eligible_household(&app).await;
    let registered_on = today(&app);
    app.clock.advance_days(30);
    // The paper says review, verification and notice all happened on the day of registration,
    // 30 days ago: the dates are kept, but the notice runs from the day its start is recorded.
    for (step, body) in [
        (
            "exit/proposal",
            json!({"village_review_on": registered_on, "minutes_reference": "评议纪要-9"}),
        ),
        ("exit/verification", json!({"verified_on": registered_on})),
        ("exit/notice", json!({"notice_started_on": registered_on})),
    ] {
        let reply = send(app.post(&format!("{path}/{step}"), &body)).await;
        assert_eq!(reply.status, 200, "{step}: {}", reply.body);
    }
    let noticed = send(app.get(&path)).await;
    assert_eq!(noticed.body["notice_started_on"], today(&app));
    let approval = json!({"approved_on": today(&app), "exit_year": 2019});
    let early = send(app.post(&format!("{path}/exit/approval"), &approval)).await;
    early.assert_problem(409, "state_conflict");
    app.clock.advance_days(6);
    let approval = json!({"approved_on": today(&app), "exit_year": 2019});
    send(app.post(&format!("{path}/exit/approval"), &approval))
        .await
        .assert_problem(409, "state_conflict");
    assert_eq!(send(app.get(&path)).await.body["status"], "not_exited");
    app.clock.advance_days(1);
    let approval = json!({"approved_on": today(&app), "exit_year": 2019});
    let approved = send(app.post(&format!("{path}/exit/approval"), &approval)).await;
    assert_eq!(approved.status, 200, "{}", approved.body);

    let history = send(app.get(&format!("{path}/history"))).await;
    let items = history.body["items"].as_array().unwrap();
    assert_eq!(
        items[2]["occurred_on"],
        registered_on.as_str(),
        "the paper's date"
    );
    let recorded_notice = &items[2]["created_at"].as_str().unwrap()[..10];
    let recorded_approval = &items[3]["created_at"].as_str().unwrap()[..10];
    assert!(
        recorded_approval > recorded_notice,
        "the server's clock stamps each step: {recorded_notice} then {recorded_approval}"
    );
}

#[tokio::test]
async fn step_dates_follow_the_previous_step_the_registration_and_the_identification() {
    let app = TestApp::spawn().await;
    let path = eligible_household(&app).await;
    let registered = app.clock.today();
    app.clock.advance_days(10);
    let day = |offset: i64| (registered + chrono::Duration::days(offset)).to_string();

    let backdated = send(app.post(
        &format!("{path}/exit/proposal"),
        &json!({"village_review_on": "2017-06-01", "minutes_reference": "补记"}),
    ))
    .await;
    backdated.assert_problem(422, "validation_failed");
    assert_eq!(backdated.error_fields(), vec!["village_review_on"]);
    assert!(
        backdated.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("registered"),
        "{}",
        backdated.body
    );
    send(app.post(
        &format!("{path}/exit/proposal"),
        &json!({"village_review_on": day(5), "minutes_reference": "评议纪要"}),
    ))
    .await;
    let before_review = send(app.post(
        &format!("{path}/exit/verification"),
        &json!({"verified_on": day(4)}),
    ))
    .await;
    assert_eq!(before_review.error_fields(), vec!["verified_on"]);
    send(app.post(
        &format!("{path}/exit/verification"),
        &json!({"verified_on": day(5)}),
    ))
    .await;
    send(app.post(
        &format!("{path}/exit/notice"),
        &json!({"notice_started_on": day(6)}),
    ))
    .await;
    app.clock.advance_days(7);
    let before_identification = send(app.post(
        &format!("{path}/exit/approval"),
        &json!({"approved_on": today(&app), "exit_year": 2013}),
    ))
    .await;
    assert_eq!(before_identification.error_fields(), vec!["exit_year"]);
    let history = send(app.get(&format!("{path}/history"))).await;
    assert_eq!(
        history.body["items"].as_array().unwrap().len(),
        3,
        "refusals write nothing"
    );
    assert_eq!(send(app.get(&path)).await.body["exit_stage"], "noticed");
}
