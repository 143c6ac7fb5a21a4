//! Accounts, tokens, roles, region scope, personal data and the audit trail.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use fupin_api::auth::{Claims, TokenService};
use fupin_domain::access::Role;
use fupin_tests::fixtures::{
    gaoling, household_body, member_body, register, DISTRICT, OTHER_TOWN, OTHER_TOWN_VILLAGE, TOWN,
    VILLAGE,
};
use fupin_tests::{send, TestApp, TEST_PASSWORD};
use serde_json::{json, Value};

fn claims(subject: &str) -> Claims {
    let now = Utc::now().timestamp();
    Claims {
        iss: "fupin".into(),
        aud: "fupin-api".into(),
        sub: subject.into(),
        name: "forged".into(),
        role: Role::Admin,
        permissions: vec![],
        scope: DISTRICT.into(),
        iat: now,
        nbf: now,
        exp: now + 300,
        jti: "j".into(),
    }
}

async fn status_with(app: &TestApp, token: &str) -> (u16, Value) {
    let reply = send(
        app.client
            .get(app.url("/api/v1/households"))
            .bearer_auth(token),
    )
    .await;
    (reply.status, reply.body)
}

async fn login(app: &TestApp, username: &str, password: &str) -> fupin_tests::Reply {
    send(app.client.post(app.url("/api/v1/auth/token")).json(&json!({
        "grant_type": "password", "username": username, "password": password
    })))
    .await
}

#[tokio::test]
async fn every_protected_endpoint_needs_a_token() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/households",
        "/api/v1/regions",
        "/api/v1/members",
        "/api/v1/audit",
        "/api/v1/users",
    ] {
        let reply = send(app.client.get(app.url(path))).await;
        reply.assert_problem(401, "unauthorized");
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"), "{path}");
    }
    for path in [
        "/healthz",
        "/readyz",
        "/api/v1/openapi.json",
        "/swagger-ui/",
    ] {
        assert_eq!(
            app.client.get(app.url(path)).send().await.unwrap().status(),
            200,
            "{path}"
        );
    }
}

#[tokio::test]
async fn people_log_in_refresh_and_log_out() {
    let app = TestApp::spawn().await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let reply = login(&app, &officer.username, TEST_PASSWORD).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["role"], "village_officer");
    assert_eq!(reply.body["region_code"], VILLAGE);
    let access = reply.body["access_token"].as_str().unwrap().to_owned();
    let refresh = reply.body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(status_with(&app, &access).await.0, 200);

    let rotated = send(
        app.client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"grant_type": "refresh_token", "refresh_token": refresh})),
    )
    .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_refresh = rotated.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, refresh);

    // The old refresh token was used: presenting it again revokes the whole family.
    send(
        app.client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"grant_type": "refresh_token", "refresh_token": refresh})),
    )
    .await
    .assert_problem(400, "invalid_grant");
    send(
        app.client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"grant_type": "refresh_token", "refresh_token": new_refresh})),
    )
    .await
    .assert_problem(400, "invalid_grant");

    let again = login(&app, &officer.username, TEST_PASSWORD).await;
    let refresh = again.body["refresh_token"].as_str().unwrap().to_owned();
    let out = send(
        app.client
            .post(app.url("/api/v1/auth/logout"))
            .json(&json!({"refresh_token": refresh})),
    )
    .await;
    assert_eq!(out.status, 204);
    send(
        app.client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"grant_type": "refresh_token", "refresh_token": refresh})),
    )
    .await
    .assert_problem(400, "invalid_grant");
}

