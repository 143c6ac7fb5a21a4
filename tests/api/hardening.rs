//! Issue 16's smaller attacks, retried as written: import answers that outgrow their file,
//! duplicate keys and NUL characters, spreadsheet formulas in an export, personal data kept by
//! caches.

use fupin_tests::fixtures::{gaoling, household_body, register, VILLAGE};
use fupin_tests::{send, TestApp};
use serde_json::{json, Value};

use crate::exports::{download, import, import_line, ndjson, EXPORTS, NDJSON};

const HOUSEHOLDS: &str = "/api/v1/households";

#[tokio::test]
async fn a_file_of_many_tiny_bad_lines_gets_a_report_smaller_than_the_file() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let file = "{}\n".repeat(300_000);
    let reply = import(&app, "dry_run", NDJSON, &file).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["rows"], 300_000);
    assert_eq!(reply.body["failed"], 300_000);
    assert_eq!(reply.body["failures_not_listed"], 299_000);
    let results = reply.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 1000);
    assert_eq!(results[999]["row"], 1000, "the first failures are listed");
    let answered = serde_json::to_vec(&reply.body).unwrap().len();
    assert!(
        answered < file.len(),
        "a {answered}-byte answer to a {}-byte file",
        file.len()
    );
}

#[tokio::test]
async fn an_oversized_household_fails_alone_and_its_errors_are_bounded() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let mut crowded = import_line("I-2", VILLAGE, "李四");
    let head = crowded["members"][0].clone();
    crowded["members"] = Value::Array(vec![head; 101]);
    let mut many_errors = import_line("I-3", VILLAGE, "王五");
    for _ in 0..30 {
        many_errors["members"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": ""}));
    }
    let long_line = format!("{{\"address\": \"{}\"}}", "x".repeat(1 << 20));
    let file = format!(
        "{}{long_line}\n{}",
        ndjson(&[import_line("I-1", VILLAGE, "张三"), crowded]),
        ndjson(&[many_errors, import_line("I-4", VILLAGE, "赵六")])
    );
    let reply = import(&app, "best_effort", NDJSON, &file).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let results = reply.body["results"].as_array().unwrap();
    let outcome = |i: usize| results[i]["result"].as_str().unwrap();
    let first_code = |i: usize| results[i]["errors"][0]["code"].as_str().unwrap();
    assert_eq!(outcome(0), "created");
    assert_eq!((outcome(1), first_code(1)), ("failed", "too_many_members"));
    assert_eq!((outcome(2), first_code(2)), ("failed", "line_too_long"));
    assert_eq!(outcome(3), "failed");
    assert_eq!(results[3]["errors"].as_array().unwrap().len(), 20);
    assert!(results[3]["errors_not_listed"].as_u64().unwrap() > 0);
    assert_eq!(outcome(4), "created");
    assert_eq!(app.count("households"), 2);
}

#[tokio::test]
async fn a_field_given_twice_is_refused_in_an_import_row_as_in_the_api() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let line = import_line("I-1", VILLAGE, "张三").to_string();
    let twice = line.replacen('{', "{\"address\": \"一组1号\", ", 1);
    let reply = import(&app, "best_effort", NDJSON, &format!("{twice}\n")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["failed"], 1);
    let error = &reply.body["results"][0]["errors"][0];
    assert_eq!(
        (error["field"].as_str(), error["code"].as_str()),
        (Some("address"), Some("duplicate_field")),
        "{error}"
    );
    let body = household_body("H-1", VILLAGE, "张三").to_string();
    let twice = body.replacen('{', "{\"address\": \"一组1号\", ", 1);
    let refused = send(app.post_raw(HOUSEHOLDS, "application/json", &twice)).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.error_fields(), vec!["address"]);
    assert_eq!(app.count("households"), 0);
}

