//! Safe retries and clients on weak signal: every changing POST honours `Idempotency-Key`, keys
//! expire and are purged, lists carry weak ETags and answer 304, and `HEAD` works like `GET`.

use fupin_domain::access::{Action, Role};
use fupin_tests::fixtures::{gaoling, register, DISTRICT, VILLAGE};
use fupin_tests::{send, Reply, TestApp};
use serde_json::{json, Value};

use crate::exports::{import_line, ndjson, NDJSON};

fn assessment(grade: &str) -> Value {
    json!({"assessed_on": "2019-10-15", "food": {"satisfied": true}, "clothing": {"satisfied": true},
           "housing": {"grade": grade}, "drinking_water": {"satisfied": true}})
}

async fn keyed(app: &TestApp, path: &str, key: &str, body: &Value) -> Reply {
    send(app.post(path, body).header("Idempotency-Key", key)).await
}

#[tokio::test]
async fn every_changing_post_declares_the_idempotency_key() {
    let doc: Value = serde_json::from_str(&fupin_api::openapi::document_json()).unwrap();
    let mut undeclared = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(post) = item.get("post") else {
            continue;
        };
        let declared = post["parameters"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
        });
        if !declared && !path.starts_with("/api/v1/auth/") {
            undeclared.push(path.clone());
        }
    }
    assert!(undeclared.is_empty(), "{undeclared:?}");
    for (path, item) in doc["paths"].as_object().unwrap() {
        if let Some(get) = item.get("get") {
            let names: Vec<&str> = get["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            assert!(names.contains(&"If-None-Match"), "GET {path}: {names:?}");
            assert!(get["responses"].get("304").is_some(), "GET {path}");
        }
    }
}

#[tokio::test]
async fn an_assessment_sent_twice_with_one_key_is_recorded_once() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "R-1", VILLAGE, "王建国").await;
    let path = format!(
        "/api/v1/households/{}/assessments",
        household["id"].as_str().unwrap()
    );
    let first = keyed(&app, &path, "assess-1", &assessment("b")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = keyed(&app, &path, "assess-1", &assessment("b")).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(app.count("assessments"), 1);

    let other = keyed(&app, &path, "assess-1", &assessment("c")).await;
    other.assert_problem(422, "idempotency_key_reused");
    assert_eq!(app.count("assessments"), 1, "a reused key changes nothing");
    // Another caller's key of the same name is its own.
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let theirs = send(
        officer
            .post(&path, &assessment("c"))
            .header("Idempotency-Key", "assess-1"),
    )
    .await;
    assert_eq!(theirs.status, 201, "{}", theirs.body);
    assert_eq!(app.count("assessments"), 2);
}

#[tokio::test]
async fn concurrent_retries_of_a_repayment_record_it_once() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let hands = app.money_hands();
    let household = register(&app, "R-2", VILLAGE, "王建国").await;
    let id = household["id"].as_str().unwrap();
    let head = household["members"][0]["id"].as_str().unwrap();
    let applied = send(hands.town.post(
        &format!("/api/v1/households/{id}/loans"),
        &json!({"member_id": head, "bank": "高陵农商银行", "principal_fen": 4_000_000, "term_months": 36,
            "annual_rate_bp": 435, "purpose": "豆腐作坊", "method": "interest_then_principal", "applied_on": "2019-03-01"}),
    ))
    .await;
    let loan = format!("/api/v1/loans/{}", applied.body["id"].as_str().unwrap());
    let approved = send(
        hands
            .district
            .post(&format!("{loan}/approval"), &json!({"on": "2019-03-02"})),
    )
    .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let disbursed = send(hands.bank.post(
        &format!("{loan}/disbursement"),
        &json!({"on": "2019-03-05"}),
    ))
    .await;
    assert_eq!(disbursed.status, 200, "{}", disbursed.body);

    let repayment = json!({"paid_on": "2019-04-05", "amount_fen": 14_500, "reference": "HK-1"});
    let path = format!("{loan}/repayments");
    let attempts = (0..4).map(|_| {
        send(
            hands
                .bank
                .post(&path, &repayment)
                .header("Idempotency-Key", "repay-hk-1"),
        )
    });
    let replies = futures_util::future::join_all(attempts).await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body, replies[0].body);
    }
    assert_eq!(app.count("loan_repayments"), 1);
    assert_eq!(
        replies
            .iter()
            .filter(|r| r.header("idempotent-replayed").is_some())
            .count(),
        3
    );
}

