//! History recorded as history: an exit decided on paper before the registry is one explicit,
//! marked event with its document, never a backdated run of the live procedure.

use chrono::Datelike;
use fupin_domain::access::Role;
use fupin_domain::member::Sex;
use fupin_tests::fixtures::{gaoling, member_body, register, DISTRICT, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::{json, Value};

fn exit_2016() -> Value {
    json!({"event": "exit", "occurred_on": "2016-12-20", "exit_year": 2016,
        "document": {"number": "高扶发〔2016〕27号", "issuer": "高陵区扶贫开发领导小组", "issued_on": "2016-12-20"},
        "reason": "2016年度脱贫户，据纸质档案补录"})
}

/// A household identified in 2016 with its 2016 income and assessment, and its path.
async fn household_of_2016(app: &TestApp, number: &str) -> String {
    let household = register(app, number, VILLAGE, "王建国").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    let income = send(app.put(&format!("{path}/incomes/2016"), &json!({"wage_fen": 900_000, "production_fen": 0,
        "property_fen": 0, "transfer_fen": 0, "production_cost_fen": 0, "recorded_on": "2016-11-01"}))).await;
    assert_eq!(income.status, 201, "{}", income.body);
    path
}

async fn assess_2016(app: &TestApp, path: &str, overrides: Value) {
    let assessed = send(app.post(
        &format!("{path}/assessments"),
        &json!({"assessed_on": "2016-10-15", "food": {"satisfied": true}, "clothing": {"satisfied": true},
            "housing": {"grade": "b"}, "drinking_water": {"satisfied": true}, "overrides": overrides}),
    ))
    .await;
    assert_eq!(assessed.status, 201, "{}", assessed.body);
}

#[tokio::test]
async fn an_exit_decided_on_paper_is_one_marked_event_with_its_document() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let path = household_of_2016(&app, "H-1").await;
    assess_2016(&app, &path, json!({})).await;

    let village = app.as_role(Role::VillageOfficer, VILLAGE);
    send(village.post(&format!("{path}/history"), &exit_2016()))
        .await
        .assert_problem(403, "forbidden");
    let district = app.as_role(Role::DistrictOfficer, DISTRICT);
    let recorded = send(district.post(&format!("{path}/history"), &exit_2016())).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    assert_eq!(recorded.body["status"], "exited");
    assert_eq!(recorded.body["exit_year"], 2016);
    assert_eq!(recorded.body["exit_recorded_as_history"], true);

    let history = send(app.get(&format!("{path}/history"))).await;
    let items = history.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "one event, not six backdated steps");
    let event = &items[0];
    assert_eq!(event["event"], "approve_exit");
    assert_eq!(event["historical"], true);
    assert_eq!(event["occurred_on"], "2016-12-20");
    assert_eq!(event["document"]["number"], "高扶发〔2016〕27号");
    assert_eq!(event["evidence"]["eligible"], true);
    let unchecked: Vec<&str> = event["unchecked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        unchecked,
        vec![
            "propose_exit",
            "verify_exit",
            "start_notice",
            "approve_exit"
        ]
    );

    let feed = send(app.get("/api/v1/changes?entity=household")).await;
    let last = feed.body["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "record_history");
    assert_eq!(last["historical"], true);
    assert_eq!(last["change"], "state_change");
    let summary = send(app.get("/api/v1/statistics/summary")).await;
    let exits = &summary.body["figures"]["exits_by_year"]["2016"];
    assert_eq!(exits["households"], 1);
    assert_eq!(exits["recorded_as_history"]["households"], 1);
    assert_eq!(exits["recorded_as_history"]["persons"], exits["persons"]);

    // Later steps are live, dated after the history.
    let early = send(app.post(
        &format!("{path}/return"),
        &json!({"returned_on": "2016-06-01", "cause": "illness"}),
    ))
    .await;
    assert_eq!(early.error_fields(), vec!["returned_on"]);
    let returned = send(app.post(
        &format!("{path}/return"),
        &json!({"returned_on": app.clock.today(), "cause": "illness"}),
    ))
    .await;
    assert_eq!(returned.status, 200, "{}", returned.body);
    assert_eq!(returned.body["exit_recorded_as_history"], false);
}

