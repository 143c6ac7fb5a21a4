//! The `fupin` command line, run as an operator would: `fupin audit verify` exits 0 on a chain
//! that holds and 1, with the report, on one that does not verify under the configured key;
//! `fupin serve` stopped by SIGTERM exits 0, or 1 when the stop cut an export short; it refuses
//! to start on a setting it no longer reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn fupin(database: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fupin"));
    command
        .args(["--demo"])
        .args(args)
        .env("DATABASE_URL", database)
        .env("FUPIN_LOG", "error")
        .env_remove("FUPIN_AUDIT_KEY");
    command.envs(env.iter().copied());
    command.output().unwrap()
}

fn report(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn audit_verify_exits_zero_on_an_intact_chain_and_one_under_another_key() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("fupin.db").display());
    let created = fupin(
        &database,
        &[("FUPIN_NEW_PASSWORD", "a long passphrase here")],
        &[
            "users",
            "create",
            "--username",
            "dongfan",
            "--role",
            "village_officer",
            "--region",
            "610117001201",
        ],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let intact = fupin(&database, &[], &["audit", "verify"]);
    assert_eq!(intact.status.code(), Some(0));
    let body = report(&intact);
    assert_eq!(body["intact"], true, "{body}");
    assert!(body["entries_checked"].as_i64().unwrap() > 0, "{body}");
    assert_eq!(body["sealed_head"], body["entries_checked"]);

    // Someone with the database but not the key: nothing verifies.
    let other_key = "c29tZW9uZS1lbHNlcy1rZXktd2hvLWhhcy1vbmx5LXRoZS1kYXRhYmFzZQ==";
    let forged = fupin(
        &database,
        &[("FUPIN_AUDIT_KEY", other_key)],
        &["audit", "verify"],
    );
    assert_eq!(forged.status.code(), Some(1));
    assert_eq!(report(&forged)["intact"], false);
}

fn serve(database: &str, env: &[(&str, &str)]) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_fupin"))
        .args(["--demo", "serve"])
        .env("DATABASE_URL", database)
        .env("FUPIN_BIND", format!("127.0.0.1:{port}"))
        .env("FUPIN_LOG", "error")
        .env_remove("FUPIN_AUDIT_KEY")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !http(port, "GET /readyz HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200") {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server never got ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, port)
}

/// Sends one request (`head` without its Host and Connection lines) and reads the answer.
fn http(port: u16, head: &str) -> String {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let (request_line, rest) = head.split_once("\r\n").unwrap();
    let request = format!("{request_line}\r\nHost: localhost\r\nConnection: close\r\n{rest}");
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

fn terminate(child: &Child) {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

fn exit_of(mut child: Child) -> (Option<i32>, String) {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_export_cut_by_shutdown_ends_unfinished_for_the_client_and_the_exit_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("fupin.db").display());
    // The first start of a new demo database writes the demo district and accounts.
    let (idle, _) = serve(&database, &[]);
    terminate(&idle);
    let (code, stderr) = exit_of(idle);
    assert_eq!(code, Some(0), "an idle server stops cleanly: {stderr}");
    // Far more than the sockets' buffers hold, so the export is still running at the stop.
    let seeded = fupin(&database, &[], &["seed", "bench", "--households", "10000"]);
    assert!(seeded.status.success());
    let password = "county-load-test-passphrase";
    let created = fupin(
        &database,
        &[("FUPIN_NEW_PASSWORD", password)],
        &[
            "users",
            "create",
            "--username",
            "bench",
            "--role",
            "admin",
            "--region",
            "610199",
        ],
    );
    assert!(created.status.success());

    let (server, port) = serve(&database, &[("FUPIN_SHUTDOWN_SECS", "1")]);
    let credentials =
        format!(r#"{{"grant_type":"password","username":"bench","password":"{password}"}}"#);
    let login = http(
        port,
        &format!(
            "POST /api/v1/auth/token HTTP/1.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{credentials}",
            credentials.len()
        ),
    );
    let (_, body) = login.split_once("\r\n\r\n").unwrap();
    let token: serde_json::Value = serde_json::from_str(body).unwrap();
    let token = token["access_token"].as_str().unwrap();
    let mut export = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        export,
        "GET /api/v1/exports/households?format=ndjson HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut start = vec![0; 16 * 1024];
    let read = export.read(&mut start).unwrap();
    let head = String::from_utf8_lossy(&start[..read]).to_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");

    // The client reads nothing more until well after the grace has run out.
    terminate(&server);
    std::thread::sleep(Duration::from_secs(3));
    let mut rest = Vec::new();
    let ended = export.read_to_end(&mut rest);
    let closing_chunk = rest.ends_with(b"\r\n0\r\n\r\n");
    let (code, stderr) = exit_of(server);
    assert!(
        ended.is_err() || !closing_chunk,
        "the cut export looked complete ({} bytes after the first read): {stderr}",
        rest.len()
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("the shutdown cut 1 streamed answer"),
        "{stderr}"
    );
}

#[test]
fn a_retired_loan_setting_stops_the_server_instead_of_acting_as_if_it_held() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("fupin.db").display());
    let refused = fupin(
        &database,
        &[
            ("FUPIN_LOAN_MAX_PRINCIPAL_FEN", "1000"),
            ("FUPIN_BIND", "127.0.0.1:0"),
        ],
        &["serve"],
    );
    assert_eq!(refused.status.code(), Some(1));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&refused.stdout),
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(said.contains("/api/v1/loan-policies"), "{said}");
}
