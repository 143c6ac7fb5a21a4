//! Logins under attack: bursts of guesses, bursts of logins, and strangers trying to lock an
//! owner out. Clients bind to distinct loopback addresses (127.0.0.x) to come from elsewhere.

use std::net::{IpAddr, Ipv4Addr};

use fupin_domain::access::Role;
use fupin_tests::fixtures::VILLAGE;
use fupin_tests::{send, Reply, TestApp, TEST_PASSWORD};
use serde_json::{json, Value};

const TOKEN: &str = "/api/v1/auth/token";

/// A client whose connections come from 127.0.0.`last`.
fn from_address(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .unwrap()
}

async fn token(app: &TestApp, client: &reqwest::Client, body: Value) -> Reply {
    send(client.post(app.url(TOKEN)).json(&body)).await
}

fn password(username: &str, password: &str) -> Value {
    json!({"grant_type": "password", "username": username, "password": password})
}

fn refresh(token: &str) -> Value {
    json!({"grant_type": "refresh_token", "refresh_token": token})
}

/// Sends `count` copies of a token request at once and counts the statuses.
async fn burst(app: &TestApp, client: &reqwest::Client, body: Value, count: usize) -> Vec<u16> {
    let requests = (0..count).map(|_| {
        let request = client.post(app.url(TOKEN)).json(&body);
        async move { request.send().await.unwrap().status().as_u16() }
    });
    futures_util::future::join_all(requests).await
}

fn tally(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// The right password is held (429) from where the failures came, and lets its owner in from
/// 127.0.0.`elsewhere`.
async fn held_there_not_elsewhere(
    app: &TestApp,
    username: &str,
    there: &reqwest::Client,
    elsewhere: u8,
) {
    token(app, there, password(username, TEST_PASSWORD))
        .await
        .assert_problem(429, "rate_limited");
    let owner = token(
        app,
        &from_address(elsewhere),
        password(username, TEST_PASSWORD),
    )
    .await;
    assert_eq!(owner.status, 200, "{}", owner.body);
}

#[tokio::test]
async fn a_burst_of_wrong_passwords_is_checked_only_up_to_the_limit() {
    let app = TestApp::spawn().await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let failures_before = app.count("audit_entries WHERE action = 'login_failed'");
    let statuses = burst(
        &app,
        &app.client,
        password(&officer.username, "wrong-password"),
        100,
    )
    .await;
    assert_eq!(tally(&statuses, 400), 5, "{statuses:?}");
    assert_eq!(tally(&statuses, 429), 95, "{statuses:?}");
    let checked = app.count("audit_entries WHERE action = 'login_failed'") - failures_before;
    assert_eq!(
        checked, 5,
        "only the reserved attempts were checked and audited"
    );
}

#[tokio::test]
async fn two_hundred_concurrent_logins_get_tokens_or_429_and_nothing_breaks() {
    let app = TestApp::spawn().await;
    let officers: Vec<_> = (0..10)
        .map(|_| app.as_role(Role::VillageOfficer, VILLAGE))
        .collect();
    let requests = (0..200).map(|i| {
        let client = from_address(10 + (i % 20) as u8);
        let request = client
            .post(app.url(TOKEN))
            .json(&password(&officers[i % 10].username, TEST_PASSWORD));
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
    assert!(tally(&statuses, 200) > 0, "{statuses:?}");
    assert_eq!(send(app.get("/readyz")).await.status, 200);
    let after = token(
        &app,
        &from_address(99),
        password(&officers[0].username, TEST_PASSWORD),
    )
    .await;
    assert_eq!(after.status, 200, "{}", after.body);
}

#[tokio::test]
async fn a_strangers_failures_do_not_lock_the_owner_out_from_their_own_address() {
    let app = TestApp::spawn().await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let stranger = from_address(2);
    for _ in 0..5 {
        token(
            &app,
            &stranger,
            password(&officer.username, "guess-password"),
        )
        .await
        .assert_problem(400, "invalid_grant");
    }
    held_there_not_elsewhere(&app, &officer.username, &stranger, 3).await;
}

#[tokio::test]
async fn an_address_trying_many_names_is_limited_as_a_whole() {
    let app = TestApp::spawn().await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let sprayer = from_address(4);
    for i in 0..20 {
        let name = format!("someone-{i}");
        token(&app, &sprayer, password(&name, "guess-password"))
            .await
            .assert_problem(400, "invalid_grant");
    }
    held_there_not_elsewhere(&app, &officer.username, &sprayer, 5).await;
}

#[tokio::test]
async fn bogus_refresh_tokens_lock_out_only_their_own_address() {
    let app = TestApp::spawn().await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let owner = from_address(6);
    let login = token(&app, &owner, password(&officer.username, TEST_PASSWORD)).await;
    let issued = login.body["refresh_token"].as_str().unwrap().to_owned();
    let forger = from_address(7);
    for i in 0..20 {
        token(&app, &forger, refresh(&format!("forged-{i}")))
            .await
            .assert_problem(400, "invalid_grant");
    }
    token(&app, &forger, refresh("forged-again"))
        .await
        .assert_problem(429, "rate_limited");
    let refreshed = token(&app, &owner, refresh(&issued)).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
}
