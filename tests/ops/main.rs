//! Operations tests (issue 7): the production files and scripts, against the real PostgreSQL
//! on 127.0.0.1:5432 (user postgres, trust), with real tools: psql/pg_dump, gzip, nginx,
//! docker-compose (config only: there is no Docker engine here), shellcheck, hadolint,
//! moto_server + aws (a local S3), and a local SMTP server written below.
//!
//! Tools are installed by `scripts/ops-deps.sh`; a missing one fails its test with that hint.
//! Every test makes its own database `kenangan_t_<random>` and temporary directory.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_kenangan");
const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn need(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "`{tool}` is not installed: run scripts/ops-deps.sh (installs the ops test tools)"
    );
}

fn run(cmd: &mut Command) -> Output {
    match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!("cannot run {cmd:?}: {e}"),
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        text(&out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn rand_hex(n: usize) -> String {
    use rand::Rng;
    let mut r = rand::thread_rng();
    (0..n)
        .map(|_| format!("{:x}", r.gen_range(0..16u8)))
        .collect()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let p = std::env::temp_dir().join(format!("kenangan-ops-{}", rand_hex(12)));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh database `kenangan_t_<random>`, dropped with the value.
struct Db {
    name: String,
    url: String,
}

impl Db {
    fn new() -> Db {
        let name = format!("kenangan_t_{}", rand_hex(16));
        ok(Command::new("psql").args([ADMIN_URL, "-Xq", "-c", &format!("CREATE DATABASE {name}")]));
        let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
        Db { name, url }
    }

    /// Runs SQL and returns psql's unaligned, tuples-only output.
    fn sql(&self, sql: &str) -> String {
        ok(Command::new("psql").args([&self.url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql]))
            .trim()
            .to_string()
    }

    fn psql_file(&self, file: &Path) -> String {
        ok(Command::new("psql")
            .args([&self.url, "-Xq", "-v", "ON_ERROR_STOP=1", "-f"])
            .arg(file))
    }

    /// Schema and seed from the generated init files, as the postgres image applies them.
    fn init_from_initdb_files(&self) {
        self.psql_file(&root().join("docker/postgres/01_schema.sql"));
        self.psql_file(&root().join("docker/postgres/02_seed_data.sql"));
    }

    /// A content fingerprint of every table: md5 of its rows in a fixed order.
    fn fingerprint(&self) -> BTreeMap<String, String> {
        let tables = self
            .sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
        tables
            .lines()
            .map(|t| {
                let sum = self.sql(&format!(
                    "SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM public.{t} x"
                ));
                (t.to_string(), sum)
            })
            .collect()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                ADMIN_URL,
                "-Xq",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

/// Some business data with a continuous event log (1..n), written as the server would.
fn add_orders(db: &Db, n: i64) {
    db.sql(&format!(
        "INSERT INTO users (username, password, full_name, role)
           VALUES ('w_{r}', 'x', 'Waiter', 'waiter');
         INSERT INTO orders (order_type, waiter_id, tax_rate_bp, service_rate_bp, subtotal, total)
           SELECT 'takeaway', (SELECT max(id) FROM users), 1100, 0, 100000 * g, 111000 * g
           FROM generate_series(1, {n}) g;
         INSERT INTO events (seq, kind, topics, payload)
           SELECT (SELECT seq FROM event_counter) + g, 'order.created', '{{orders}}',
                  json_build_object('n', g)
           FROM generate_series(1, {n}) g;
         UPDATE event_counter SET seq = seq + {n};",
        r = rand_hex(6)
    ));
}

/// Runs one of scripts/ with a clean, direct-mode environment.
struct Script {
    cmd: Command,
}

impl Script {
    fn new(name: &str, db_url: &str, dir: &Path) -> Script {
        let mut cmd = Command::new("bash");
        cmd.arg(root().join("scripts").join(name))
            .current_dir(dir)
            .env("DATABASE_URL", db_url)
            .env("ENV_FILE", dir.join("no-such.env"))
            .env("BACKUP_DIR", dir.join("backups"))
            .env("BACKUP_LOG", dir.join("log/backup.log"))
            .env("HOME", dir)
            .env_remove("S3_BUCKET")
            .env_remove("S3_ENDPOINT")
            .env_remove("SMTP_HOST")
            .env_remove("HEALTH_URL")
            .stdin(Stdio::null());
        Script { cmd }
    }
    fn arg(mut self, a: impl AsRef<std::ffi::OsStr>) -> Script {
        self.cmd.arg(a);
        self
    }
    fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Script {
        self.cmd.env(k, v);
        self
    }
    fn output(mut self) -> Output {
        run(&mut self.cmd)
    }
    fn output_with_stdin(mut self, input: &str) -> Output {
        self.cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

fn backups_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("restaurant_backup_"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn is_backup_name(n: &str, seconds: bool) -> bool {
    let Some(stamp) = n
        .strip_prefix("restaurant_backup_")
        .and_then(|s| s.strip_suffix(".dump.gz"))
    else {
        return false;
    };
    let (date, time) = stamp.split_once('_').unwrap_or(("", ""));
    date.len() == 8
        && time.len() == if seconds { 6 } else { 4 }
        && date.chars().chain(time.chars()).all(|c| c.is_ascii_digit())
}

/// A child process killed (SIGKILL) when dropped, unless already stopped.
struct Proc(Option<Child>);

impl Proc {
    fn terminate(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `kenangan serve` on a port of its own.
fn start_server(env: &[(&str, String)], log: &Path) -> Proc {
    let log = std::fs::File::create(log).unwrap();
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .env_remove("REDIS_URL")
        .env_remove("SENTRY_DSN")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Proc(Some(cmd.spawn().expect("start kenangan serve")))
}

async fn wait_healthy(base: &str) -> Value {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok(r) = client.get(format!("{base}/api/v1/health")).send().await {
            if r.status().is_success() {
                return r.json().await.unwrap();
            }
        }
        assert!(Instant::now() < deadline, "{base} never became healthy");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn login(base: &str, username: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// docker/postgres: the init files are migrations/, and the server accepts what they built.

#[test]
fn initdb_files_are_generated_from_migrations() {
    let out = run(Command::new("bash")
        .arg(root().join("scripts/gen-initdb.sh"))
        .arg("--check"));
    assert!(
        out.status.success(),
        "docker/postgres is out of date with migrations/: run scripts/gen-initdb.sh\n{}",
        text(&out)
    );
}

#[test]
fn initdb_schema_has_the_effect_of_the_migrator_and_is_idempotent() {
    let by_psql = Db::new();
    let by_sqlx = Db::new();
    // Twice, as the postgres image and then the deployment guide's Step 2 do.
    by_psql.init_from_initdb_files();
    let again = by_psql.psql_file(&root().join("docker/postgres/01_schema.sql"));
    assert!(again.contains("already applied"), "{again}");
    let again = by_psql.psql_file(&root().join("docker/postgres/02_seed_data.sql"));
    assert!(again.contains("nothing loaded"), "{again}");

    ok(Command::new(BIN)
        .arg("migrate")
        .env("DATABASE_URL", &by_sqlx.url)
        .env("APP_ENV", "development"));

    let schema = |db: &Db| {
        let dump =
            ok(Command::new("pg_dump").args(["--schema-only", "--no-owner", "--no-acl", &db.url]));
        // pg_dump >= 15.14 brackets its output with \restrict <random key>.
        dump.lines()
            .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (a, b) = (schema(&by_psql), schema(&by_sqlx));
    if a != b {
        let only = |x: &str, y: &str| -> Vec<String> {
            x.lines()
                .filter(|l| !y.lines().any(|m| m == *l))
                .map(str::to_string)
                .collect()
        };
        panic!(
            "01_schema.sql builds a different schema than the migrator (run scripts/gen-initdb.sh)\nonly from 01_schema.sql: {:?}\nonly from the migrator: {:?}",
            only(&a, &b),
            only(&b, &a)
        );
    }
    let applied =
        "SELECT version, description, success, encode(checksum, 'hex') FROM _sqlx_migrations ORDER BY 1";
    assert_eq!(by_psql.sql(applied), by_sqlx.sql(applied));

    // The seed: the demo menu, stations and tables; never users.
    assert_eq!(
        by_psql.sql("SELECT (SELECT count(*) FROM stations), (SELECT count(*) FROM products), (SELECT count(*) FROM dining_tables), (SELECT count(*) FROM users)"),
        "4|24|14|0"
    );
}

#[tokio::test]
async fn server_starts_on_a_database_built_by_the_initdb_files() {
    let db = Db::new();
    db.init_from_initdb_files();
    let tmp = TempDir::new();
    let port = free_port();
    let secret = rand_hex(64);
    let env = vec![
        ("APP_ENV", "production".to_string()),
        ("DATABASE_URL", db.url.clone()),
        ("JWT_SECRET", secret.clone()),
        ("API_HOST", "127.0.0.1".to_string()),
        ("API_PORT", port.to_string()),
        (
            "UPLOAD_DIR",
            tmp.path().join("uploads").display().to_string(),
        ),
    ];
    let log = tmp.path().join("server.log");
    let _server = start_server(&env, &log);
    let base = format!("http://127.0.0.1:{port}");
    let health = wait_healthy(&base).await;
    assert_eq!(health["data"]["database"], "connected", "{health}");
    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(
        logs.contains(&format!("Server is running on port {port}")),
        "{logs}"
    );
    // The migrator found every migration applied: it ran none (-1 is what 01_schema.sql records).
    let migrations = std::fs::read_dir(root().join("migrations"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".sql"))
        .count();
    assert_eq!(
        db.sql(
            "SELECT count(*), count(*) FILTER (WHERE execution_time = -1) FROM _sqlx_migrations"
        ),
        format!("{migrations}|{migrations}")
    );

    // The first admin, as docs/deployment.md creates it; then the guide's login.
    let password = "Kenangan-Ops-2024!";
    ok(Command::new(BIN)
        .args([
            "create-user",
            "--username",
            "admin",
            "--role",
            "admin",
            "--full-name",
            "System Administrator",
            "--email",
            "admin@steakkenangan.com",
            "--password",
            password,
        ])
        .env("APP_ENV", "production")
        .env("DATABASE_URL", &db.url)
        .env("JWT_SECRET", &secret));
    let r = login(&base, "admin", password).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["data"]["token"].as_str().is_some(), "{body}");
    // Production loads no demo users.
    assert_eq!(db.sql("SELECT count(*) FROM users"), "1");
}

// ---------------------------------------------------------------------------------------------
// scripts/backup.sh and scripts/restore.sh

#[test]
fn backup_then_restore_brings_the_data_back_and_bumps_the_epoch() {
    let db = Db::new();
    db.init_from_initdb_files();
    add_orders(&db, 25);
    let tmp = TempDir::new();
    let before = db.fingerprint();

    let out = Script::new("backup.sh", &db.url, tmp.path())
        .arg("daily")
        .output();
    assert!(out.status.success(), "{}", text(&out));
    let daily = tmp.path().join("backups/daily");
    let files = backups_in(&daily);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(is_backup_name(&files[0], false), "bad name {}", files[0]);
    ok(Command::new("gzip").arg("-t").arg(daily.join(&files[0])));
    assert_eq!(
        std::fs::read_link(daily.join("latest.dump.gz")).unwrap(),
        PathBuf::from(&files[0])
    );
    let log = std::fs::read_to_string(tmp.path().join("log/backup.log")).unwrap();
    assert!(log.contains("daily backup OK"), "{log}");

    // Damage: lose orders and events, change prices, add a station; and pretend two restores
    // already happened (epoch 3), so the bump must go past the current epoch, not the backup's.
    db.sql(
        "DELETE FROM events WHERE seq > 10; UPDATE event_counter SET seq = 10, epoch = 3;
         DELETE FROM orders WHERE id > 5; UPDATE products SET price = 1;
         INSERT INTO stations (code, name) VALUES ('oops', 'Oops');",
    );
    assert_ne!(db.fingerprint(), before);

    let out = Script::new("restore.sh", &db.url, tmp.path())
        .arg(daily.join("latest.dump.gz"))
        .arg("--skip-confirm")
        .output();
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("Restored"), "{said}");
    assert!(said.contains("25 events, seq 1..25, continuous"), "{said}");
    assert!(said.contains("epoch       : 3 -> 4"), "{said}");

    let mut after = db.fingerprint();
    let mut expected = before.clone();
    // Only event_counter differs: the epoch.
    after.remove("event_counter");
    expected.remove("event_counter");
    assert_eq!(after, expected, "restored data differs from the backup");
    assert_eq!(db.sql("SELECT seq, epoch FROM event_counter"), "25|4");

    // The emergency backup holds the state before the restore.
    let emergency = tmp.path().join("backups/emergency");
    let files = backups_in(&emergency);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(is_backup_name(&files[0], true), "bad name {}", files[0]);
    let content = ok(Command::new("sh").arg("-c").arg(format!(
        "gzip -cd '{}'",
        emergency.join(&files[0]).display()
    )));
    assert!(
        content.contains("\toops\tOops\t"),
        "emergency backup lacks the damaged state"
    );
}

#[tokio::test]
async fn restore_checks_health_when_given_a_url() {
    let db = Db::new();
    db.init_from_initdb_files();
    add_orders(&db, 3);
    let tmp = TempDir::new();
    let out = Script::new("backup.sh", &db.url, tmp.path())
        .arg("weekly")
        .output();
    assert!(out.status.success(), "{}", text(&out));

    let port = free_port();
    let env = vec![
        ("APP_ENV", "development".to_string()),
        ("DEMO_DATA", "false".to_string()),
        ("DATABASE_URL", db.url.clone()),
        ("API_HOST", "127.0.0.1".to_string()),
        ("API_PORT", port.to_string()),
        (
            "UPLOAD_DIR",
            tmp.path().join("uploads").display().to_string(),
        ),
    ];
    let _server = start_server(&env, &tmp.path().join("server.log"));
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&base).await;
    let file = tmp.path().join("backups/weekly/latest.dump.gz");
    let health = format!("{base}/api/v1/health");
    let out = tokio::task::spawn_blocking({
        let (url, dir) = (db.url.clone(), tmp.path().to_path_buf());
        move || {
            Script::new("restore.sh", &url, &dir)
                .arg(&file)
                .arg("--skip-confirm")
                .arg("--no-emergency-backup")
                .arg("--health-url")
                .arg(&health)
                .output()
        }
    })
    .await
    .unwrap();
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("health      : green"), "{said}");

    // A health URL that does not answer fails the verification (non-zero, clear message).
    let dead = format!("http://127.0.0.1:{}/api/v1/health", free_port());
    let file = tmp.path().join("backups/weekly/latest.dump.gz");
    let out = Script::new("restore.sh", &db.url, tmp.path())
        .arg(&file)
        .arg("--skip-confirm")
        .arg("--no-emergency-backup")
        .arg("--health-url")
        .arg(&dead)
        .output();
    assert!(!out.status.success());
    assert!(text(&out).contains("VERIFY FAILED"), "{}", text(&out));
}

#[test]
fn restore_asks_for_restore_and_refuses_bad_files() {
    let db = Db::new();
    db.init_from_initdb_files();
    add_orders(&db, 4);
    let tmp = TempDir::new();
    let out = Script::new("backup.sh", &db.url, tmp.path())
        .arg("monthly")
        .output();
    assert!(out.status.success(), "{}", text(&out));
    let file = tmp.path().join("backups/monthly/latest.dump.gz");
    db.sql("INSERT INTO stations (code, name) VALUES ('marker', 'Marker')");

    // Anything but RESTORE cancels, and nothing changes (not even an emergency backup).
    let out = Script::new("restore.sh", &db.url, tmp.path())
        .arg(&file)
        .output_with_stdin("yes\n");
    assert!(!out.status.success());
    assert!(text(&out).contains("cancelled"), "{}", text(&out));
    assert_eq!(
        db.sql("SELECT count(*) FROM stations WHERE code = 'marker'"),
        "1"
    );
    assert!(!tmp.path().join("backups/emergency").exists());

    // A truncated backup is refused before anything is touched.
    let bytes = std::fs::read(&file).unwrap();
    let cut = tmp.path().join("cut.dump.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let out = Script::new("restore.sh", &db.url, tmp.path())
        .arg(&cut)
        .arg("--skip-confirm")
        .output();
    assert!(!out.status.success());
    assert!(text(&out).contains("RESTORE FAILED"), "{}", text(&out));
    assert_eq!(
        db.sql("SELECT count(*) FROM stations WHERE code = 'marker'"),
        "1"
    );

    // Typing RESTORE proceeds.
    let out = Script::new("restore.sh", &db.url, tmp.path())
        .arg(&file)
        .output_with_stdin("RESTORE\n");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        db.sql("SELECT count(*) FROM stations WHERE code = 'marker'"),
        "0"
    );

    // The guide's own emergency command (plain pg_dump | gzip) restores too.
    let plain = tmp.path().join("emergency-plain.dump.gz");
    ok(Command::new("sh").arg("-c").arg(format!(
        "pg_dump '{}' | gzip > '{}'",
        db.url,
        plain.display()
    )));
    let out = Script::new("restore.sh", &db.url, tmp.path())
        .arg(&plain)
        .arg("--skip-confirm")
        .arg("--no-emergency-backup")
        .output();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn retention_keeps_the_newest_7_daily_4_weekly_3_monthly() {
    let db = Db::new();
    db.init_from_initdb_files();
    let tmp = TempDir::new();
    let backups = tmp.path().join("backups");
    // Older dated backups of each kind, plus files retention must never touch.
    for (kind, n) in [("daily", 10), ("weekly", 6), ("monthly", 5)] {
        let dir = backups.join(kind);
        std::fs::create_dir_all(&dir).unwrap();
        for d in 1..=n {
            std::fs::write(
                dir.join(format!("restaurant_backup_202001{d:02}_0200.dump.gz")),
                b"old",
            )
            .unwrap();
        }
        std::fs::write(dir.join("README.txt"), b"keep me").unwrap();
    }
    for (kind, keep, oldest_kept) in [("daily", 7, 5), ("weekly", 4, 4), ("monthly", 3, 4)] {
        let out = Script::new("backup.sh", &db.url, tmp.path())
            .arg(kind)
            .output();
        assert!(out.status.success(), "{}", text(&out));
        let dir = backups.join(kind);
        let files = backups_in(&dir);
        assert_eq!(files.len(), keep, "{kind}: {files:?}");
        // The newest old ones survive, plus today's.
        assert_eq!(
            files[0],
            format!("restaurant_backup_202001{oldest_kept:02}_0200.dump.gz"),
            "{kind}: {files:?}"
        );
        assert!(!files.last().unwrap().starts_with("restaurant_backup_2020"));
        assert!(dir.join("README.txt").exists());
        assert!(dir.join("latest.dump.gz").exists());
    }
    let log = std::fs::read_to_string(tmp.path().join("log/backup.log")).unwrap();
    assert!(
        log.contains("retention: removed daily/restaurant_backup_20200101_0200.dump.gz"),
        "{log}"
    );
}

/// A minimal SMTP server on 127.0.0.1 that records what it is sent.
fn smtp_server() -> (u16, Arc<Mutex<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(String::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let record = record.clone();
            std::thread::spawn(move || smtp_session(stream, record));
        }
    });
    (port, seen)
}

fn smtp_session(mut stream: TcpStream, record: Arc<Mutex<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut send = |s: &str| {
        let _ = stream.write_all(s.as_bytes());
    };
    send("220 localhost test SMTP\r\n");
    let mut line = String::new();
    let mut in_data = false;
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        record.lock().unwrap().push_str(&line);
        if in_data {
            if line == ".\r\n" {
                in_data = false;
                send("250 OK queued\r\n");
            }
            continue;
        }
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            send("250-localhost\r\n250 AUTH PLAIN LOGIN\r\n");
        } else if upper.starts_with("AUTH PLAIN ") {
            send("235 authenticated\r\n");
        } else if upper.starts_with("AUTH") {
            send("334 \r\n");
        } else if upper.starts_with("DATA") {
            in_data = true;
            send("354 go ahead\r\n");
        } else if upper.starts_with("QUIT") {
            send("221 bye\r\n");
            return;
        } else if line.trim().is_empty() || !upper.is_ascii() {
            send("500 what\r\n");
        } else if upper.starts_with("HELO")
            || upper.starts_with("MAIL")
            || upper.starts_with("RCPT")
            || upper.starts_with("RSET")
            || upper.starts_with("NOOP")
        {
            send("250 OK\r\n");
        } else {
            // The answer to a 334 challenge (AUTH LOGIN / AUTH PLAIN without initial response).
            send("235 authenticated\r\n");
        }
    }
}

#[test]
fn a_failing_backup_exits_non_zero_and_emails_the_operator() {
    let tmp = TempDir::new();
    let (smtp_port, seen) = smtp_server();
    let out = Script::new(
        "backup.sh",
        "postgres://nobody@127.0.0.1:1/no_such_db",
        tmp.path(),
    )
    .arg("daily")
    .env("SMTP_HOST", "127.0.0.1")
    .env("SMTP_PORT", smtp_port.to_string())
    .env("SMTP_TLS", "none")
    .env("SMTP_USER", "notifications@steakkenangan.com")
    .env("SMTP_PASSWORD", "smtp-secret")
    .env("SMTP_TO", "devops@steakkenangan.com")
    .output();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("BACKUP FAILED (daily): pg_dump failed"),
        "{said}"
    );
    // No file, not even a partial one.
    let daily = tmp.path().join("backups/daily");
    let left: Vec<_> = std::fs::read_dir(&daily).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    let log = std::fs::read_to_string(tmp.path().join("log/backup.log")).unwrap();
    assert!(log.contains("BACKUP FAILED"), "{log}");
    assert!(log.contains("alert email sent"), "{log}");

    let mail = seen.lock().unwrap().clone();
    assert!(mail.contains("AUTH"), "{mail}");
    assert!(
        mail.contains("RCPT TO:<devops@steakkenangan.com>"),
        "{mail}"
    );
    assert!(
        mail.contains("Subject: [Kenangan] BACKUP FAILED on"),
        "{mail}"
    );
    assert!(mail.contains("pg_dump failed"), "{mail}");
    assert!(
        !mail.contains("smtp-secret"),
        "the password leaked into the message"
    );

    // Usage errors are distinct (2) and say what is expected.
    let out = Script::new("backup.sh", "postgres://x@127.0.0.1/x", tmp.path())
        .arg("hourly")
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("daily|weekly|monthly"));
}

#[test]
fn backups_are_copied_to_s3() {
    need("moto_server");
    need("aws");
    let db = Db::new();
    db.init_from_initdb_files();
    add_orders(&db, 2);
    let tmp = TempDir::new();
    let port = free_port();
    let mut moto = Proc(Some(
        Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server"),
    ));
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
    let endpoint = format!("http://127.0.0.1:{port}");
    let aws = |args: &[&str]| {
        let mut c = Command::new("aws");
        c.args(["--endpoint-url", &endpoint])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", tmp.path().join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", tmp.path().join("aws-creds"));
        c
    };
    ok(&mut aws(&["s3", "mb", "s3://steak-kenangan-backups"]));

    let with_s3 = |s: Script, endpoint: &str| {
        s.env("S3_BUCKET", "steak-kenangan-backups")
            .env("S3_ENDPOINT", endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", tmp.path().join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", tmp.path().join("aws-creds"))
    };
    let out = with_s3(
        Script::new("backup.sh", &db.url, tmp.path()).arg("daily"),
        &endpoint,
    )
    .output();
    assert!(out.status.success(), "{}", text(&out));
    let name = backups_in(&tmp.path().join("backups/daily")).remove(0);
    let local = std::fs::read(tmp.path().join("backups/daily").join(&name)).unwrap();
    for key in [name.as_str(), "latest.dump.gz"] {
        let got = tmp.path().join(format!("got-{key}"));
        ok(aws(&[
            "s3",
            "cp",
            &format!("s3://steak-kenangan-backups/daily/{key}"),
        ])
        .arg(&got));
        assert_eq!(std::fs::read(&got).unwrap(), local, "{key} differs");
    }

    // An unreachable endpoint fails the backup but keeps the local file.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let out = with_s3(
        Script::new("backup.sh", &db.url, tmp.path()).arg("weekly"),
        &dead,
    )
    .output();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("upload to s3://steak-kenangan-backups/weekly/"));
    assert_eq!(backups_in(&tmp.path().join("backups/weekly")).len(), 1);
    moto.terminate();
}

// ---------------------------------------------------------------------------------------------
// A rolling restart (what `docker compose up -d --no-deps backend` does): nothing is lost.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_restart_loses_no_order() {
    let db = Db::new();
    let tmp = TempDir::new();
    let port = free_port();
    let env = vec![
        ("APP_ENV", "development".to_string()),
        ("DEMO_DATA", "true".to_string()),
        ("DATABASE_URL", db.url.clone()),
        ("JWT_SECRET", rand_hex(64)),
        ("API_HOST", "127.0.0.1".to_string()),
        ("API_PORT", port.to_string()),
        (
            "UPLOAD_DIR",
            tmp.path().join("uploads").display().to_string(),
        ),
    ];
    let base = format!("http://127.0.0.1:{port}");
    let mut first = start_server(&env, &tmp.path().join("a.log"));
    wait_healthy(&base).await;
    let body: Value = login(&base, "waiter", "waiter123")
        .await
        .json()
        .await
        .unwrap();
    let token = body["data"]["token"].as_str().unwrap().to_string();

    // A kitchen screen on `expo` that, like the real one, reconnects and resumes with `since`.
    let kitchen: Value = login(&base, "kitchen", "kitchen123")
        .await
        .json()
        .await
        .unwrap();
    let screen = tokio::spawn(expo_screen(
        format!("ws://127.0.0.1:{port}/api/v1/ws"),
        kitchen["data"]["token"].as_str().unwrap().to_string(),
    ));

    const ORDERS: usize = 30;
    let writer = tokio::spawn({
        let (base, token) = (base.clone(), token.clone());
        async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            let mut retried = 0;
            for i in 0..ORDERS {
                let key = uuid::Uuid::new_v4().to_string();
                let deadline = Instant::now() + Duration::from_secs(60);
                loop {
                    let r = client
                        .post(format!("{base}/api/v1/orders"))
                        .bearer_auth(&token)
                        .header("Idempotency-Key", &key)
                        .json(
                            &json!({"order_type": "takeaway", "notes": format!("rolling {i}"),
                                      "items": [{"product_id": 1, "quantity": 1}]}),
                        )
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().is_success() => break,
                        Ok(r) if r.status().is_client_error() => {
                            panic!("order {i}: {} {}", r.status(), r.text().await.unwrap())
                        }
                        _ => {
                            retried += 1;
                            assert!(Instant::now() < deadline, "order {i} never went through");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            retried
        }
    });

    // Let some orders through, then replace the instance on the same address.
    let deadline = Instant::now() + Duration::from_secs(60);
    while db
        .sql("SELECT count(*) FROM orders")
        .parse::<usize>()
        .unwrap()
        < ORDERS / 3
    {
        assert!(Instant::now() < deadline, "orders are not being written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::task::spawn_blocking(move || first.terminate())
        .await
        .unwrap();
    let _second = start_server(&env, &tmp.path().join("b.log"));
    let retried = writer.await.unwrap();

    // Every order once (the retried POSTs carried their Idempotency-Key), and the event log
    // is continuous: a screen resuming with `since` finds everything.
    assert_eq!(
        db.sql("SELECT count(*), count(DISTINCT notes) FROM orders"),
        format!("{ORDERS}|{ORDERS}")
    );
    let (count, min, max, counter) = {
        let s = db.sql(
            "SELECT count(*), min(seq), max(seq), (SELECT seq FROM event_counter) FROM events",
        );
        let v: Vec<i64> = s.split('|').map(|x| x.parse().unwrap()).collect();
        (v[0], v[1], v[2], v[3])
    };
    assert_eq!(
        (min, max, counter),
        (1, count, count),
        "event log has a hole"
    );
    let a = std::fs::read_to_string(tmp.path().join("a.log")).unwrap();
    assert!(a.contains("shutdown signal received"), "{a}");

    // The screen saw exactly the log's expo events, in order, once each, across the restart.
    let expected: Vec<i64> = db
        .sql(
            "SELECT string_agg(seq::text, ',' ORDER BY seq) FROM events WHERE 'expo' = ANY(topics)",
        )
        .split(',')
        .map(|x| x.parse().unwrap())
        .collect();
    let last = *expected.last().unwrap();
    let (seen, reconnects) = screen_until(screen, last).await;
    assert_eq!(seen, expected, "the screen's events differ from the log");
    assert!(
        reconnects >= 1,
        "the screen should have been moved to the new instance"
    );
    eprintln!(
        "rolling restart: {ORDERS} orders, {count} events, {retried} retried requests, screen resumed {reconnects} time(s)"
    );
}

type Screen = tokio::task::JoinHandle<()>;
type Seen = Arc<Mutex<(Vec<i64>, usize)>>;

static SCREEN_SEEN: std::sync::OnceLock<Seen> = std::sync::OnceLock::new();

/// Follows `expo` for ever (until aborted): connect, subscribe with `since` = the last seq
/// applied, record each event's seq; on close or error, reconnect (as the screens do).
async fn expo_screen(url: String, token: String) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let seen = SCREEN_SEEN.get_or_init(Seen::default).clone();
    let mut first = true;
    loop {
        let Ok((mut ws, _)) =
            tokio_tungstenite::connect_async(format!("{url}?token={token}")).await
        else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let since = {
            let mut g = seen.lock().unwrap();
            if !first {
                g.1 += 1;
            }
            g.0.last().copied().unwrap_or(0)
        };
        first = false;
        let sub = json!({"op": "subscribe", "topics": ["expo"], "since": since});
        if ws
            .send(Message::Text(sub.to_string().into()))
            .await
            .is_err()
        {
            continue;
        }
        while let Some(Ok(m)) = ws.next().await {
            let Message::Text(t) = m else { continue };
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "event" {
                seen.lock().unwrap().0.push(v["seq"].as_i64().unwrap());
            }
        }
    }
}

/// Waits (bounded) until the screen has seen `last`, then stops it and returns what it saw.
async fn screen_until(screen: Screen, last: i64) -> (Vec<i64>, usize) {
    let seen = SCREEN_SEEN.get_or_init(Seen::default).clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.lock().unwrap().0.last().copied().unwrap_or(0) < last {
        assert!(
            Instant::now() < deadline,
            "the screen never caught up to seq {last}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    screen.abort();
    let g = seen.lock().unwrap();
    (g.0.clone(), g.1)
}

// ---------------------------------------------------------------------------------------------
// Sentry: server errors reach SENTRY_DSN.

/// A minimal HTTP server that records request bodies (a stand-in Sentry ingest).
fn http_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let record = record.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                let mut len = 0usize;
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).unwrap_or(0) == 0 {
                        return;
                    }
                    if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    head.push_str(&l);
                    if l == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0u8; len];
                let _ = std::io::Read::read_exact(&mut reader, &mut body);
                record
                    .lock()
                    .unwrap()
                    .push(format!("{head}{}", String::from_utf8_lossy(&body)));
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
                );
            });
        }
    });
    (port, seen)
}