#[tokio::test]
async fn client_systems_get_tokens_with_their_secret() {
    let app = TestApp::spawn().await;
    let as_officer = send(app.post("/api/v1/clients", &json!({"client_id": "province", "name": "省系统", "role": "district_officer", "region_code": "610117"}))).await;
    as_officer.assert_problem(422, "validation_failed");
    // The unknown field and the missing one, in one answer.
    assert_eq!(as_officer.error_fields(), vec!["role", "permissions"]);
    let writer = send(app.post("/api/v1/clients", &json!({"client_id": "province", "name": "省系统", "permissions": ["read_registry", "write_registry"], "region_code": "610117"}))).await;
    writer.assert_problem(422, "validation_failed");
    assert_eq!(writer.error_fields(), vec!["permissions"]);
    let person = send(app.post("/api/v1/users", &json!({"username": "robot", "password": "a long passphrase 7", "role": "client", "region_code": "610117"}))).await;
    assert_eq!(person.error_fields(), vec!["role"], "{}", person.body);
    assert_eq!(app.count("clients"), 0, "refusals create nothing");

    let created = send(app.post("/api/v1/clients", &json!({"client_id": "province", "name": "省系统", "permissions": ["read_registry", "read_changes"], "region_code": "610117"}))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["region_code"], DISTRICT);
    assert_eq!(created.body["role"], "client");
    assert_eq!(
        created.body["permissions"],
        json!(["read_registry", "read_changes"])
    );
    let secret = created.body["client_secret"].as_str().unwrap().to_owned();
    let listed = send(app.get("/api/v1/clients")).await;
    assert!(
        listed.body["items"][0].get("client_secret").is_none(),
        "the secret is shown once"
    );

    let token = send(app.client.post(app.url("/api/v1/auth/token")).json(&json!({"grant_type": "client_credentials", "client_id": "province", "client_secret": secret}))).await;
    assert_eq!(token.status, 200, "{}", token.body);
    assert_eq!(token.body["refresh_token"], Value::Null);
    assert_eq!(
        token.body["permissions"],
        json!(["read_registry", "read_changes"])
    );
    let access = token.body["access_token"].as_str().unwrap();
    assert_eq!(status_with(&app, access).await.0, 200);
    let write = send(
        app.client
            .post(app.url("/api/v1/households"))
            .bearer_auth(access)
            .json(&household_body("C-1", VILLAGE, "王五")),
    )
    .await;
    write.assert_problem(403, "forbidden");
    assert!(
        write.body["detail"]
            .as_str()
            .unwrap()
            .contains("not granted"),
        "{}",
        write.body
    );
    send(app.client.post(app.url("/api/v1/auth/token")).json(&json!({"grant_type": "client_credentials", "client_id": "province", "client_secret": "wrong"})))
        .await
        .assert_problem(401, "invalid_client");
}

#[tokio::test]
async fn bad_tokens_are_401() {
    let app = TestApp::spawn().await;
    let subject = app.as_role(Role::Admin, DISTRICT).user_id;
    let tokens = &app.tokens;
    let good = tokens.sign(&claims(&subject)).unwrap();
    assert_eq!(status_with(&app, &good).await.0, 200);

    let mut expired = claims(&subject);
    expired.exp = Utc::now().timestamp() - 60;
    let mut early = claims(&subject);
    early.nbf = Utc::now().timestamp() + 600;
    let mut wrong_issuer = claims(&subject);
    wrong_issuer.iss = "someone-else".into();
    let mut wrong_audience = claims(&subject);
    wrong_audience.aud = "another-api".into();
    let foreign = TokenService::new(
        "test:c29tZS1vdGhlci1rZXktdGhhdC1pcy1ub3QtY29uZmlndXJlZA==",
        "fupin",
        "fupin-api",
        std::time::Duration::from_secs(60),
    )
    .unwrap();
    let header_none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"test"}"#);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(&subject)).unwrap());
    let alg_none = format!("{header_none}.{body}.");
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: Some("test".into()),
            ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512)
        },
        &claims(&subject),
        &jsonwebtoken::EncodingKey::from_secret(b"test-signing-key-for-fupin-tests-only"),
    )
    .unwrap();
    let cases = [
        ("malformed", "not.a.token".to_owned()),
        ("garbage", "abc".to_owned()),
        ("expired", tokens.sign(&expired).unwrap()),
        ("not yet valid", tokens.sign(&early).unwrap()),
        ("wrong issuer", tokens.sign(&wrong_issuer).unwrap()),
        ("wrong audience", tokens.sign(&wrong_audience).unwrap()),
        ("bad signature", foreign.sign(&claims(&subject)).unwrap()),
        ("alg none", alg_none),
        ("another algorithm", hs512),
        ("tampered payload", {
            let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
            let mut elevated = claims(&subject);
            elevated.scope = "610000000000".into();
            parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&elevated).unwrap());
            parts.join(".")
        }),
    ];
    for (name, token) in cases {
        let (status, body) = status_with(&app, &token).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(body["type"], "urn:fupin:problem:unauthorized", "{name}");
    }
    let missing_scheme = send(
        app.client
            .get(app.url("/api/v1/households"))
            .header("Authorization", good.clone()),
    )
    .await;
    missing_scheme.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn a_key_being_retired_still_verifies() {
    let app = TestApp::spawn().await;
    let subject = app.as_role(Role::Admin, DISTRICT).user_id;
    let old_signer = TokenService::new(
        "old:b2xkLXNpZ25pbmcta2V5LWZvci1mdXBpbi10ZXN0cy1vbmx5",
        "fupin",
        "fupin-api",
        std::time::Duration::from_secs(60),
    )
    .unwrap();
    let token = old_signer
        .issue(&subject, "x", (Role::Admin, &[]), DISTRICT, Utc::now())
        .unwrap();
    assert_eq!(status_with(&app, &token).await.0, 200);
}

