//! Probes, the served contract, and what every answer carries.

use std::time::Duration;

use fupin_persistence::connection::DbConnManager;
use fupin_tests::{send, TestApp, TestDatabase};
use serde_json::Value;

#[tokio::test]
async fn healthz_and_readyz_answer_ok() {
    let app = TestApp::spawn().await;
    let health = send(app.get("/healthz")).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
    let ready = send(app.get("/readyz")).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body["status"], "ok");
}

#[tokio::test]
async fn readyz_is_503_when_the_database_does_not_answer() {
    let unreachable = diesel::r2d2::Pool::builder()
        .connection_timeout(Duration::from_millis(500))
        .build_unchecked(DbConnManager::new(
            "postgres://nobody@127.0.0.1:1/nothing?connect_timeout=1",
        ));
    let app = TestApp::spawn_with_pool(unreachable, TestDatabase::create());
    send(app.get("/readyz"))
        .await
        .assert_problem(503, "service_unavailable");
    assert_eq!(send(app.get("/healthz")).await.status, 200);
    let token = app
        .tokens
        .issue(
            "someone",
            "someone",
            (fupin_domain::access::Role::Admin, &[]),
            "610117000000",
            chrono::Utc::now(),
        )
        .unwrap();
    send(
        app.client
            .get(app.url("/api/v1/households"))
            .bearer_auth(token),
    )
    .await
    .assert_problem(503, "service_unavailable");
}

#[tokio::test]
async fn served_document_is_the_committed_one() {
    let app = TestApp::spawn().await;
    let served = send(app.get("/api/v1/openapi.json")).await;
    assert_eq!(served.status, 200);
    let committed_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .expect("openapi/openapi.json is committed");
    let committed: Value = serde_json::from_str(&committed_text).unwrap();
    assert_eq!(
        committed_text,
        fupin_api::openapi::document_json(),
        "openapi/openapi.json is stale: run `make openapi` and commit it"
    );
    assert_eq!(served.body, committed);
    assert_eq!(committed["openapi"], "3.1.0");
    for path in [
        "/api/v1/households",
        "/api/v1/households/{id}",
        "/api/v1/regions",
        "/api/v1/members",
        "/readyz",
    ] {
        assert!(
            committed["paths"].get(path).is_some(),
            "{path} is documented"
        );
    }
}

#[tokio::test]
async fn every_api_operation_documents_its_errors() {
    let doc: Value = serde_json::from_str(&fupin_api::openapi::document_json()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/") {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            for status in ["400", "500", "503"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} documents {status}"
                );
            }
            if operation.get("requestBody").is_some() {
                for status in ["413", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} documents {status}"
                    );
                }
            }
            if method == "patch" {
                assert!(
                    responses.contains_key("412") && responses.contains_key("428"),
                    "{method} {path}"
                );
            }
        }
    }
}

#[tokio::test]
async fn swagger_ui_is_served() {
    let app = TestApp::spawn().await;
    let page = app.get("/swagger-ui/").send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger"));
    let redirect = app.get("/swagger-ui").send().await.unwrap();
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.headers()["location"], "/swagger-ui/");
}

#[tokio::test]
async fn request_id_is_echoed_or_made() {
    let app = TestApp::spawn().await;
    let given = send(app.get("/healthz").header("X-Request-Id", "abc-123")).await;
    assert_eq!(given.header("x-request-id"), Some("abc-123"));
    let made = send(app.get("/healthz")).await;
    assert!(made.header("x-request-id").is_some_and(|id| id.len() >= 32));
    let problem = send(app.get("/api/v1/nowhere").header("X-Request-Id", "trace-9")).await;
    problem.assert_problem(404, "not_found");
    assert_eq!(problem.body["request_id"], "trace-9");
    assert_eq!(problem.body["instance"], "/api/v1/nowhere");
}

#[tokio::test]
async fn security_headers_are_on_every_answer() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/api/v1/households", "/api/v1/nowhere"] {
        let reply = send(app.get(path)).await;
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{path}");
    }
}