#[tokio::test]
async fn server_errors_are_reported_to_sentry() {
    let db = Db::new();
    db.init_from_initdb_files();
    let tmp = TempDir::new();
    let (sink, seen) = http_sink();
    let port = free_port();
    let mut env = vec![
        ("APP_ENV", "development".to_string()),
        ("DEMO_DATA", "false".to_string()),
        ("DATABASE_URL", db.url.clone()),
        ("API_HOST", "127.0.0.1".to_string()),
        ("API_PORT", port.to_string()),
        (
            "UPLOAD_DIR",
            tmp.path().join("uploads").display().to_string(),
        ),
    ];
    env.push((
        "SENTRY_DSN",
        format!("http://publickey@127.0.0.1:{sink}/42"),
    ));
    let _server = start_server(&env, &tmp.path().join("server.log"));
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&base).await;
    // Break the database under the server: the login query now fails with a server error.
    db.sql("ALTER TABLE users RENAME TO users_gone");
    let r = login(&base, "admin", "whatever-123").await;
    assert_eq!(r.status(), 500);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = seen.lock().unwrap().clone();
        if let Some(req) = got.iter().find(|r| r.contains("/api/42/envelope/")) {
            assert!(
                req.contains("sentry_key=publickey") || req.contains("publickey"),
                "{req}"
            );
            assert!(
                req.contains("database error") || req.contains("users"),
                "{req}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "nothing reached Sentry: {got:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// docker-compose.prod.yml, .env.example, Dockerfiles, nginx, shell scripts.

/// Every variable the deployment guide's `.env.production` lists.
const GUIDE_VARS: &[&str] = &[
    "NODE_ENV",
    "GO_ENV",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DB",
    "DATABASE_URL",
    "JWT_SECRET",
    "API_PORT",
    "ALLOWED_ORIGINS",
    "VITE_API_URL",
    "TUNNEL_TOKEN",
    "S3_BUCKET",
    "S3_ENDPOINT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "SENTRY_DSN",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
];

fn env_example_keys() -> Vec<String> {
    std::fs::read_to_string(root().join(".env.example"))
        .unwrap()
        .lines()
        .map(|l| l.trim().trim_start_matches('#').trim())
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string()))
        .filter(|k| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .collect()
}

#[test]
fn env_example_lists_the_guides_and_the_servers_variables() {
    let keys = env_example_keys();
    for v in GUIDE_VARS {
        assert!(keys.iter().any(|k| k == v), ".env.example lacks {v}");
    }
    // Every variable src/config.rs reads (set, or shown commented out).
    let config = std::fs::read_to_string(root().join("src/config.rs")).unwrap();
    let mut read: Vec<String> = config
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            s.len() > 3
                && *s != "CHANGE_ME"
                && s.contains('_')
                && s.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_string)
        .collect();
    read.sort();
    read.dedup();
    assert!(read.len() > 10, "{read:?}");
    for v in &read {
        assert!(
            keys.iter().any(|k| k == v),
            ".env.example lacks {v} (src/config.rs reads it)"
        );
    }
    // Placeholders only: no real secret.
    let text = std::fs::read_to_string(root().join(".env.example")).unwrap();
    for l in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(v) = l
            .strip_prefix("JWT_SECRET=")
            .or_else(|| l.strip_prefix("POSTGRES_PASSWORD="))
            .or_else(|| l.strip_prefix("TUNNEL_TOKEN="))
        {
            assert!(v.starts_with("CHANGE_ME"), "{l}");
        }
    }
    assert!(!keys.iter().any(|k| k == "DEMO_DATA") || text.contains("# DEMO_DATA"));
}

