//! `/api/v1/regions`.

use fupin_tests::fixtures::{gaoling, DISTRICT, OTHER_TOWN, TOWN, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_region_tree_is_built_top_down() {
    let app = TestApp::spawn().await;
    let district = send(app.post(
        "/api/v1/regions",
        &json!({"code": DISTRICT, "name": "高陵区"}),
    ))
    .await;
    assert_eq!(district.status, 201, "{}", district.body);
    assert_eq!(district.body["level"], "district");
    assert_eq!(district.body["parent_code"], json!(null));
    let id = district.body["id"].as_str().unwrap();
    assert_eq!(
        district.header("location"),
        Some(format!("/api/v1/regions/{id}").as_str())
    );
    assert_eq!(district.header("etag"), Some("\"1\""));

    // The parent follows from the code when it is not given.
    let town = send(app.post(
        "/api/v1/regions",
        &json!({"code": TOWN, "name": "鹿苑街道"}),
    ))
    .await;
    assert_eq!(town.status, 201, "{}", town.body);
    assert_eq!(town.body["level"], "town");
    assert_eq!(town.body["parent_code"], DISTRICT);

    let village = send(app.post(
        "/api/v1/regions",
        &json!({"code": VILLAGE, "name": "东樊村", "parent_code": TOWN}),
    ))
    .await;
    assert_eq!(village.status, 201);
    assert_eq!(village.body["level"], "village");
    assert_eq!(village.body["name"], "东樊村");

    let fetched = send(app.get(&format!(
        "/api/v1/regions/{}",
        village.body["id"].as_str().unwrap()
    )))
    .await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, village.body);
}

#[tokio::test]
async fn a_child_code_must_extend_its_parent() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let before = app.count("regions");
    let wrong_parent = send(app.post(
        "/api/v1/regions",
        &json!({"code": "610117001203", "name": "错村", "parent_code": OTHER_TOWN}),
    ))
    .await;
    wrong_parent.assert_problem(422, "validation_failed");
    assert_eq!(wrong_parent.error_fields(), vec!["parent_code"]);
    assert_eq!(wrong_parent.error_codes(), vec!["invalid_parent"]);

    let orphan = send(app.post(
        "/api/v1/regions",
        &json!({"code": "610117009201", "name": "孤村"}),
    ))
    .await;
    orphan.assert_problem(422, "validation_failed");
    assert_eq!(orphan.error_codes(), vec!["region_not_found"]);

    let district_with_parent = send(app.post(
        "/api/v1/regions",
        &json!({"code": "610118000000", "name": "临潼区", "parent_code": DISTRICT}),
    ))
    .await;
    district_with_parent.assert_problem(422, "validation_failed");
    assert_eq!(app.count("regions"), before);
}

#[tokio::test]
async fn malformed_codes_and_names_are_named() {
    let app = TestApp::spawn().await;
    for code in [
        "61011700000",
        "6101170000000",
        "61011700000x",
        "610117000123",
    ] {
        let reply = send(app.post("/api/v1/regions", &json!({"code": code, "name": "某地"}))).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), vec!["code"], "{code}");
        assert_eq!(reply.error_codes(), vec!["invalid_region_code"]);
    }
    let blank = send(app.post("/api/v1/regions", &json!({"code": DISTRICT, "name": ""}))).await;
    blank.assert_problem(422, "validation_failed");
    assert_eq!(blank.error_fields(), vec!["name"]);
    assert_eq!(app.count("regions"), 0);
}

#[tokio::test]
async fn a_code_is_registered_once() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let reply = send(app.post(
        "/api/v1/regions",
        &json!({"code": VILLAGE, "name": "又一村"}),
    ))
    .await;
    reply.assert_problem(409, "region_code_taken");
    assert!(reply.body["detail"].as_str().unwrap().contains(VILLAGE));
}

#[tokio::test]
async fn lists_filter_by_parent_level_and_subtree() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let children = send(app.get(&format!("/api/v1/regions?parent={TOWN}"))).await;
    let codes: Vec<&str> = children.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec![VILLAGE, "610117001202"]);

    let villages = send(app.get("/api/v1/regions?level=village")).await;
    assert_eq!(villages.body["items"].as_array().unwrap().len(), 3);

    let subtree = send(app.get(&format!("/api/v1/regions?region={TOWN}"))).await;
    assert_eq!(
        subtree.body["items"].as_array().unwrap().len(),
        3,
        "the town and its two villages"
    );

    let page = send(app.get("/api/v1/regions?limit=4")).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 4);
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let rest = send(app.get(&format!("/api/v1/regions?limit=4&cursor={cursor}"))).await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(rest.body["next_cursor"], json!(null));

    send(app.get("/api/v1/regions?level=province"))
        .await
        .assert_problem(400, "bad_request");
    send(app.get("/api/v1/regions?region=12"))
        .await
        .assert_problem(400, "bad_request");
}

#[tokio::test]
async fn renaming_needs_the_current_etag() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let list = send(app.get(&format!("/api/v1/regions?parent={TOWN}"))).await;
    let id = list.body["items"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/regions/{id}");

    send(app.patch(&path, &json!({"name": "东樊社区"})))
        .await
        .assert_problem(428, "if_match_required");
    let renamed = send(
        app.patch(&path, &json!({"name": "东樊社区"}))
            .header("If-Match", "\"1\""),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["name"], "东樊社区");
    assert_eq!(renamed.header("etag"), Some("\"2\""));

    let stale = send(
        app.patch(&path, &json!({"name": "旧名"}))
            .header("If-Match", "\"1\""),
    )
    .await;
    stale.assert_problem(412, "stale_version");
    assert_eq!(send(app.get(&path)).await.body["name"], "东樊社区");

    let not_modified = app
        .get(&path)
        .header("If-None-Match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);
    assert_eq!(not_modified.headers()["etag"], "\"2\"");
    assert!(not_modified.text().await.unwrap().is_empty());

    send(app.get("/api/v1/regions/no-such-id"))
        .await
        .assert_problem(404, "not_found");
    send(
        app.patch("/api/v1/regions/no-such-id", &json!({"name": "x"}))
            .header("If-Match", "\"1\""),
    )
    .await
    .assert_problem(404, "not_found");
}