#[tokio::test]
async fn history_is_refused_where_it_would_rewrite_the_registry() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let path = household_of_2016(&app, "H-1").await;
    let today = app.clock.today().to_string();
    let cases = [
        ("occurred_on", json!({"occurred_on": today})),
        ("occurred_on", json!({"occurred_on": "2015-12-20"})),
        ("exit_year", json!({"exit_year": null})),
        ("exit_year", json!({"exit_year": 2017})),
        ("exit_year", json!({"exit_year": 2015})),
        (
            "document.issued_on",
            json!({"document": {"number": "x", "issuer": "y", "issued_on": "2999-01-01"}}),
        ),
    ];
    for (field, change) in cases {
        let mut body = exit_2016();
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let refused = send(app.post(&format!("{path}/history"), &body)).await;
        refused.assert_problem(422, "validation_failed");
        assert_eq!(refused.error_fields(), vec![field], "{change}");
    }
    // A live procedure under way is not cut short by history.
    send(app.post(
        &format!("{path}/exit/proposal"),
        &json!({"village_review_on": today, "minutes_reference": "评议纪要"}),
    ))
    .await;
    let under_way = send(app.post(&format!("{path}/history"), &exit_2016())).await;
    under_way.assert_problem(409, "state_conflict");
    let history = send(app.get(&format!("{path}/history"))).await;
    assert_eq!(
        history.body["items"].as_array().unwrap().len(),
        1,
        "refusals write nothing"
    );
    assert_eq!(send(app.get(&path)).await.body["status"], "not_exited");
}

#[tokio::test]
async fn what_history_cannot_show_is_listed_in_its_record() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    // No assessment for 2016: the exit is recorded, the missing evidence named.
    let path = household_of_2016(&app, "H-1").await;
    let recorded = send(app.post(&format!("{path}/history"), &exit_2016())).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    let history = send(app.get(&format!("{path}/history"))).await;
    let unchecked = history.body["items"][0]["unchecked"]
        .as_array()
        .unwrap()
        .clone();
    let evaluation = unchecked
        .iter()
        .find(|u| u["check"] == "exit_evaluation")
        .expect("the failed evaluation is listed");
    assert!(
        evaluation["explanation"]
            .as_str()
            .unwrap()
            .contains("assessment"),
        "{evaluation}"
    );
}