#[tokio::test]
async fn a_disabled_account_loses_access_at_once() {
    let app = TestApp::spawn().await;
    let officer = app.as_role(Role::TownOfficer, TOWN);
    assert_eq!(status_with(&app, &officer.token).await.0, 200);
    let refresh = login(&app, &officer.username, TEST_PASSWORD).await.body["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let disabled = send(app.post(
        &format!("/api/v1/users/{}/disable", officer.user_id),
        &json!({}),
    ))
    .await;
    assert_eq!(disabled.status, 200, "{}", disabled.body);
    assert_eq!(disabled.body["disabled"], true);
    let (status, body) = status_with(&app, &officer.token).await;
    assert_eq!(status, 401, "{body}");
    send(
        app.client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"grant_type": "refresh_token", "refresh_token": refresh})),
    )
    .await
    .assert_problem(400, "invalid_grant");
    login(&app, &officer.username, TEST_PASSWORD)
        .await
        .assert_problem(400, "invalid_grant");
    send(app.post(
        &format!("/api/v1/users/{}/enable", officer.user_id),
        &json!({}),
    ))
    .await;
    assert_eq!(status_with(&app, &officer.token).await.0, 200);
}

#[tokio::test]
async fn failed_logins_are_rate_limited_and_reveal_nothing() {
    let app = TestApp::spawn().await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let unknown = login(&app, "nobody-here", "whatever-password").await;
    let wrong = login(&app, &officer.username, "wrong-password").await;
    unknown.assert_problem(400, "invalid_grant");
    wrong.assert_problem(400, "invalid_grant");
    assert_eq!(
        unknown.body["detail"], wrong.body["detail"],
        "no hint whether the username exists"
    );
    for _ in 0..4 {
        login(&app, &officer.username, "wrong-password")
            .await
            .assert_problem(400, "invalid_grant");
    }
    let limited = login(&app, &officer.username, TEST_PASSWORD).await;
    limited.assert_problem(429, "rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 900);
}

#[tokio::test]
async fn the_permission_matrix_holds_for_every_role() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    register(&app, "M-1", VILLAGE, "王建国").await;
    let allowed_write = [
        Role::Admin,
        Role::DistrictOfficer,
        Role::TownOfficer,
        Role::VillageOfficer,
    ];
    for (n, role) in Role::ALL.iter().enumerate() {
        if !fupin_domain::access::is_person_role(*role) {
            continue;
        }
        let caller = app.as_role(*role, DISTRICT);
        let read = send(caller.get("/api/v1/households")).await;
        assert_eq!(read.status, 200, "{role} reads");
        let write = send(caller.post(
            "/api/v1/households",
            &household_body(&format!("R-{n}"), VILLAGE, "李四"),
        ))
        .await;
        if allowed_write.contains(role) {
            assert_eq!(write.status, 201, "{role} writes: {}", write.body);
        } else {
            write.assert_problem(403, "forbidden");
        }
        let region = send(caller.post(
            "/api/v1/regions",
            &json!({"code": format!("6101170012{:02}", 50 + n), "name": "新村"}),
        ))
        .await;
        let manages_regions = matches!(role, Role::Admin | Role::DistrictOfficer);
        assert_eq!(
            region.status,
            if manages_regions { 201 } else { 403 },
            "{role} regions: {}",
            region.body
        );
        let audit = send(caller.get("/api/v1/audit")).await;
        assert_eq!(
            audit.status,
            if matches!(role, Role::Admin | Role::Auditor) {
                200
            } else {
                403
            },
            "{role} audit"
        );
        let users = send(caller.get("/api/v1/users")).await;
        assert_eq!(
            users.status,
            if *role == Role::Admin { 200 } else { 403 },
            "{role} users"
        );
    }
}

