//! Request handling every endpoint shares: JSON bodies, sizes, media types, idempotent retries.

use fupin_tests::fixtures::{gaoling, household_body, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_400_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let reply = send(app.post_raw(
        "/api/v1/regions",
        "application/json",
        "{\"code\": \"610117000000\", ",
    ))
    .await;
    reply.assert_problem(400, "malformed_json");
    let trailing = send(app.post_raw(
        "/api/v1/regions",
        "application/json",
        "{\"code\": \"610117000000\", \"name\": \"x\"} extra",
    ))
    .await;
    trailing.assert_problem(400, "malformed_json");
    assert_eq!(app.count("regions"), 0);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::spawn().await;
    let reply = send(app.post_raw("/api/v1/regions", "text/plain", "code=610117000000")).await;
    reply.assert_problem(415, "unsupported_media_type");
    assert_eq!(
        reply.body["detail"],
        "The request body must be application/json"
    );
    let missing = send(
        app.client
            .post(app.url("/api/v1/regions"))
            .bearer_auth(&app.admin_token)
            .body("{}"),
    )
    .await;
    missing.assert_problem(415, "unsupported_media_type");
    assert_eq!(app.count("regions"), 0);
}

#[tokio::test]
async fn an_oversize_body_is_413() {
    let app = TestApp::spawn().await;
    let huge = json!({"code": "610117000000", "name": "x".repeat(300 * 1024)});
    send(app.post("/api/v1/regions", &huge))
        .await
        .assert_problem(413, "payload_too_large");
    assert_eq!(app.count("regions"), 0);
}

#[tokio::test]
async fn wrong_missing_and_unknown_fields_are_named() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut body = household_body("H-1", VILLAGE, "王建国");
    body["identified_year"] = json!("2016");
    let wrong_type = send(app.post("/api/v1/households", &body)).await;
    wrong_type.assert_problem(422, "validation_failed");
    assert_eq!(wrong_type.error_fields(), vec!["identified_year"]);
    assert_eq!(wrong_type.error_codes(), vec!["invalid_type"]);

    let mut body = household_body("H-1", VILLAGE, "王建国");
    body["head"].as_object_mut().unwrap().remove("sex");
    let missing = send(app.post("/api/v1/households", &body)).await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.error_fields(), vec!["head.sex"]);
    assert_eq!(missing.error_codes(), vec!["required"]);

    let mut body = household_body("H-1", VILLAGE, "王建国");
    body["head"]["nickname"] = json!("老王");
    let unknown = send(app.post("/api/v1/households", &body)).await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.error_fields(), vec!["head.nickname"]);

    let mut body = household_body("H-1", VILLAGE, "王建国");
    body["attribute"] = json!("rich");
    let bad_choice = send(app.post("/api/v1/households", &body)).await;
    bad_choice.assert_problem(422, "validation_failed");
    assert_eq!(bad_choice.error_codes(), vec!["invalid_choice"]);

    let mut body = household_body("H-1", VILLAGE, "王建国");
    body["head"]["name"] = json!("王".repeat(51));
    let too_long = send(app.post("/api/v1/households", &body)).await;
    too_long.assert_problem(422, "validation_failed");
    assert_eq!(too_long.error_fields(), vec!["head.name"]);
    assert_eq!(too_long.error_codes(), vec!["length"]);
    assert_eq!(app.count("households"), 0);
}

#[tokio::test]
async fn validation_messages_speak_chinese_when_preferred() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut body = household_body("H-1", VILLAGE, "王建国");
    body["head"]["id_number"] = json!("610117197505120011");
    let reply = send(
        app.post("/api/v1/households", &body)
            .header("Accept-Language", "zh-CN"),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.body["title"], "请求中有无效字段");
    assert!(reply.body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("身份证号码无效"));
}

#[tokio::test]
async fn a_retried_post_is_answered_once() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let body = household_body("H-1", VILLAGE, "王建国");
    let first = send(
        app.post("/api/v1/households", &body)
            .header("Idempotency-Key", "retry-1"),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = send(
        app.post("/api/v1/households", &body)
            .header("Idempotency-Key", "retry-1"),
    )
    .await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.count("households"), 1);
    assert_eq!(app.count("members"), 1);

    let mut changed = body.clone();
    changed["address"] = json!("别处");
    send(
        app.post("/api/v1/households", &changed)
            .header("Idempotency-Key", "retry-1"),
    )
    .await
    .assert_problem(422, "idempotency_key_reused");
    assert_eq!(app.count("households"), 1);

    let bad_key = send(
        app.post("/api/v1/households", &body)
            .header("Idempotency-Key", ""),
    )
    .await;
    bad_key.assert_problem(400, "bad_request");
}

#[tokio::test]
async fn concurrent_retries_write_once() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let body = household_body("H-1", VILLAGE, "王建国");
    let attempts = (0..5).map(|_| {
        send(
            app.post("/api/v1/households", &body)
                .header("Idempotency-Key", "race"),
        )
    });
    let replies = futures_util::future::join_all(attempts).await;
    let ids: Vec<_> = replies
        .iter()
        .map(|r| (r.status, r.body["id"].clone()))
        .collect();
    assert!(
        ids.iter()
            .all(|(status, id)| *status == 201 && *id == ids[0].1),
        "{ids:?}"
    );
    assert_eq!(app.count("households"), 1);
    assert_eq!(app.count("idempotency_keys"), 1);
}

#[tokio::test]
async fn the_documented_csv_example_imports() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let doc: serde_json::Value =
        serde_json::from_str(&fupin_api::openapi::document_json()).unwrap();
    let example = doc["paths"]["/api/v1/imports/households"]["post"]["requestBody"]["content"]
        ["text/csv"]["example"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = send(app.post_raw(
        "/api/v1/imports/households?mode=dry_run",
        "text/csv",
        &example,
    ))
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["failed"], 0, "{}", reply.body);
    assert_eq!(reply.body["created"], 1, "{}", reply.body);
}