#[tokio::test]
async fn keys_expire_after_a_day_and_are_purged() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "R-3", VILLAGE, "王建国").await;
    let path = format!(
        "/api/v1/households/{}/assessments",
        household["id"].as_str().unwrap()
    );
    assert_eq!(
        keyed(&app, &path, "k-old", &assessment("b")).await.status,
        201
    );
    assert_eq!(app.count("idempotency_keys"), 1);
    app.clock.advance_days(2);
    let later = keyed(&app, &path, "k-old", &assessment("b")).await;
    assert_eq!(later.status, 201, "{}", later.body);
    assert_eq!(
        later.header("idempotent-replayed"),
        None,
        "an expired key is a new request"
    );
    assert_eq!(app.count("assessments"), 2);
    assert_eq!(
        app.count("idempotency_keys"),
        1,
        "the expired answer was purged"
    );
}

#[tokio::test]
async fn a_new_client_replayed_shows_its_secret_which_is_not_stored_in_the_clear() {
    let app = TestApp::spawn().await;
    let body = json!({"client_id": "bank-7", "name": "银行", "permissions": ["read_registry"], "region_code": DISTRICT});
    let first = keyed(&app, "/api/v1/clients", "client-7", &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let secret = first.body["client_secret"].as_str().unwrap().to_owned();
    let again = keyed(&app, "/api/v1/clients", "client-7", &body).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body["client_secret"], secret.as_str());
    assert_eq!(app.count("clients"), 1);
    assert_eq!(
        app.count(&format!(
            "idempotency_keys WHERE response_body LIKE '%{secret}%'"
        )),
        0
    );
    // A POST without a body, and a step without an answer body of its own, replay too.
    let id = first.body["id"].as_str().unwrap();
    let path = format!("/api/v1/clients/{id}/disable");
    let disabled = send(
        app.post_raw(&path, "application/json", "")
            .header("Idempotency-Key", "off-1"),
    )
    .await;
    assert_eq!(disabled.status, 200, "{}", disabled.body);
    let replayed = send(
        app.post_raw(&path, "application/json", "")
            .header("Idempotency-Key", "off-1"),
    )
    .await;
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn an_import_sent_again_with_its_key_gets_the_first_report() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let file = ndjson(&[import_line("I-1", VILLAGE, "张三")]);
    let send_file = |mode: &str| {
        send(
            app.post_raw(
                &format!("/api/v1/imports/households?mode={mode}"),
                NDJSON,
                &file,
            )
            .header("Idempotency-Key", "import-1"),
        )
    };
    let first = send_file("best_effort").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["results"][0]["result"], "created");
    let again = send_file("best_effort").await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body);
    send_file("dry_run")
        .await
        .assert_problem(422, "idempotency_key_reused");
    assert_eq!(app.count("households"), 1);
}