#[tokio::test]
async fn a_village_officer_sees_and_writes_only_their_village() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let own = register(&app, "S-1", VILLAGE, "王建国").await;
    let other = register(&app, "S-2", OTHER_TOWN_VILLAGE, "李四").await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);

    let list = send(officer.get("/api/v1/households?limit=200")).await;
    let numbers: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["household_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, vec!["S-1"]);
    let filtered = send(officer.get(&format!("/api/v1/households?region={OTHER_TOWN}"))).await;
    assert_eq!(filtered.body["items"].as_array().unwrap().len(), 0);
    let members = send(officer.get("/api/v1/members")).await;
    assert!(members.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["region_code"] == VILLAGE));

    let other_path = format!("/api/v1/households/{}", other["id"].as_str().unwrap());
    send(officer.get(&other_path))
        .await
        .assert_problem(404, "not_found");
    send(
        officer
            .patch(&other_path, &json!({"address": "x"}))
            .header("If-Match", "\"1\""),
    )
    .await
    .assert_problem(404, "not_found");
    send(officer.post(
        &format!("{other_path}/members"),
        &member_body("甲", "2000-01-01", fupin_domain::member::Sex::Male, "son"),
    ))
    .await
    .assert_problem(404, "not_found");
    send(officer.post(
        "/api/v1/households",
        &household_body("S-3", OTHER_TOWN_VILLAGE, "赵六"),
    ))
    .await
    .assert_problem(403, "forbidden");
    assert_eq!(
        send(app.get(&other_path)).await.body["address"],
        "三组12号",
        "nothing changed"
    );

    let own_path = format!("/api/v1/households/{}", own["id"].as_str().unwrap());
    assert_eq!(send(officer.get(&own_path)).await.status, 200);
    let regions = send(officer.get("/api/v1/regions")).await;
    let codes: Vec<&str> = regions.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec![VILLAGE]);
}

#[tokio::test]
async fn personal_data_is_masked_unless_revealed_by_an_allowed_role() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let body = household_body("P-1", VILLAGE, "王建国");
    let number = body["head"]["id_number"].as_str().unwrap().to_owned();
    let created = send(app.post("/api/v1/households", &body)).await;
    let path = format!(
        "/api/v1/households/{}",
        created.body["id"].as_str().unwrap()
    );
    let masked_number = format!("{}********{}", &number[..6], &number[14..]);
    assert_eq!(created.body["phone"], "138****5678");
    assert_eq!(created.body["members"][0]["id_number"], masked_number);

    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let seen = send(officer.get(&path)).await;
    assert_eq!(seen.body["phone"], "138****5678");
    assert_eq!(seen.body["members"][0]["id_number"], masked_number);
    send(officer.get(&format!("{path}?reveal=true")))
        .await
        .assert_problem(403, "forbidden");

    let district = app.as_role(Role::DistrictOfficer, DISTRICT);
    let full = send(district.get(&format!("{path}?reveal=true"))).await;
    assert_eq!(full.status, 200, "{}", full.body);
    assert_eq!(full.body["phone"], "13812345678");
    assert_eq!(full.body["members"][0]["id_number"], number);
    let member_path = format!(
        "{path}/members/{}",
        full.body["members"][0]["id"].as_str().unwrap()
    );
    assert_eq!(
        send(district.get(&format!("{member_path}?reveal=true")))
            .await
            .body["id_number"],
        number
    );

    let reads = send(app.get(&format!(
        "/api/v1/audit?action=read_personal_data&actor_id={}",
        district.user_id
    )))
    .await;
    let entities: Vec<&str> = reads.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entity_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        entities,
        vec!["member", "household"],
        "every full read is recorded, newest first"
    );
}