#[tokio::test]
async fn the_nul_character_is_a_422_wherever_text_comes_in_and_nothing_changes() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "H-1", VILLAGE, "张三").await;
    let audit = app.count("audit_entries");
    let body = household_body("H-2", VILLAGE, "张\u{0}三");
    let reply = send(app.post(HOUSEHOLDS, &body)).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), vec!["head.name"]);
    let id = household["id"].as_str().unwrap();
    for address in [
        format!("{HOUSEHOLDS}?q=%00"),
        format!("{HOUSEHOLDS}/{id}%00"),
        format!("{HOUSEHOLDS}?cursor=%00"),
    ] {
        send(app.get(&address))
            .await
            .assert_problem(422, "validation_failed");
    }
    let mut line = import_line("I-1", VILLAGE, "李四");
    line["address"] = json!("一组\u{0}");
    let imported = import(&app, "best_effort", NDJSON, &ndjson(&[line])).await;
    assert_eq!(imported.body["failed"], 1, "{}", imported.body);
    assert_eq!(
        imported.body["results"][0]["errors"][0]["code"],
        "nul_character"
    );
    assert_eq!(app.count("households"), 1);
    assert_eq!(app.count("audit_entries"), audit);
}

#[tokio::test]
async fn csv_cells_that_start_like_formulas_are_quoted_and_import_back_as_they_were() {
    let source = TestApp::spawn().await;
    gaoling(&source).await;
    let mut body = household_body("H-1", VILLAGE, "=HYPERLINK(\"http://x\")");
    body["address"] = json!("@SUM(A1)");
    let reply = send(source.post(HOUSEHOLDS, &body)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let csv = download(source.get(&format!("{EXPORTS}?format=csv&reveal=true"))).await;
    assert_eq!(csv.status, 200);
    let lines = csv.csv();
    let cell = |name: &str| {
        let at = lines[0].iter().position(|c| c == name).unwrap();
        lines[1][at].clone()
    };
    assert_eq!(cell("address"), "'@SUM(A1)");
    assert!(
        cell("name").starts_with("\"'=HYPERLINK"),
        "{}",
        cell("name")
    );
    assert!(
        cell("head_name").starts_with("\"'="),
        "{}",
        cell("head_name")
    );

    let target = TestApp::spawn().await;
    gaoling(&target).await;
    let imported = import(&target, "all_or_nothing", "text/csv", &csv.text).await;
    assert_eq!(imported.body["created"], 1, "{}", imported.body);
    let id = imported.body["results"][0]["household_id"]
        .as_str()
        .unwrap();
    let copy = send(target.get(&format!("{HOUSEHOLDS}/{id}"))).await;
    assert_eq!(copy.body["address"], "@SUM(A1)");
    assert_eq!(copy.body["head_name"], "=HYPERLINK(\"http://x\")");
}

#[tokio::test]
async fn answers_with_personal_data_are_kept_by_no_cache() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "H-1", VILLAGE, "张三").await;
    let id = household["id"].as_str().unwrap();
    for path in [
        format!("{HOUSEHOLDS}/{id}?reveal=true"),
        format!("{HOUSEHOLDS}/{id}/members"),
        HOUSEHOLDS.to_owned(),
        format!("{HOUSEHOLDS}/nowhere"),
    ] {
        let reply = send(app.get(&path)).await;
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{path}");
    }
    let export = download(app.get(EXPORTS)).await;
    assert_eq!(export.header("cache-control"), "no-store");
}

#[tokio::test]
async fn weak_passwords_are_refused_with_the_reason_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let users = app.count("users");
    for (password, code) in [
        ("aaaaaaaaaa", "too_predictable"),
        ("1234567890", "too_predictable"),
        ("Password2024!", "too_common"),
        ("woaini1314", "too_common"),
        ("dongfan-officer-1", "holds_username"),
    ] {
        let body = json!({"username": "dongfan-officer", "password": password,
            "role": "village_officer", "region_code": VILLAGE});
        let reply = send(app.post("/api/v1/users", &body)).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_codes(), vec![code], "{password}");
    }
    assert_eq!(app.count("users"), users);
    let body = json!({"username": "dongfan-officer", "password": "long enough password",
        "role": "village_officer", "region_code": VILLAGE});
    let created = send(app.post("/api/v1/users", &body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let reset = format!(
        "/api/v1/users/{}/password",
        created.body["id"].as_str().unwrap()
    );
    let refused = send(app.post(&reset, &json!({"password": "DONGFAN-OFFICER!!"}))).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.error_codes(), vec!["holds_username"]);
    let audit = app.count("audit_entries WHERE action = 'password_reset'");
    assert_eq!(audit, 0, "a refused password is never set");
}