#[tokio::test]
async fn a_past_year_is_evaluated_on_its_assessment_and_its_documented_override() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let path = household_of_2016(&app, "H-1").await;
    // A child of 12 in 2016, in school then, finished since: not in school now.
    let child = send(app.post(
        &format!("{path}/members"),
        &member_body("王小明", "2004-03-01", Sex::Male, "son"),
    ))
    .await;
    assert_eq!(child.status, 201, "{}", child.body);
    assess_2016(&app, &path, json!({})).await;
    let without = send(app.get(&format!("{path}/exit-evaluation?year=2016"))).await;
    assert_eq!(without.body["eligible"], false, "{}", without.body);
    assess_2016(
        &app,
        &path,
        json!({"compulsory_education": "评估时在校就读，现已毕业"}),
    )
    .await;
    // A newer assessment, made after 2016, is not the evidence of 2016.
    let later = send(app.post(
        &format!("{path}/assessments"),
        &json!({"assessed_on": app.clock.today(), "food": {"satisfied": true}, "clothing": {"satisfied": true},
            "housing": {"grade": "d"}, "drinking_water": {"satisfied": true}}),
    ))
    .await;
    assert_eq!(later.status, 201, "{}", later.body);
    let with = send(app.get(&format!("{path}/exit-evaluation?year=2016"))).await;
    assert_eq!(with.body["eligible"], true, "{}", with.body);
    assert!(with.body["blockers"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn an_import_carries_each_households_status_history() {
    use crate::exports::{import, import_line, ndjson, NDJSON};
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut exited = import_line("I-1", VILLAGE, "张三");
    exited["history"] = json!([exit_2016()]);
    let mut bad = import_line("I-2", VILLAGE, "李四");
    let mut future = exit_2016();
    future["occurred_on"] = json!("2999-01-01");
    bad["history"] = json!([future]);

    let village = app.as_role(Role::VillageOfficer, VILLAGE);
    let refused = send(
        app.client
            .post(app.url("/api/v1/imports/households?mode=all_or_nothing"))
            .bearer_auth(&village.token)
            .header("Content-Type", NDJSON)
            .body(ndjson(std::slice::from_ref(&exited))),
    )
    .await;
    assert_eq!(refused.body["committed"], false, "{}", refused.body);
    assert_eq!(refused.body["results"][0]["errors"][0]["field"], "history");
    assert_eq!(app.count("households"), 0);

    let reply = import(&app, "best_effort", NDJSON, &ndjson(&[exited, bad])).await;
    assert_eq!(
        reply.body["results"][0]["result"], "created",
        "{}",
        reply.body
    );
    assert_eq!(reply.body["results"][1]["result"], "failed");
    assert_eq!(
        reply.body["results"][1]["errors"][0]["field"],
        "history[0].occurred_on"
    );
    let id = reply.body["results"][0]["household_id"].as_str().unwrap();
    let household = send(app.get(&format!("/api/v1/households/{id}"))).await;
    assert_eq!(household.body["status"], "exited");
    assert_eq!(household.body["exit_recorded_as_history"], true);
    let history = send(app.get(&format!("/api/v1/households/{id}/history"))).await;
    assert_eq!(history.body["items"][0]["historical"], true);
    assert_eq!(app.count("households"), 1, "the refused line left nothing");
}

#[tokio::test]
async fn a_past_assessment_is_judged_on_the_members_as_they_were_then() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "H-1", VILLAGE, "王建国").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    let year = app.clock.today().format("%Y").to_string();
    let birth = format!("{}-03-01", app.clock.today().year_ce().1 - 12);
    let mut pupil = member_body("王小明", &birth, Sex::Male, "son");
    pupil["schooling"] = json!("primary");
    let pupil = send(app.post(&format!("{path}/members"), &pupil)).await;
    assert_eq!(pupil.status, 201, "{}", pupil.body);
    let line = json!({"poverty_line_fen": 450_000, "monitoring_line_fen": 675_000, "source": "区扶贫办所用标准"});
    let set = send(app.put(&format!("/api/v1/poverty-lines/{year}"), &line)).await;
    assert_eq!(set.status, 201, "{}", set.body);
    let income = send(app.put(&format!("{path}/incomes/{year}"), &json!({"wage_fen": 2_000_000, "production_fen": 0,
        "property_fen": 0, "transfer_fen": 0, "production_cost_fen": 0, "recorded_on": app.clock.today()}))).await;
    assert_eq!(income.status, 201, "{}", income.body);
    let assessed = send(app.post(
        &format!("{path}/assessments"),
        &json!({"assessed_on": app.clock.today(), "food": {"satisfied": true}, "clothing": {"satisfied": true},
            "housing": {"grade": "b"}, "drinking_water": {"satisfied": true}}),
    ))
    .await;
    assert_eq!(assessed.body["all_satisfied"], true, "{}", assessed.body);

    // Ten days later the boy leaves school: the assessment made before stands as it was.
    app.clock.advance_days(10);
    let member = format!("{path}/members/{}", pupil.body["id"].as_str().unwrap());
    let dropped = send(
        app.patch(&member, &json!({"schooling": "not_in_school"}))
            .header("If-Match", "\"1\""),
    )
    .await;
    assert_eq!(dropped.status, 200, "{}", dropped.body);
    let evaluation = send(app.get(&format!("{path}/exit-evaluation?year={year}"))).await;
    assert_eq!(evaluation.body["eligible"], true, "{}", evaluation.body);
    let listed = send(app.get(&format!("{path}/assessments"))).await;
    assert_eq!(listed.body["items"][0]["all_satisfied"], true);

    // An assessment made now sees him out of school.
    let now = send(app.post(
        &format!("{path}/assessments"),
        &json!({"assessed_on": app.clock.today(), "food": {"satisfied": true}, "clothing": {"satisfied": true},
            "housing": {"grade": "b"}, "drinking_water": {"satisfied": true}}),
    ))
    .await;
    assert_eq!(now.body["all_satisfied"], false, "{}", now.body);
    let evaluation = send(app.get(&format!("{path}/exit-evaluation?year={year}"))).await;
    assert_eq!(evaluation.body["eligible"], false);
    assert_eq!(evaluation.body["blockers"][0]["kind"], "school_age_dropout");
}