#[tokio::test]
async fn the_database_holds_no_plaintext_personal_data() {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Sealed {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        a: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        b: Option<String>,
    }
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let body = household_body("P-1", VILLAGE, "王建国");
    let number = body["head"]["id_number"].as_str().unwrap().to_owned();
    send(app.post("/api/v1/households", &body)).await;
    let mut conn = app.pool.get().unwrap();
    let members: Vec<Sealed> =
        diesel::sql_query("SELECT id_number_cipher AS a, id_number_hmac AS b FROM members")
            .load(&mut *conn)
            .unwrap();
    let households: Vec<Sealed> =
        diesel::sql_query("SELECT phone_cipher AS a, head_name AS b FROM households")
            .load(&mut *conn)
            .unwrap();
    for row in members.iter().chain(&households) {
        for value in [&row.a, &row.b].into_iter().flatten() {
            assert!(
                !value.contains(&number) && !value.contains(&number[6..14]),
                "plaintext in {value}"
            );
            assert!(!value.contains("13812345678"), "plaintext phone in {value}");
        }
    }
    assert!(members[0].a.as_deref().is_some_and(|c| c.len() > 40));
    let plaintext_column = diesel::sql_query("SELECT id_number AS a, id_number AS b FROM members")
        .load::<Sealed>(&mut *conn);
    assert!(plaintext_column.is_err(), "the plaintext column is gone");
}

#[tokio::test]
async fn every_kind_of_write_leaves_an_audit_entry() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let household = register(&app, "A-1", VILLAGE, "王建国").await;
    let path = format!("/api/v1/households/{}", household["id"].as_str().unwrap());
    send(
        app.patch(&path, &json!({"address": "新址"}))
            .header("If-Match", "\"1\""),
    )
    .await;
    let son = send(app.post(
        &format!("{path}/members"),
        &member_body("王强", "2000-01-01", fupin_domain::member::Sex::Male, "son"),
    ))
    .await;
    let son_id = son.body["id"].as_str().unwrap();
    send(app.post(
        &format!("{path}/head"),
        &json!({"member_id": son_id, "former_head_relation": "father"}),
    ))
    .await;
    let head_id = household["members"][0]["id"].as_str().unwrap();
    send(app.post(
        &format!("{path}/members/{head_id}/leave"),
        &json!({"left_on": "2026-01-01", "reason": "death"}),
    ))
    .await;
    let user = send(app.post("/api/v1/users", &json!({"username": "newbie", "password": "long enough password", "role": "village_officer", "region_code": VILLAGE}))).await;
    let user_id = user.body["id"].as_str().unwrap();
    send(app.post(
        &format!("/api/v1/users/{user_id}/password"),
        &json!({"password": "another long password"}),
    ))
    .await;
    send(app.post(&format!("/api/v1/users/{user_id}/disable"), &json!({}))).await;
    login(&app, "newbie", "wrong password!").await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    login(&app, &officer.username, TEST_PASSWORD).await;

    let audit = send(app.get("/api/v1/audit?limit=200")).await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let entries = audit.body["items"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "create",
        "update",
        "transfer_headship",
        "leave",
        "user_create",
        "password_reset",
        "user_disable",
        "login_failed",
        "login",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    let update = entries
        .iter()
        .find(|e| e["action"] == "update" && e["entity_type"] == "household")
        .unwrap();
    assert_eq!(update["before"]["address"], "三组12号");
    assert_eq!(update["after"]["address"], "新址");
    assert_eq!(update["actor_name"], "admin");
    assert_eq!(update["role"], "admin");
    assert!(update["request_id"].as_str().is_some());
    let created = entries
        .iter()
        .find(|e| e["action"] == "create" && e["entity_type"] == "household")
        .unwrap();
    assert!(
        created["after"]["members"][0]["id_number"]
            .as_str()
            .unwrap()
            .contains("********"),
        "personal data masked"
    );
    let seqs: Vec<i64> = entries.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] == w[1] + 1),
        "newest first, no gaps: {seqs:?}"
    );
    let verify = send(app.get("/api/v1/audit/verify")).await;
    assert_eq!(verify.body["intact"], true, "{}", verify.body);
    assert_eq!(
        verify.body["entries_checked"].as_i64().unwrap(),
        *seqs.first().unwrap()
    );
}