#[test]
fn compose_file_is_valid_and_publishes_nothing_to_the_world() {
    need("docker-compose");
    let tmp = TempDir::new();
    for f in ["docker-compose.prod.yml", "Dockerfile"] {
        std::fs::copy(root().join(f), tmp.path().join(f)).unwrap();
    }
    ok(Command::new("cp")
        .arg("-r")
        .arg(root().join("docker"))
        .arg(tmp.path()));
    std::fs::copy(
        root().join(".env.example"),
        tmp.path().join(".env.production"),
    )
    .unwrap();
    let out = ok(Command::new("docker-compose")
        .args(["-f", "docker-compose.prod.yml", "config"])
        .current_dir(tmp.path())
        .env_remove("REDIS_URL")
        .env_remove("VITE_API_URL"));
    let cfg: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
    let services = cfg["services"].as_mapping().unwrap();
    let names: Vec<&str> = services.keys().filter_map(|k| k.as_str()).collect();
    for s in ["postgres", "redis", "backend", "frontend", "cloudflared"] {
        assert!(names.contains(&s), "no service {s}: {names:?}");
        let svc = &cfg["services"][s];
        assert_eq!(svc["restart"], "unless-stopped", "{s}");
        assert_eq!(svc["logging"]["driver"], "json-file", "{s}");
        assert!(svc["logging"]["options"]["max-size"].is_string(), "{s}");
        assert_eq!(
            svc["container_name"], s,
            "{s}: the guide's commands use this name"
        );
        for p in svc["ports"].as_sequence().into_iter().flatten() {
            let published = format!("{p:?}");
            assert!(
                published.contains("127.0.0.1"),
                "{s} publishes {published} beyond loopback"
            );
        }
    }
    let ports = |s: &str| format!("{:?}", cfg["services"][s]["ports"]);
    assert!(ports("backend").contains("8080"), "{}", ports("backend"));
    assert!(ports("frontend").contains("80"), "{}", ports("frontend"));
    assert!(cfg["services"]["postgres"]["ports"].is_null());
    assert!(cfg["services"]["redis"]["ports"].is_null());

    let pg = &cfg["services"]["postgres"];
    assert!(pg["image"].as_str().unwrap().starts_with("postgres:15"));
    assert!(pg["healthcheck"]["test"].is_sequence());
    let vols = format!("{:?}", pg["volumes"]);
    assert!(
        vols.contains("postgres-data") && vols.contains("/var/lib/postgresql/data"),
        "{vols}"
    );
    assert!(vols.contains("/docker-entrypoint-initdb.d"), "{vols}");

    let be = &cfg["services"]["backend"];
    assert_eq!(be["depends_on"]["postgres"]["condition"], "service_healthy");
    let vols = format!("{:?}", be["volumes"]);
    assert!(
        vols.contains("uploads") && vols.contains("/app/uploads"),
        "{vols}"
    );
    assert_eq!(be["environment"]["REDIS_URL"], "redis://redis:6379");
    assert_eq!(be["environment"]["UPLOAD_DIR"], "/app/uploads");
    assert_eq!(be["environment"]["APP_ENV"], "production");

    let cf = &cfg["services"]["cloudflared"];
    let cmd = format!("{:?}", cf["command"]);
    assert!(cmd.contains("tunnel") && cmd.contains("run"), "{cmd}");
    assert!(cf["environment"]["TUNNEL_TOKEN"].is_string());

    // The file the guide greps: `cat docker-compose.prod.yml | grep uploads`.
    let raw = std::fs::read_to_string(root().join("docker-compose.prod.yml")).unwrap();
    assert!(raw.contains("./uploads:/app/uploads"));
}

