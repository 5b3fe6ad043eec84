//! Commands an operator runs from the deployment guide and the README.

use std::process::Command;

use crate::helpers::{fresh_database, TestApp};

#[tokio::test]
async fn psql_dt_shows_the_guides_tables() {
    let app = TestApp::spawn().await;
    let out = Command::new("psql")
        .arg(&app.db_url)
        .arg("-c")
        .arg("\\dt")
        .output()
        .expect("psql is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for t in ["users", "products", "categories", "orders"] {
        assert!(
            text.lines()
                .any(|l| l.split('|').nth(1).map(str::trim) == Some(t)),
            "\\dt lacks {t}:\n{text}"
        );
    }
}

fn kenangan() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kenangan"));
    for v in [
        "APP_ENV",
        "GO_ENV",
        "JWT_SECRET",
        "DATABASE_URL",
        "API_PORT",
    ] {
        c.env_remove(v);
    }
    c
}

#[test]
fn production_refuses_to_start_without_a_strong_jwt_secret() {
    let out = kenangan()
        .args(["serve"])
        .env("APP_ENV", "production")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unused")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("JWT_SECRET") && err.contains("openssl rand -hex 32"),
        "{err}"
    );

    let out = kenangan()
        .args(["serve"])
        .env("APP_ENV", "production")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unused")
        .env("JWT_SECRET", "CHANGE_ME_TO_RANDOM_64_CHAR_STRING")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("too weak"));

    let out = kenangan()
        .args(["serve"])
        .env("API_PORT", "http")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("API_PORT"));
}

#[test]
fn version_prints_the_version() {
    let out = kenangan().arg("version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("kenangan "));
}

#[tokio::test]
async fn create_user_and_migrate_commands() {
    let db = fresh_database().await;
    let out = kenangan()
        .args(["migrate"])
        .env("DATABASE_URL", &db)
        .env("DEMO_DATA", "false")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = kenangan()
        .args([
            "create-user",
            "--username",
            "wayan",
            "--role",
            "manager",
            "--full-name",
            "Wayan",
        ])
        .env("DATABASE_URL", &db)
        .env("DEMO_DATA", "false")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"Nasi-Goreng-77\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A weak password is refused in production.
    let out = kenangan()
        .args([
            "create-user",
            "--username",
            "weak",
            "--role",
            "admin",
            "--password",
            "admin1234567",
        ])
        .env("DATABASE_URL", &db)
        .env("APP_ENV", "production")
        .env("JWT_SECRET", "x".repeat(64))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("easy to guess"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut app = TestApp::spawn_on(&db, &[]).await;
    let r = app
        .req(
            reqwest::Method::POST,
            "/auth/login",
            None,
            Some(serde_json::json!({"username": "wayan", "password": "Nasi-Goreng-77"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.stop().await;
}