#[tokio::test]
async fn a_tampered_audit_row_breaks_the_chain_at_that_entry() {
    use diesel::prelude::*;
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    assert_eq!(
        send(app.get("/api/v1/audit/verify")).await.body["intact"],
        true
    );
    let mut conn = app.pool.get().unwrap();
    let third = "(SELECT e.id FROM audit_entries e JOIN audit_batches b \
                 ON b.batch_key = e.batch_key WHERE b.first_seq + e.ordinal = 3)";
    diesel::sql_query(format!(
        "UPDATE audit_entries SET actor_name = 'someone else' WHERE id = {third}"
    ))
    .execute(&mut *conn)
    .unwrap();
    let verify = send(app.get("/api/v1/audit/verify")).await;
    assert_eq!(verify.body["intact"], false, "{}", verify.body);
    assert_eq!(verify.body["first_broken_seq"], 3);
    assert_eq!(verify.body["entries_checked"], 2);
    diesel::sql_query(format!("DELETE FROM audit_entries WHERE id = {third}"))
        .execute(&mut *conn)
        .unwrap();
    let verify = send(app.get("/api/v1/audit/verify")).await;
    assert_eq!(
        verify.body["first_broken_seq"], 3,
        "a removed entry is named: {}",
        verify.body
    );
    assert_eq!(verify.body["entries_checked"], 2, "{}", verify.body);
}

#[tokio::test]
async fn the_audit_trail_is_scoped() {
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    register(&app, "A-1", VILLAGE, "王建国").await;
    register(&app, "A-2", OTHER_TOWN_VILLAGE, "李四").await;
    let auditor = app.as_role(Role::Auditor, TOWN);
    let audit = send(auditor.get("/api/v1/audit?entity_type=household")).await;
    let regions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["region_code"].as_str().unwrap())
        .collect();
    assert_eq!(regions, vec![VILLAGE]);
}

#[tokio::test]
async fn admins_manage_accounts_within_their_scope() {
    let app = TestApp::spawn().await;
    let town_admin = app.as_role(Role::Admin, TOWN);
    let created = send(town_admin.post("/api/v1/users", &json!({"username": "cun1", "password": "long enough password", "role": "village_officer", "region_code": VILLAGE}))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(created.body.get("password_hash").is_none());
    send(town_admin.post("/api/v1/users", &json!({"username": "cun1", "password": "long enough password", "role": "village_officer", "region_code": VILLAGE})))
        .await
        .assert_problem(409, "state_conflict");
    send(town_admin.post("/api/v1/users", &json!({"username": "cun2", "password": "long enough password", "role": "village_officer", "region_code": OTHER_TOWN_VILLAGE})))
        .await
        .assert_problem(403, "forbidden");
    let short = send(town_admin.post("/api/v1/users", &json!({"username": "cun3", "password": "short", "role": "village_officer", "region_code": VILLAGE}))).await;
    short.assert_problem(422, "validation_failed");
    assert_eq!(short.error_fields(), vec!["password"]);
    let listed = send(town_admin.get("/api/v1/users")).await;
    let names: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"cun1") && !names.contains(&"admin"),
        "{names:?}"
    );
    let admin_id = send(app.get("/api/v1/users")).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    send(town_admin.post(&format!("/api/v1/users/{admin_id}/disable"), &json!({})))
        .await
        .assert_problem(404, "not_found");

    let new_user = login(&app, "cun1", "long enough password").await;
    assert_eq!(new_user.status, 200);
    let refresh = new_user.body["refresh_token"].as_str().unwrap().to_owned();
    let id = created.body["id"].as_str().unwrap();
    assert_eq!(
        send(town_admin.post(
            &format!("/api/v1/users/{id}/password"),
            &json!({"password": "brand new password"})
        ))
        .await
        .status,
        200
    );
    login(&app, "cun1", "long enough password")
        .await
        .assert_problem(400, "invalid_grant");
    assert_eq!(login(&app, "cun1", "brand new password").await.status, 200);
    send(
        app.client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"grant_type": "refresh_token", "refresh_token": refresh})),
    )
    .await
    .assert_problem(400, "invalid_grant");
}