#[test]
fn dockerfiles_build_what_the_guide_expects() {
    let backend = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    assert!(backend.contains("AS build"), "multi-stage");
    assert!(
        backend.contains("fn main() {}"),
        "dependency layer with a dummy main"
    );
    assert!(backend.contains("FROM debian:bookworm-slim"));
    assert!(backend.contains("HEALTHCHECK") && backend.contains("/api/v1/health"));
    assert!(backend.contains("UPLOAD_DIR=/app/uploads"));
    assert!(backend.contains("USER ${APP_UID}"), "runs as non-root");
    assert!(backend.contains("cargo build --release --locked"));
    let frontend = std::fs::read_to_string(root().join("docker/frontend/Dockerfile")).unwrap();
    assert!(frontend.contains("npm ci") && frontend.contains("npm run build"));
    assert!(frontend.contains("/usr/share/nginx/html"));
    assert!(frontend.contains("docker/nginx/default.conf"));
    // Everything the images copy is in the build context (.dockerignore keeps it small).
    let ignore = std::fs::read_to_string(root().join(".dockerignore")).unwrap();
    for must_go in ["target", ".env", "postgres-data", "**/node_modules", ".git"] {
        assert!(
            ignore.lines().any(|l| l == must_go),
            ".dockerignore lacks {must_go}"
        );
    }
    for kept in [
        "src",
        "migrations",
        "clients",
        "docker",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        assert!(
            !ignore.lines().any(|l| l == kept),
            ".dockerignore drops {kept}"
        );
    }
    if Command::new("sh")
        .args(["-c", "command -v hadolint"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
    {
        ok(Command::new("hadolint")
            .arg("Dockerfile")
            .arg("docker/frontend/Dockerfile")
            .arg("docker/cloudflared/Dockerfile")
            .current_dir(root()));
    } else {
        eprintln!("hadolint not installed: skipped the lint (scripts/ops-deps.sh installs it)");
    }
}

#[test]
fn shell_scripts_pass_shellcheck() {
    need("shellcheck");
    ok(Command::new("shellcheck")
        .args([
            "-x",
            "scripts/backup.sh",
            "scripts/restore.sh",
            "scripts/gen-initdb.sh",
            "scripts/ops-deps.sh",
            "scripts/lib/ops.sh",
            "docker/frontend/99-kenangan-ready.sh",
        ])
        .current_dir(root()));
    // The rest of scripts/, at warning level.
    ok(Command::new("sh")
        .args(["-c", "shellcheck -x -S warning scripts/*.sh"])
        .current_dir(root()));
}

#[tokio::test]
async fn nginx_serves_the_app_and_proxies_the_api() {
    need("nginx");
    let conf = std::fs::read_to_string(root().join("docker/nginx/default.conf")).unwrap();
    // What the guide checks by hand.
    let size = conf
        .lines()
        .find_map(|l| l.trim().strip_prefix("client_max_body_size "))
        .expect("client_max_body_size");
    let mb: usize = size
        .trim_end_matches(';')
        .trim_end_matches('m')
        .parse()
        .unwrap();
    assert!(
        mb > 5,
        "client_max_body_size must exceed MAX_UPLOAD_MB (5) plus headroom"
    );
    let ws = &conf[conf.find("location /api/v1/ws").expect("ws location")..];
    let ws = &ws[..ws.find('}').unwrap()];
    let read_timeout: u64 = ws
        .lines()
        .find_map(|l| l.trim().strip_prefix("proxy_read_timeout "))
        .unwrap()
        .trim_end_matches(';')
        .trim_end_matches('s')
        .parse()
        .unwrap();
    assert!(
        read_timeout >= 3600,
        "WebSocket read timeout {read_timeout}s < 1 h"
    );
    for needed in [
        "proxy_set_header Upgrade $http_upgrade",
        "proxy_set_header Connection $connection_upgrade",
        "proxy_set_header X-Real-IP $remote_addr",
        "try_files $uri $uri/ /index.html",
        "gzip on",
    ] {
        assert!(conf.contains(needed), "default.conf lacks `{needed}`");
    }

    // Run it for real: the app from a temp dir, the API from a real server.
    let db = Db::new();
    let tmp = TempDir::new();
    let api_port = free_port();
    let env = vec![
        ("APP_ENV", "development".to_string()),
        ("DEMO_DATA", "false".to_string()),
        ("DATABASE_URL", db.url.clone()),
        ("API_HOST", "127.0.0.1".to_string()),
        ("API_PORT", api_port.to_string()),
        (
            "UPLOAD_DIR",
            tmp.path().join("uploads").display().to_string(),
        ),
    ];
    let _server = start_server(&env, &tmp.path().join("server.log"));
    wait_healthy(&format!("http://127.0.0.1:{api_port}")).await;

    let html = tmp.path().join("html");
    std::fs::create_dir_all(html.join("assets")).unwrap();
    std::fs::write(
        html.join("index.html"),
        "<!DOCTYPE html><title>Kenangan</title><div id=app></div>",
    )
    .unwrap();
    let js = "console.log('kenangan');\n".repeat(200);
    std::fs::write(html.join("assets/index-3f9a1c.js"), &js).unwrap();
    let web_port = free_port();
    let site = conf
        .replace(
            "listen 80 default_server;",
            &format!("listen 127.0.0.1:{web_port} default_server;"),
        )
        .replace(
            "root /usr/share/nginx/html;",
            &format!("root {};", html.display()),
        )
        .replace(
            "http://backend:8080",
            &format!("http://127.0.0.1:{api_port}"),
        );
    assert!(site.contains(&format!("127.0.0.1:{web_port}")));
    let d = tmp.path().display();
    std::fs::write(tmp.path().join("site.conf"), site).unwrap();
    std::fs::write(
        tmp.path().join("nginx.conf"),
        format!(
            "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n  include /etc/nginx/mime.types;\n  access_log {d}/access.log;\n  client_body_temp_path {d}/t1; proxy_temp_path {d}/t2; fastcgi_temp_path {d}/t3; uwsgi_temp_path {d}/t4; scgi_temp_path {d}/t5;\n  include {d}/site.conf;\n}}\n"
        ),
    )
    .unwrap();
    ok(Command::new("chmod").arg("-R").arg("a+rX").arg(tmp.path()));
    let conf_path = tmp.path().join("nginx.conf");
    ok(Command::new("nginx")
        .arg("-t")
        .arg("-c")
        .arg(&conf_path)
        .arg("-p")
        .arg(tmp.path()));
    let _nginx = Proc(Some(
        Command::new("nginx")
            .arg("-c")
            .arg(&conf_path)
            .arg("-p")
            .arg(tmp.path())
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    ));
    let web = format!("http://127.0.0.1:{web_port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", web_port)).is_err() {
        assert!(Instant::now() < deadline, "nginx did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let c = reqwest::Client::new();
    let h = |r: &reqwest::Response, k: &str| {
        r.headers()
            .get(k)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };

    // The API, proxied.
    let r = c.get(format!("{web}/api/v1/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"]["status"], "healthy");

    // SPA fallback, with the shell revalidated and the security headers.
    let r = c
        .get(format!("{web}/kitchen/station/grill"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(h(&r, "cache-control"), "no-cache");
    assert_eq!(h(&r, "x-content-type-options"), "nosniff");
    assert_eq!(h(&r, "x-frame-options"), "DENY");
    assert!(h(&r, "content-security-policy").contains("default-src 'self'"));
    assert!(r.text().await.unwrap().contains("<title>Kenangan</title>"));

    // Hashed assets: a year, immutable, gzip'd.
    let r = c
        .get(format!("{web}/assets/index-3f9a1c.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        h(&r, "cache-control").contains("immutable"),
        "{:?}",
        r.headers()
    );
    assert_eq!(h(&r, "content-encoding"), "gzip");
    assert_eq!(h(&r, "x-content-type-options"), "nosniff");
    let r = c
        .get(format!("{web}/assets/missing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "a missing asset must not fall back to index.html"
    );

    // Uploads above the limit stop at nginx.
    let r = c
        .post(format!("{web}/api/v1/products/1/image"))
        .header("content-type", "application/octet-stream")
        .body(vec![0u8; (mb + 1) * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}
