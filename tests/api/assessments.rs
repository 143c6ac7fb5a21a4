//! 两不愁三保障 assessments and the exit evaluation.

use fupin_domain::member::Sex;
use fupin_tests::fixtures::{gaoling, member_body, register, VILLAGE};
use fupin_tests::{send, Reply, TestApp};
use serde_json::{json, Value};

fn assessment(grade: &str, water: bool) -> Value {
    json!({"assessed_on": "2019-10-15", "food": {"satisfied": true}, "clothing": {"satisfied": true},
           "housing": {"grade": grade}, "drinking_water": {"satisfied": water, "note": "自来水入户"}})
}

fn item<'a>(reply: &'a Value, name: &str) -> &'a Value {
    reply["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"] == name)
        .unwrap()
}

fn criterion<'a>(evaluation: &'a Reply, name: &str) -> &'a Value {
    evaluation.body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["criterion"] == name)
        .unwrap()
}

async fn household(app: &TestApp) -> String {
    gaoling(app).await;
    let household = register(app, "E-1", VILLAGE, "王建国").await;
    format!("/api/v1/households/{}", household["id"].as_str().unwrap())
}

async fn income(app: &TestApp, path: &str, wage: i64) {
    let reply = send(app.put(&format!("{path}/incomes/2019"), &json!({"wage_fen": wage, "production_fen": 0,
        "property_fen": 0, "transfer_fen": 0, "production_cost_fen": 0, "recorded_on": "2019-12-20"}))).await;
    assert!(reply.status == 201 || reply.status == 200, "{}", reply.body);
}

#[tokio::test]
async fn derived_items_follow_the_members() {
    let app = TestApp::spawn().await;
    let path = household(&app).await;
    let mut child = member_body("王小明", "2009-03-01", Sex::Male, "son");
    child["schooling"] = json!("dropped_out");
    child["employment"] = json!("not_applicable");
    let child = send(app.post(&format!("{path}/members"), &child)).await;
    let recorded = send(app.post(&format!("{path}/assessments"), &assessment("b", true))).await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    let education = item(&recorded.body, "compulsory_education");
    assert_eq!(education["satisfied"], false);
    assert_eq!(education["derived"], true);
    assert_eq!(education["members_concerned"][0]["name"], "王小明");
    assert_eq!(item(&recorded.body, "basic_medical")["satisfied"], true);
    assert_eq!(recorded.body["all_satisfied"], false);

    let member_path = format!("{path}/members/{}", child.body["id"].as_str().unwrap());
    send(
        app.patch(
            &member_path,
            &json!({"schooling": "junior_secondary", "basic_medical_insurance": false}),
        )
        .header("If-Match", "\"1\""),
    )
    .await;
    let listed = send(app.get(&format!("{path}/assessments"))).await;
    let again = &listed.body["items"][0];
    assert_eq!(
        item(again, "compulsory_education")["satisfied"],
        true,
        "back in school"
    );
    assert_eq!(
        item(again, "basic_medical")["satisfied"],
        false,
        "now uninsured"
    );
}