#[tokio::test]
async fn cors_is_off_by_default_and_on_for_configured_origins() {
    let app = TestApp::spawn().await;
    let plain = app
        .client
        .get(app.url("/healthz"))
        .header("Origin", "https://web.example")
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("access-control-allow-origin").is_none());

    let database = fupin_tests::TestDatabase::create();
    let pool = database.pool();
    let app = TestApp::spawn_with(pool, database, vec!["https://web.example".into()]);
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/households"))
        .header("Origin", "https://web.example")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://web.example"
    );
    let other = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/households"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn plaintext_personal_data_from_the_first_schema_is_sealed_by_the_migration() {
    use diesel::prelude::*;
    use fupin_persistence::connection::migrate_up_to;
    let database = fupin_tests::TestDatabase::create();
    let pool =
        fupin_persistence::connect(&database.url, 2, std::time::Duration::from_secs(5)).unwrap();
    let mut conn = pool.get().unwrap();
    let keys = fupin_tests::keys();
    migrate_up_to(&mut conn, &keys, Some("20261129000001")).unwrap();
    let now = "2026-01-01 00:00:00";
    for sql in [
        format!("INSERT INTO regions (id, code, name, level, parent_code, version, created_at, updated_at) VALUES ('r1', '610117000000', 'd', 'district', NULL, 1, '{now}', '{now}')"),
        format!("INSERT INTO regions (id, code, name, level, parent_code, version, created_at, updated_at) VALUES ('r2', '610117001000', 't', 'town', '610117000000', 1, '{now}', '{now}')"),
        format!("INSERT INTO regions (id, code, name, level, parent_code, version, created_at, updated_at) VALUES ('r3', '610117001201', 'v', 'village', '610117001000', 1, '{now}', '{now}')"),
        format!("INSERT INTO households (id, county_code, region_code, household_number, head_name, phone, address, attribute, main_cause, identified_year, status, member_count, version, created_at, updated_at) VALUES ('h1', '610117', '610117001201', 'OLD-1', '王', '13812345678', 'a', 'general', 'illness', 2016, 'not_exited', 1, 1, '{now}', '{now}')"),
        format!("INSERT INTO members (id, household_id, county_code, region_code, name, id_number, sex, birth_date, relation, ethnicity, education, schooling, health, disability, labour_ability, employment, basic_medical_insurance, critical_illness_insurance, pension_insurance, version, created_at, updated_at) VALUES ('m1', 'h1', '610117', '610117001201', '王', '11010519491231002X', 'female', '1949-12-31', 'head', '汉族', 'primary', 'not_in_school', 'healthy', 'none', 'ordinary', 'farming', TRUE, TRUE, TRUE, 1, '{now}', '{now}')"),
    ] {
        diesel::sql_query(sql).execute(&mut *conn).unwrap();
    }
    fupin_persistence::run_migrations(&mut conn, &keys).unwrap();
    let (row, _) = fupin_persistence::households::find_with_members(
        &mut conn,
        &fupin_domain::scope::RegionScope::Everything,
        "h1",
    )
    .unwrap();
    assert_eq!(
        keys.open(row.phone_cipher.as_deref().unwrap()).unwrap(),
        "13812345678"
    );
    let holder = fupin_persistence::members::current_holder_of(
        &mut conn,
        &keys.id_number_hash("11010519491231002X"),
        None,
    )
    .unwrap();
    assert_eq!(
        holder.unwrap().member_id,
        "m1",
        "the duplicate check finds migrated numbers"
    );
}
