//! Relations that fit ages: an 8-year-old "spouse" or a 7-year-old "parent" is refused where it
//! is entered and reported by the data-quality rule where it is stored.

use fupin_domain::member::Sex;
use fupin_tests::fixtures::{gaoling, member_body, register, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::json;

use crate::exports::{import, import_line, ndjson, NDJSON};

/// The members path of a household whose head was born in 1975.
async fn members_of_a_new_household(app: &TestApp) -> String {
    let household = register(app, "R-1", VILLAGE, "王建国").await;
    format!(
        "/api/v1/households/{}/members",
        household["id"].as_str().unwrap()
    )
}

#[tokio::test]
async fn members_whose_relation_does_not_fit_their_age_are_refused() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let path = members_of_a_new_household(&app).await;
    for (relation, birth, sex) in [
        ("spouse", "2018-03-01", Sex::Female),
        ("father", "2019-03-01", Sex::Male),
        ("son", "1980-03-01", Sex::Male),
        ("granddaughter", "2000-03-01", Sex::Female),
    ] {
        let refused = send(app.post(&path, &member_body("李四", birth, sex, relation))).await;
        refused.assert_problem(422, "validation_failed");
        assert_eq!(
            refused.error_fields(),
            vec!["relation"],
            "{relation} {birth}"
        );
        assert_eq!(refused.body["errors"][0]["code"], "relation_age");
    }
    assert_eq!(app.count("members"), 1, "nothing was added");
    let spouse = send(app.post(
        &path,
        &member_body("李秀英", "1977-01-01", Sex::Female, "spouse"),
    ))
    .await;
    assert_eq!(spouse.status, 201, "{}", spouse.body);
    let son = send(app.post(
        &path,
        &member_body("王小军", "2003-06-01", Sex::Male, "son"),
    ))
    .await;
    assert_eq!(son.status, 201, "{}", son.body);

    // An edit that makes the son older than his father is refused too.
    let older = send(
        app.patch(
            &format!("{path}/{}", son.body["id"].as_str().unwrap()),
            &json!({"birth_date": "1970-06-01", "id_number": fupin_tests::fixtures::id_number("1970-06-01", Sex::Male)}),
        )
        .header("If-Match", "\"1\""),
    )
    .await;
    assert_eq!(older.error_fields(), vec!["relation"], "{}", older.body);

    let mut line = import_line("R-2", VILLAGE, "张三");
    line["members"].as_array_mut().unwrap().push(member_body(
        "张小花",
        "2019-02-01",
        Sex::Female,
        "spouse",
    ));
    let reply = import(&app, "all_or_nothing", NDJSON, &ndjson(&[line])).await;
    assert_eq!(reply.body["committed"], false, "{}", reply.body);
    assert_eq!(
        reply.body["results"][0]["errors"][0]["field"],
        "members[1].relation"
    );
    assert_eq!(app.count("households"), 1);
}

#[tokio::test]
async fn the_relation_rule_reports_what_was_stored_before_the_check() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let path = members_of_a_new_household(&app).await;
    let spouse = send(app.post(
        &path,
        &member_body("李秀英", "1977-01-01", Sex::Female, "spouse"),
    ))
    .await;
    let spouse_id = spouse.body["id"].as_str().unwrap().to_owned();
    // As a record loaded before the rule existed would be.
    app.execute_sql(&format!(
        "UPDATE members SET birth_date = '2018-01-01' WHERE id = '{spouse_id}'"
    ));
    let run = send(app.post("/api/v1/data-quality/runs", &json!({}))).await;
    assert_eq!(run.status, 201, "{}", run.body);
    let findings = send(app.get("/api/v1/data-quality/findings?rule=relation_age")).await;
    let items = findings.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", findings.body);
    assert_eq!(items[0]["entity_id"], spouse_id.as_str());
    let rules = send(app.get("/api/v1/data-quality/rules")).await;
    assert!(rules
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "relation_age"));
}
