//! What the service writes to its log.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use fupin_domain::access::Role;
use fupin_tests::fixtures::{gaoling, household_body, VILLAGE};
use fupin_tests::{send, TestApp, TEST_PASSWORD};
use serde_json::json;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buffer) = self.0.lock() {
            buffer.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The one process-wide log subscriber of this test binary (other tests do not log).
fn captured_log() -> &'static Captured {
    static LOG: OnceLock<Captured> = OnceLock::new();
    LOG.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let _ = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .try_init();
        captured
    })
}

#[tokio::test]
async fn logs_never_hold_personal_data_tokens_or_passwords() {
    let log = captured_log();
    let app = TestApp::spawn().await;
    gaoling(&app).await;
    let body = household_body("L-1", VILLAGE, "王建国");
    let number = body["head"]["id_number"].as_str().unwrap().to_owned();
    let created = send(app.post("/api/v1/households", &body)).await;
    let path = format!(
        "/api/v1/households/{}",
        created.body["id"].as_str().unwrap()
    );
    send(app.get(&format!("{path}?reveal=true"))).await;
    send(app.get(&format!("/api/v1/households?q={number}"))).await;
    let officer = app.as_role(Role::VillageOfficer, VILLAGE);
    let login = send(app.client.post(app.url("/api/v1/auth/token")).json(&json!({
        "grant_type": "password", "username": officer.username, "password": TEST_PASSWORD
    })))
    .await;
    let access = login.body["access_token"].as_str().unwrap().to_owned();
    let refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
    send(app.client.post(app.url("/api/v1/auth/token")).json(&json!({
        "grant_type": "password", "username": officer.username, "password": "a wrong password"
    })))
    .await;

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("/api/v1/auth/token") && text.contains("status=201"),
        "request lines are logged"
    );
    for secret in [
        number.as_str(),
        "13812345678",
        TEST_PASSWORD,
        "a wrong password",
        access.as_str(),
        refresh.as_str(),
        app.admin_token.as_str(),
    ] {
        assert!(!text.contains(secret), "the log holds `{secret}`");
    }
}
