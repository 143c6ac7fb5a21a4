//! The `fupin` command line, run as an operator would: `fupin audit verify` exits 0 on a chain
//! that holds and 1, with the report, on one that does not verify under the configured key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

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