#[tokio::test]
async fn lists_carry_a_weak_etag_and_answer_304_until_they_change() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    register(&app, "E-1", VILLAGE, "王建国").await;
    let list = "/api/v1/households?limit=10";
    let first = send(app.get(list)).await;
    assert_eq!(first.status, 200);
    let tag = first.header("etag").unwrap().to_owned();
    assert!(tag.starts_with("W/\""), "{tag}");
    assert_eq!(send(app.get(list)).await.header("etag"), Some(tag.as_str()));

    let unchanged = send(app.get(list).header("If-None-Match", &tag)).await;
    assert_eq!(unchanged.status, 304);
    assert_eq!(unchanged.body, Value::Null, "no body");
    assert_eq!(unchanged.header("etag"), Some(tag.as_str()));

    register(&app, "E-2", VILLAGE, "李四").await;
    let changed = send(app.get(list).header("If-None-Match", &tag)).await;
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(tag.as_str()));
    // A client that reads another's region sees another list, so another tag.
    let reader = app.as_client(&[Action::ReadRegistry], "610117002000");
    let theirs = send(
        reader
            .get(list)
            .header("If-None-Match", changed.header("etag").unwrap()),
    )
    .await;
    assert_eq!(theirs.status, 200);
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "H-1", VILLAGE, "王建国").await;
    let one = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    for path in [
        one.as_str(),
        "/api/v1/households",
        "/api/v1/regions",
        "/healthz",
    ] {
        let get = send(app.get(path)).await;
        let head = send(app.client.head(app.url(path)).bearer_auth(&app.admin_token)).await;
        assert_eq!(head.status, get.status, "HEAD {path}");
        assert_eq!(head.body, Value::Null, "HEAD {path}");
        assert_eq!(head.header("etag"), get.header("etag"), "HEAD {path}");
        assert_eq!(
            head.header("content-type"),
            get.header("content-type"),
            "HEAD {path}"
        );
    }
    let unauthenticated = send(app.client.head(app.url("/api/v1/households"))).await;
    assert_eq!(unauthenticated.status, 401);
}

/// A `multipart/form-data` body with one part, as generated clients send a file.
fn form_with(part_name: &str, file_name: &str, part_type: &str, content: &str) -> (String, String) {
    let boundary = "fupin-test-boundary-7MA4YWxkTrZu0gW";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{part_name}\"; filename=\"{file_name}\"\r\n\
Content-Type: {part_type}\r\n\r\n{content}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_import_file_can_come_as_a_form_part() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let file = ndjson(&[
        import_line("M-1", VILLAGE, "张三"),
        import_line("M-2", VILLAGE, "李四"),
    ]);
    let (content_type, body) = form_with(
        "file",
        "households.ndjson",
        "application/octet-stream",
        &file,
    );
    let reply = send(app.post_raw(
        "/api/v1/imports/households?mode=best_effort",
        &content_type,
        &body,
    ))
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["created"], 2, "{}", reply.body);
    assert_eq!(app.count("households"), 2);

    let (content_type, body) = form_with("upload", "households.ndjson", NDJSON, &file);
    let unnamed = send(app.post_raw("/api/v1/imports/households", &content_type, &body)).await;
    unnamed.assert_problem(400, "bad_request");
    let (content_type, body) =
        form_with("file", "households.xlsx", "application/vnd.ms-excel", &file);
    let excel = send(app.post_raw("/api/v1/imports/households", &content_type, &body)).await;
    excel.assert_problem(415, "unsupported_media_type");
    assert_eq!(app.count("households"), 2, "refused forms import nothing");
}

#[tokio::test]
async fn a_request_that_finds_no_free_connection_is_a_503_with_retry_after() {
    let database = fupin_tests::TestDatabase::create();
    drop(database.pool()); // migrated
    let pool = fupin_persistence::connection::connect(
        &database.url,
        2,
        std::time::Duration::from_millis(300),
    )
    .unwrap();
    let app = TestApp::spawn_with_pool(pool.clone(), database);
    let held: Vec<_> = (0..2).map(|_| pool.get().unwrap()).collect();
    let busy = send(app.get("/api/v1/regions")).await;
    busy.assert_problem(503, "service_unavailable");
    assert_eq!(busy.header("retry-after"), Some("5"));
    let write = send(app.post(
        "/api/v1/regions",
        &json!({"code": DISTRICT, "name": "高陵区"}),
    ))
    .await;
    write.assert_problem(503, "service_unavailable");
    drop(held);
    assert_eq!(send(app.get("/api/v1/regions")).await.status, 200);
    assert_eq!(app.count("regions"), 0, "the refused write did nothing");
}
