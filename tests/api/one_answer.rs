//! One answer names every fault of a body: type errors, lengths and domain rules together.

use fupin_tests::fixtures::{gaoling, household_body, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_household_with_seven_faults_gets_one_answer_naming_all_seven() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut body = household_body("F-1", VILLAGE, "王建国");
    body["attribute"] = json!("nonsense");
    body["identified_year"] = json!("2016");
    body["nickname"] = json!("老王");
    body["address"] = json!("路".repeat(300));
    body["phone"] = json!("123");
    body["head"]["name"] = json!("   ");
    body["head"]["id_number"] = json!("61011719750512001X");
    let reply = send(app.post("/api/v1/households", &body)).await;
    reply.assert_problem(422, "validation_failed");
    let mut found: Vec<(String, String)> = reply
        .error_fields()
        .into_iter()
        .zip(reply.error_codes())
        .collect();
    found.sort();
    let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "address",
            "attribute",
            "head.id_number",
            "head.name",
            "identified_year",
            "nickname",
            "phone"
        ],
        "{}",
        reply.body
    );
    let codes: Vec<&str> = found.iter().map(|(_, c)| c.as_str()).collect();
    assert!(
        codes.contains(&"invalid_choice") && codes.contains(&"unknown_field"),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"invalid_type") && codes.contains(&"length"),
        "{codes:?}"
    );
    assert_eq!(app.count("households"), 0, "nothing is written");
}

#[tokio::test]
async fn type_faults_and_length_rules_of_any_body_come_in_one_answer() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = fupin_tests::fixtures::register(&app, "F-2", VILLAGE, "王建国").await;
    let path = format!(
        "/api/v1/households/{}/assessments",
        household["id"].as_str().unwrap()
    );
    let reply = send(app.post(
        &path,
        &json!({"assessed_on": "soon", "food": {"satisfied": "yes"}, "clothing": {"satisfied": true},
                "housing": {"grade": "z"}, "drinking_water": {"satisfied": true, "note": "水".repeat(600)}}),
    ))
    .await;
    reply.assert_problem(422, "validation_failed");
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "assessed_on",
            "drinking_water.note",
            "food.satisfied",
            "housing.grade"
        ],
        "{}",
        reply.body
    );
    assert_eq!(app.count("assessments"), 0);
}

/// Chinese text with names, values and codes (in backticks or quotes) taken out: no English.
fn english_words_in(text: &str) -> Vec<String> {
    let outside_code: String = text.split('`').step_by(2).collect();
    let outside_values: String = outside_code.split('"').step_by(2).collect();
    outside_values
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| {
            w.len() > 1 && !["JSON", "YYYY", "MM", "DD", "null", "ETag", "ASCII"].contains(w)
        })
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn chinese_answers_are_chinese_throughout() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut body = household_body("F-3", VILLAGE, "王建国");
    body["attribute"] = json!("nonsense");
    body["identified_year"] = json!(2.5);
    body["nickname"] = json!("老王");
    body["address"] = json!("路".repeat(300));
    body["phone"] = json!("123");
    body["head"]["id_number"] = json!("61011719750512001X");
    body["head"]["birth_date"] = json!("昨天");
    let reply = send(
        app.post("/api/v1/households", &body)
            .header("accept-language", "zh-CN,zh;q=0.9"),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert!(
        reply.body["errors"].as_array().unwrap().len() >= 6,
        "{}",
        reply.body
    );
    let mut texts = vec![reply.body["title"].as_str().unwrap().to_owned()];
    for error in reply.body["errors"].as_array().unwrap() {
        texts.push(error["message"].as_str().unwrap().to_owned());
    }
    for text in &texts {
        assert!(
            english_words_in(text).is_empty(),
            "{text}: {:?}",
            english_words_in(text)
        );
    }

    let query = send(
        app.get("/api/v1/households?limit=abc")
            .header("accept-language", "zh"),
    )
    .await;
    let detail = query.body["detail"].as_str().unwrap_or_default();
    assert!(english_words_in(detail).is_empty(), "{detail}");
    let malformed = send(
        app.post_raw("/api/v1/households", "application/json", "{\"a\": ")
            .header("accept-language", "zh"),
    )
    .await;
    malformed.assert_problem(400, "malformed_json");
    let detail = malformed.body["detail"].as_str().unwrap_or_default();
    assert!(english_words_in(detail).is_empty(), "{detail}");
}