#[tokio::test]
async fn overrides_are_an_object_not_a_list() {
    let app = TestApp::spawn().await;
    let path = household(&app).await;
    let mut body = assessment("a", true);
    body["overrides"] = json!([null, null]);
    let reply = send(app.post(&format!("{path}/assessments"), &body)).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), vec!["overrides"]);
    let listed = send(app.get(&format!("{path}/assessments"))).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn overriding_a_derived_failure_needs_a_reason_and_is_audited() {
    let app = TestApp::spawn().await;
    let path = household(&app).await;
    let mut child = member_body("王小明", "2009-03-01", Sex::Male, "son");
    child["schooling"] = json!("not_in_school");
    send(app.post(&format!("{path}/members"), &child)).await;
    let mut body = assessment("a", true);
    body["overrides"] = json!({"compulsory_education": "ok"});
    send(app.post(&format!("{path}/assessments"), &body))
        .await
        .assert_problem(422, "validation_failed");
    body["overrides"] = json!({"compulsory_education": "休学治病，有学校证明"});
    let recorded = send(app.post(&format!("{path}/assessments"), &body)).await;
    let education = item(&recorded.body, "compulsory_education");
    assert_eq!(education["satisfied"], true);
    assert_eq!(education["override_reason"], "休学治病，有学校证明");
    let audit = send(app.get("/api/v1/audit?action=override_derived_item")).await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_exit_evaluation_explains_each_criterion() {
    let app = TestApp::spawn().await;
    let path = household(&app).await;
    let evaluation_path = format!("{path}/exit-evaluation?year=2019");
    let empty = send(app.get(&evaluation_path)).await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(empty.body["eligible"], false);
    let kinds: Vec<&str> = empty.body["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["no_income_record", "no_assessment"]);

    // Fails only on income.
    income(&app, &path, 200_000).await;
    send(app.post(&format!("{path}/assessments"), &assessment("b", true))).await;
    let poor = send(app.get(&evaluation_path)).await;
    assert_eq!(poor.body["eligible"], false);
    assert_eq!(criterion(&poor, "income")["satisfied"], false);
    assert_eq!(
        criterion(&poor, "income")["evidence"]["poverty_line_fen"],
        321_800
    );
    assert_eq!(poor.body["blockers"].as_array().unwrap().len(), 0);
    let failing: Vec<&str> = poor.body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["satisfied"] == false)
        .map(|c| c["criterion"].as_str().unwrap())
        .collect();
    assert_eq!(failing, vec!["income"]);

    // Income above the line: eligible.
    let current = send(app.get(&format!("{path}/incomes/2019"))).await;
    let etag = current.header("etag").unwrap().to_owned();
    let corrected = send(app.put(&format!("{path}/incomes/2019"), &json!({"wage_fen": 500_000, "production_fen": 0,
        "property_fen": 0, "transfer_fen": 0, "production_cost_fen": 0, "recorded_on": "2019-12-20"})).header("If-Match", etag)).await;
    assert_eq!(corrected.status, 200, "{}", corrected.body);
    let ok = send(app.get(&evaluation_path)).await;
    assert_eq!(ok.body["eligible"], true, "{}", ok.body);
    assert_eq!(
        criterion(&ok, "income")["evidence"]["income_record_version"],
        2
    );

    // A later assessment failing only drinking water, then only housing.
    let mut later = assessment("b", false);
    later["assessed_on"] = json!("2019-11-01");
    send(app.post(&format!("{path}/assessments"), &later)).await;
    let water = send(app.get(&evaluation_path)).await;
    assert_eq!(water.body["eligible"], false);
    assert_eq!(criterion(&water, "drinking_water")["satisfied"], false);
    let mut house = assessment("d", true);
    house["assessed_on"] = json!("2019-11-15");
    send(app.post(&format!("{path}/assessments"), &house)).await;
    let unsafe_house = send(app.get(&evaluation_path)).await;
    assert_eq!(
        criterion(&unsafe_house, "housing_safety")["satisfied"],
        false
    );
    assert_eq!(
        criterion(&unsafe_house, "drinking_water")["satisfied"],
        true
    );
    assert_eq!(unsafe_house.body["blockers"][0]["kind"], "unsafe_house");
}

#[tokio::test]
async fn serious_illness_without_cover_blocks_exit() {
    let app = TestApp::spawn().await;
    let path = household(&app).await;
    income(&app, &path, 900_000).await;
    send(app.post(&format!("{path}/assessments"), &assessment("a", true))).await;
    let mut ill = member_body("王病", "1950-01-01", Sex::Male, "father");
    ill["health"] = json!("serious_illness");
    ill["critical_illness_insurance"] = json!(false);
    send(app.post(&format!("{path}/members"), &ill)).await;
    let evaluation = send(app.get(&format!("{path}/exit-evaluation?year=2019"))).await;
    assert_eq!(evaluation.body["eligible"], false);
    assert_eq!(
        evaluation.body["blockers"][0]["kind"],
        "serious_illness_without_cover"
    );
    assert_eq!(
        evaluation.body["blockers"][0]["members_concerned"][0]["name"],
        "王病"
    );
}

#[tokio::test]
async fn bad_assessments_and_years_are_refused() {
    let app = TestApp::spawn().await;
    let path = household(&app).await;
    // 2020's national line was published only as "about 4,000 yuan"; no district line is set.
    let no_line = send(app.get(&format!("{path}/exit-evaluation?year=2020"))).await;
    assert_eq!(no_line.status, 200, "{}", no_line.body);
    assert_eq!(no_line.body["eligible"], false);
    assert_eq!(
        no_line.body["blockers"][0]["kind"], "no_poverty_line",
        "a missing line is named as a blocker"
    );
    send(app.get(&format!("{path}/exit-evaluation")))
        .await
        .assert_problem(400, "bad_request");
    let mut future = assessment("a", true);
    future["assessed_on"] = json!("2999-01-01");
    let reply = send(app.post(&format!("{path}/assessments"), &future)).await;
    assert_eq!(reply.error_fields(), vec!["assessed_on"]);
    let bad_grade = send(app.post(&format!("{path}/assessments"), &assessment("e", true))).await;
    bad_grade.assert_problem(422, "validation_failed");
    assert_eq!(bad_grade.error_fields(), vec!["housing.grade"]);
    let mut typed_derived = assessment("a", true);
    typed_derived["compulsory_education"] = json!({"satisfied": true});
    send(app.post(&format!("{path}/assessments"), &typed_derived))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(app.count("assessments"), 0);
}

#[tokio::test]
async fn the_evaluation_fails_on_each_single_criterion() {
    let app = TestApp::spawn().await;
    let path = household(&app).await;
    income(&app, &path, 900_000).await;
    let cases: [(&str, Value); 4] = [
        (
            "food",
            json!({"assessed_on": "2019-10-01", "food": {"satisfied": false}, "clothing": {"satisfied": true}, "housing": {"grade": "a"}, "drinking_water": {"satisfied": true}}),
        ),
        (
            "clothing",
            json!({"assessed_on": "2019-10-02", "food": {"satisfied": true}, "clothing": {"satisfied": false}, "housing": {"grade": "a"}, "drinking_water": {"satisfied": true}}),
        ),
        (
            "drinking_water",
            assessment("a", false).tap_date("2019-10-03"),
        ),
        (
            "housing_safety",
            assessment("c", true).tap_date("2019-10-04"),
        ),
    ];
    for (name, body) in cases {
        send(app.post(&format!("{path}/assessments"), &body)).await;
        let evaluation = send(app.get(&format!("{path}/exit-evaluation?year=2019"))).await;
        assert_eq!(evaluation.body["eligible"], false, "{name}");
        let failing: Vec<&str> = evaluation.body["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["satisfied"] == false)
            .map(|c| c["criterion"].as_str().unwrap())
            .collect();
        assert_eq!(failing, vec![name]);
    }
    // Derived items, one at a time: a school-age dropout, then an uninsured member.
    send(app.post(
        &format!("{path}/assessments"),
        &assessment("a", true).tap_date("2019-10-05"),
    ))
    .await;
    assert_eq!(
        send(app.get(&format!("{path}/exit-evaluation?year=2019")))
            .await
            .body["eligible"],
        true
    );
    let mut child = member_body("王小明", "2009-03-01", Sex::Male, "son");
    child["schooling"] = json!("dropped_out");
    let child = send(app.post(&format!("{path}/members"), &child)).await;
    let dropout = send(app.get(&format!("{path}/exit-evaluation?year=2019"))).await;
    let failing: Vec<&str> = dropout.body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["satisfied"] == false)
        .map(|c| c["criterion"].as_str().unwrap())
        .collect();
    assert_eq!(failing, vec!["compulsory_education"]);
    assert_eq!(dropout.body["blockers"][0]["kind"], "school_age_dropout");
    let member = format!("{path}/members/{}", child.body["id"].as_str().unwrap());
    send(
        app.patch(
            &member,
            &json!({"schooling": "primary", "basic_medical_insurance": false}),
        )
        .header("If-Match", "\"1\""),
    )
    .await;
    let uninsured = send(app.get(&format!("{path}/exit-evaluation?year=2019"))).await;
    let failing: Vec<&str> = uninsured.body["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["satisfied"] == false)
        .map(|c| c["criterion"].as_str().unwrap())
        .collect();
    assert_eq!(failing, vec!["basic_medical"]);
}

trait TapDate {
    fn tap_date(self, date: &str) -> Value;
}

impl TapDate for Value {
    fn tap_date(mut self, date: &str) -> Value {
        self["assessed_on"] = json!(date);
        self
    }
}
