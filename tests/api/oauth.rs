//! The token endpoint as OAuth 2.0 libraries and Swagger UI use it (RFC 6749).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use fupin_domain::access::Role;
use fupin_tests::fixtures::TOWN;
use fupin_tests::{send, Reply, TestApp, TEST_PASSWORD};
use serde_json::{json, Value};

const TOKEN: &str = "/api/v1/auth/token";
const FORM: &str = "application/x-www-form-urlencoded";

async fn form(app: &TestApp, body: &str) -> Reply {
    send(app.post_raw(TOKEN, FORM, body)).await
}

/// A form request with `Authorization: Basic <credentials>` (and no bearer token).
async fn basic(app: &TestApp, credentials: &str, body: &str) -> Reply {
    send(
        app.client
            .post(app.url(TOKEN))
            .header("content-type", FORM)
            .header("authorization", format!("Basic {credentials}"))
            .body(body.to_owned()),
    )
    .await
}

async fn person(app: &TestApp) -> String {
    app.as_role(Role::TownOfficer, TOWN).username.clone()
}

/// RFC 6749 §5.2: the problem also carries `error` and an ASCII `error_description`.
fn assert_oauth_error(reply: &Reply, status: u16, error: &str) {
    reply.assert_problem(status, error);
    assert_eq!(reply.body["error"], error, "{}", reply.body);
    let description = reply.body["error_description"].as_str().unwrap_or("");
    assert!(
        !description.is_empty() && description.is_ascii(),
        "{}",
        reply.body
    );
}

async fn new_client(app: &TestApp, client_id: &str) -> String {
    let created = send(app.post(
        "/api/v1/clients",
        &json!({"client_id": client_id, "name": "银行系统", "permissions": ["read_registry"], "region_code": "610117"}),
    ))
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.body["client_secret"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_form_encoded_password_grant_gets_a_token_that_works() {
    let app = TestApp::spawn().await;
    let username = person(&app).await;
    // What Swagger UI's Authorize sends: an empty scope among the parameters.
    let body = format!("grant_type=password&username={username}&password={TEST_PASSWORD}&scope=");
    let token = form(&app, &body).await;
    assert_eq!(token.status, 200, "{}", token.body);
    assert_eq!(token.body["token_type"], "Bearer");
    assert_eq!(token.header("cache-control"), Some("no-store"));
    let access = token.body["access_token"].as_str().unwrap();
    let regions = send(
        app.client
            .get(app.url("/api/v1/regions"))
            .bearer_auth(access),
    )
    .await;
    assert_eq!(regions.status, 200, "{}", regions.body);

    let refresh = token.body["refresh_token"].as_str().unwrap();
    let renewed = form(
        &app,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    let again = form(
        &app,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert_oauth_error(&again, 400, "invalid_grant");
}

#[tokio::test]
async fn wrong_passwords_unknown_grants_and_missing_parameters_are_rfc_6749_errors() {
    let app = TestApp::spawn().await;
    let username = person(&app).await;
    let wrong = form(
        &app,
        &format!("grant_type=password&username={username}&password=nope"),
    )
    .await;
    assert_oauth_error(&wrong, 400, "invalid_grant");

    let unknown = form(&app, "grant_type=authorization_code&code=abc").await;
    assert_oauth_error(&unknown, 400, "unsupported_grant_type");

    let missing = form(&app, &format!("grant_type=password&username={username}")).await;
    assert_oauth_error(&missing, 400, "invalid_request");
    assert_eq!(missing.error_fields(), vec!["password"]);

    let twice = form(&app, "grant_type=password&username=a&username=b&password=x").await;
    assert_oauth_error(&twice, 400, "invalid_request");
    assert_eq!(twice.error_fields(), vec!["username"]);

    let no_grant = form(&app, "username=a&password=x").await;
    assert_oauth_error(&no_grant, 400, "invalid_request");

    // JSON keeps working, with the same errors.
    let json_wrong = send(
        app.client
            .post(app.url(TOKEN))
            .json(&json!({"grant_type": "password", "username": username, "password": "nope"})),
    )
    .await;
    assert_oauth_error(&json_wrong, 400, "invalid_grant");
    let chinese = send(
        app.client
            .post(app.url(TOKEN))
            .header("accept-language", "zh-CN")
            .json(&json!({"grant_type": "password", "username": username, "password": "nope"})),
    )
    .await;
    assert_eq!(chinese.body["error"], "invalid_grant");
    assert!(chinese.body["title"].as_str().unwrap().contains("用户名"));
    let not_json = send(app.post_raw(TOKEN, "text/plain", "grant_type=password")).await;
    assert_oauth_error(&not_json, 400, "invalid_request");
}

#[tokio::test]
async fn a_client_authenticates_by_http_basic_or_in_the_body() {
    let app = TestApp::spawn().await;
    let secret = new_client(&app, "bank-1").await;
    let credentials = STANDARD.encode(format!("bank-1:{secret}"));
    let by_basic = basic(&app, &credentials, "grant_type=client_credentials").await;
    assert_eq!(by_basic.status, 200, "{}", by_basic.body);
    assert_eq!(by_basic.body["permissions"], json!(["read_registry"]));
    assert_eq!(by_basic.body["refresh_token"], Value::Null);

    let in_body = form(
        &app,
        &format!("grant_type=client_credentials&client_id=bank-1&client_secret={secret}"),
    )
    .await;
    assert_eq!(in_body.status, 200, "{}", in_body.body);

    let wrong = STANDARD.encode("bank-1:wrong-secret");
    let refused = basic(&app, &wrong, "grant_type=client_credentials").await;
    assert_oauth_error(&refused, 401, "invalid_client");
    assert_eq!(
        refused.header("www-authenticate"),
        Some("Basic realm=\"fupin\"")
    );

    let both = basic(
        &app,
        &credentials,
        &format!("grant_type=client_credentials&client_id=bank-1&client_secret={secret}"),
    )
    .await;
    assert_oauth_error(&both, 400, "invalid_request");
    let garbled = basic(&app, "%%%", "grant_type=client_credentials").await;
    assert_oauth_error(&garbled, 401, "invalid_client");
    // A person's login is not a client's: Basic sent with it (as Swagger UI does) is ignored.
    let username = person(&app).await;
    let login = format!("grant_type=password&username={username}&password={TEST_PASSWORD}");
    assert_eq!(basic(&app, "Og==", &login).await.status, 200);
    assert_eq!(basic(&app, "%%%", &login).await.status, 200);
}

#[tokio::test]
async fn the_document_offers_oauth2_flows_and_swagger_ui_keeps_the_authorisation() {
    let app = TestApp::spawn().await;
    let doc = send(app.client.get(app.url("/api/v1/openapi.json"))).await;
    let oauth2 = &doc.body["components"]["securitySchemes"]["oauth2"];
    assert_eq!(oauth2["type"], "oauth2");
    assert_eq!(oauth2["flows"]["password"]["tokenUrl"], TOKEN);
    assert_eq!(oauth2["flows"]["clientCredentials"]["tokenUrl"], TOKEN);
    assert!(doc.body["security"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r.get("oauth2").is_some()));
    let form_body = &doc.body["paths"][TOKEN]["post"]["requestBody"]["content"][FORM];
    assert!(form_body.get("schema").is_some(), "{form_body}");

    let initializer = send(
        app.client
            .get(app.url("/swagger-ui/swagger-initializer.js")),
    )
    .await;
    let script = initializer.body.as_str().unwrap_or_default();
    assert!(
        script.contains("\"persistAuthorization\": true")
            || script.contains("persistAuthorization\":true"),
        "{script}"
    );
}