#[tokio::test]
async fn answers_are_compressed_when_the_client_accepts_it() {
    let app = TestApp::spawn().await;
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let response = raw
        .get(app.url("/api/v1/openapi.json"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let br = raw
        .get(app.url("/api/v1/openapi.json"))
        .header("Accept-Encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
}

/// Not a benchmark: a compressed answer that waited for the client's delayed ACK took 40 ms
/// (Nagle's algorithm), about one request in three on a kept-alive connection; without the
/// stall each takes a few milliseconds even unoptimised, so the slow tail tells which it is.
#[tokio::test]
async fn compressed_answers_on_a_kept_alive_connection_do_not_wait_for_delayed_acks() {
    use fupin_domain::member::Sex;
    use fupin_tests::fixtures::{gaoling, member_body, register, VILLAGE};
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "N-1", VILLAGE, "王五").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    for (name, born) in [("王小红", "2001-09-15"), ("王小兰", "2004-03-02")] {
        let body = member_body(name, born, Sex::Female, "daughter");
        assert_eq!(
            send(app.post(&format!("{path}/members"), &body))
                .await
                .status,
            201
        );
    }
    let one_connection = reqwest::Client::builder()
        .no_gzip()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let mut took = Vec::new();
    for _ in 0..60 {
        let started = std::time::Instant::now();
        let response = one_connection
            .get(app.url(&path))
            .bearer_auth(&app.admin_token)
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-encoding"], "gzip");
        response.bytes().await.unwrap();
        took.push(started.elapsed());
    }
    took.sort();
    let tail = took[took.len() * 9 / 10];
    assert!(
        tail < std::time::Duration::from_millis(30),
        "90th percentile {tail:?}: {took:?}"
    );
}

#[tokio::test]
async fn problems_speak_chinese_when_preferred() {
    let app = TestApp::spawn().await;
    let reply = send(
        app.get("/api/v1/nowhere")
            .header("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5"),
    )
    .await;
    reply.assert_problem(404, "not_found");
    assert_eq!(reply.body["title"], "未找到");
    let english = send(app.get("/api/v1/nowhere").header("Accept-Language", "en")).await;
    assert_eq!(english.body["title"], "Not found");
}

#[tokio::test]
async fn documented_enumerations_are_the_wire_names() {
    use fupin_domain::household::{Attribute, HouseholdStatus, PovertyCause};
    use fupin_domain::member::{Disability, Relation};
    let doc: Value = serde_json::from_str(&fupin_api::openapi::document_json()).unwrap();
    let documented = |name: &str| -> Vec<String> {
        doc["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is documented as an enumeration"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let wire = |names: Vec<&str>| names.into_iter().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        documented("Attribute"),
        wire(Attribute::ALL.iter().map(|v| v.as_str()).collect())
    );
    assert_eq!(
        documented("PovertyCause"),
        wire(PovertyCause::ALL.iter().map(|v| v.as_str()).collect())
    );
    assert_eq!(
        documented("HouseholdStatus"),
        wire(HouseholdStatus::ALL.iter().map(|v| v.as_str()).collect())
    );
    assert_eq!(
        documented("Relation"),
        wire(Relation::ALL.iter().map(|v| v.as_str()).collect())
    );
    assert_eq!(
        documented("Disability"),
        wire(Disability::ALL.iter().map(|v| v.as_str()).collect())
    );
    assert_eq!(documented("Sex"), vec!["male", "female"]);
}

#[test]
fn the_readme_and_the_document_show_the_permission_matrix_of_the_code() {
    let matrix = fupin_domain::access::matrix_markdown();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    assert!(
        readme.contains(&matrix),
        "README.md's Security section is stale:\n{matrix}"
    );
    let doc: Value = serde_json::from_str(&fupin_api::openapi::document_json()).unwrap();
    assert!(doc["info"]["description"]
        .as_str()
        .unwrap()
        .contains(&matrix));
}
