//! What must not surprise: failing metadata, log bodies that do not parse, a future
//! `--since`, two processes on a new file, a read-only database, a busy database while
//! posting, a post of unknown outcome, a file that is not a database, a closed pipe.
//! On the environment's backend, but for what is about SQLite's files and its one
//! writer (each says so).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use asakai::store::{testing, StoreError};
use asakai::sync::{run_pass, SyncError, SyncOptions};
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;
use crate::sync::{opts, org, stored};

/// Matches while its flag is up: an outage that a test can end.
#[derive(Clone, Default)]
struct Outage(Arc<AtomicBool>);

impl wiremock::Match for Outage {
    fn matches(&self, _: &wiremock::Request) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Makes every GET whose path matches `pattern` answer 500 (over the world's mocks)
/// while the outage lasts.
async fn fail(mackerel: &Mackerel, pattern: &str, outage: &Outage) {
    outage.0.store(true, Ordering::SeqCst);
    Mock::given(method("GET"))
        .and(path_regex(pattern))
        .and(outage.clone())
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .with_priority(1)
        .named(pattern)
        .mount(&mackerel.server)
        .await
}

#[tokio::test]
async fn failing_metadata_endpoints_do_not_stop_ingestion_and_attribution_follows_later() {
    let mackerel = Mackerel::start(org()).await;
    let outage = Outage::default();
    for p in [
        "^/api/v0/services$",
        "^/api/v0/org$",
        "^/api/v0/monitors",
        "^/api/v0/hosts",
        "^/api/v0/monitoring/checks/",
    ] {
        fail(&mackerel, p, &outage).await;
    }
    let (store, _db) = temp_store().await;
    let summary = run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    assert_eq!(
        store.count_alerts().await.unwrap(),
        14,
        "every alert is stored"
    );
    assert!(summary.attribution_left > 0, "{summary}");
    assert!(
        summary.to_string().contains("metadata could not be read"),
        "{summary}"
    );
    let multi = stored(&store, "aMulti").await;
    assert!(multi.attribution_pending && multi.services.is_empty() && multi.url.is_none());
    let pass = &store.passes(1).await.unwrap()[0];
    assert_eq!(pass.outcome, "ok");
    assert!(pass.message.as_deref().unwrap_or("").contains("services"));

    // Metadata is back: the next pass attributes what it could not.
    outage.0.store(false, Ordering::SeqCst);
    let summary = run_pass(&mackerel.client(), &store, &opts(), NOW + 60)
        .await
        .unwrap();
    assert_eq!(
        summary.attribution_left, 0,
        "{summary} {:?}",
        summary.metadata_failures
    );
    let multi = stored(&store, "aMulti").await;
    assert_eq!(multi.services, vec!["blog", "shop"]);
    assert_eq!(multi.host_name.as_deref(), Some("app01"));
    assert!(multi
        .url
        .is_some_and(|u| u.ends_with("/orgs/acme/alerts/aMulti")));
    assert!(!multi.attribution_pending);
    let check = stored(&store, "aCheck").await;
    assert_eq!(check.monitor_name.as_deref(), Some("disk-check"));
}

#[tokio::test]
async fn a_failing_services_list_alone_changes_nothing_about_attribution() {
    let mackerel = Mackerel::start(org()).await;
    fail(&mackerel, "^/api/v0/services$", &Outage::default()).await;
    let (store, _db) = temp_store().await;
    let summary = run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    assert_eq!(summary.attribution_left, 0, "{summary}");
    assert_eq!(
        stored(&store, "aMulti").await.services,
        vec!["blog", "shop"]
    );
}

#[tokio::test]
async fn a_log_body_that_does_not_parse_is_skipped_and_set_aside_not_retried_every_pass() {
    let mut world = org();
    world.alerts = vec![closed(
        alert("aBadLog", "host", "mCpu", Some("hMulti"), "OK", NOW - 3600),
        NOW - 1800,
        None,
    )];
    let mackerel = Mackerel::start(world).await;
    Mock::given(method("GET"))
        .and(path("/api/v0/alerts/aBadLog/logs"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"logs": [{"unexpected": true}]})),
        )
        .with_priority(1)
        .mount(&mackerel.server)
        .await;
    let (store, _db) = temp_store().await;
    let summary = run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    assert_eq!(summary.skipped, 1, "{summary}");
    assert_eq!(
        summary.logs_left, 0,
        "set aside, not owed by the next pass: {summary}"
    );
    let log_reads = |reqs: Vec<wiremock::Request>| {
        reqs.iter()
            .filter(|r| r.url.path() == "/api/v0/alerts/aBadLog/logs")
            .count()
    };
    assert_eq!(
        log_reads(mackerel.requests().await),
        1,
        "read once, not retried like a transient error"
    );

    run_pass(&mackerel.client(), &store, &opts(), NOW + 60)
        .await
        .unwrap();
    assert_eq!(
        log_reads(mackerel.requests().await),
        1,
        "not read again the next pass"
    );

    run_pass(&mackerel.client(), &store, &opts(), NOW + 2 * DAY)
        .await
        .unwrap();
    assert_eq!(
        log_reads(mackerel.requests().await),
        2,
        "tried again after a day"
    );
}

#[tokio::test]
async fn a_future_since_is_refused_and_a_newer_since_never_moves_the_mark_forward() {
    let mackerel = Mackerel::start(org()).await;
    let (store, _db) = temp_store().await;
    let future = SyncOptions {
        since: Some(NOW + DAY),
        ..opts()
    };
    let err = run_pass(&mackerel.client(), &store, &future, NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::FutureSince(_)), "{err}");
    assert!(err.to_string().contains("in the future"));
    assert!(mackerel.requests().await.is_empty());
    assert_eq!(store.count_alerts().await.unwrap(), 0);

    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    let mark = || async {
        store
            .state_time(asakai::store::StateKey::HighWaterMark)
            .await
            .unwrap()
            .unwrap()
    };
    let before = mark().await;
    // An alert that opened long before: a `--since` newer than the mark must still reach it.
    mackerel.update(|w| {
        w.alerts.push(alert(
            "aLate",
            "host",
            "mCpu",
            Some("hMulti"),
            "CRITICAL",
            before - 60,
        ))
    });
    let newer = SyncOptions {
        since: Some(NOW + 30),
        ..opts()
    };
    run_pass(&mackerel.client(), &store, &newer, NOW + 60)
        .await
        .unwrap();
    assert!(
        mark().await <= before.max(NOW),
        "the mark did not move past what was read"
    );
    assert_eq!(stored(&store, "aLate").await.opened_at, before - 60);
}

fn asakai(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_asakai"));
    cmd.args(args)
        .env_remove("ASAKAI_CONFIG")
        .env_remove("SLACK_WEBHOOK_URL")
        .env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_a_new_file_take_turns_or_get_the_clear_refusal() {
    let mackerel = Mackerel::start(org()).await;
    let base = mackerel.server.uri();
    for round in 0..4 {
        let fresh = TestDb::new().await;
        let db = fresh.arg();
        let env = [
            ("MACKEREL_APIBASE", base.as_str()),
            ("MACKEREL_APIKEY", KEY),
        ];
        let spawn = || {
            asakai(&["--db", db, "poll"], &env)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let outs = tokio::task::spawn_blocking(move || {
            [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()]
        })
        .await
        .unwrap();
        let mut succeeded = 0;
        for out in &outs {
            let err = stderr(out);
            if out.status.success() {
                succeeded += 1;
            } else {
                assert!(
                    err.contains("another sync pass is running"),
                    "round {round}: {err}"
                );
            }
            assert!(
                !err.contains("already exists") && !err.contains("database is locked"),
                "{err}"
            );
        }
        assert!(succeeded >= 1, "round {round}");
    }
}

/// Runs `cmd` as a user who cannot write `dir` (root writes anywhere, so as root the
/// command runs as `nobody`).
fn without_write_access(mut cmd: Command, dir: &Path) -> Command {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n");
    if !is_root {
        return cmd;
    }
    // Let nobody reach the files, read-only.
    let _ = Command::new("chmod").args(["-R", "a+rX"]).arg(dir).status();
    let _ = Command::new("chmod")
        .args(["a+x"])
        .arg(dir.parent().unwrap())
        .status();
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let envs: Vec<_> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())))
        .collect();
    cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(program)
        .args(args)
        .env_remove("ASAKAI_CONFIG")
        .env_remove("SLACK_WEBHOOK_URL");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

#[tokio::test]
async fn readers_work_on_a_read_only_database_file_and_directory() {
    // SQLite only: file permissions, and the WAL and lock files beside the file.
    let mackerel = Mackerel::start(org()).await;
    let ro = TestDb::sqlite();
    let (dir, db) = (ro.dir(), ro.file());
    {
        let store = ro.open().await;
        run_pass(&mackerel.client(), &store, &opts(), NOW)
            .await
            .unwrap();
        store.close().await;
    }
    let mode = |p: &Path, m: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    let files = |d: &Path| {
        let mut f: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        f.sort();
        f
    };
    // The writer's last connection removes the WAL files as it closes, which may lag.
    let wal = dir.join("asakai.db-wal");
    for _ in 0..50 {
        if !wal.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let before = files(dir);
    mode(db, 0o444);
    mode(dir, 0o555);
    let dbs = ro.arg();
    for args in [
        vec!["--db", dbs, "alerts", "--format", "json"],
        vec![
            "--db",
            dbs,
            "digest",
            "--date",
            "2025-11-25",
            "--tz",
            "UTC",
            "--format",
            "json",
        ],
    ] {
        let out = without_write_access(asakai(&args, &[]), dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(!out.stdout.is_empty());
    }
    assert_eq!(
        files(dir),
        before,
        "no WAL, shared-memory or lock file was made"
    );
    mode(dir, 0o755);
}

/// `db`, synced from the standard organisation.
async fn synced(db: TestDb) -> TestDb {
    let mackerel = Mackerel::start(org()).await;
    let store = db.open().await;
    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    store.close().await;
    db
}

async fn slack() -> (MockServer, String) {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&slack)
        .await;
    let hook = format!("{}/services/T0/B0/SECRETPART", slack.uri());
    (slack, hook)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_while_a_writer_holds_the_database_waits_posts_once_and_records_it() {
    // SQLite only: one writer holds the whole database, and the post's claim waits
    // for it. PostgreSQL locks rows: a write elsewhere does not hold up the claim.
    let db = synced(TestDb::sqlite()).await;
    let (slack, hook) = slack().await;
    let store = db.open().await;
    let mut writer = testing::hold_writer(&store).await.unwrap();
    writer
        .execute(
            "UPDATE sync_state SET value = value WHERE key = 'org_name'",
            &[],
        )
        .await
        .unwrap();
    let args = [
        "--db",
        db.arg(),
        "digest",
        "--date",
        "2025-11-25",
        "--tz",
        "UTC",
        "--post",
    ];
    let env = [("SLACK_WEBHOOK_URL", hook.as_str())];
    let child = asakai(&args, &env)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        slack.received_requests().await.unwrap().is_empty(),
        "nothing sent before the claim"
    );
    writer.commit().await.unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(slack.received_requests().await.unwrap().len(), 1);

    let again = asakai(&args, &env).output().unwrap();
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already posted"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        slack.received_requests().await.unwrap().len(),
        1,
        "posted once"
    );
    store.close().await;
}

#[tokio::test]
async fn writes_in_one_process_queue_for_the_writer_and_a_long_wait_is_reported_busy() {
    // SQLite only: its one writer connection, its pragma, its busy timeout.
    let db = TestDb::sqlite();
    let store = db.open().await;
    let mut first = testing::hold_writer(&store).await.unwrap();
    // A write transaction runs on the writer connection: its undo records stay in
    // memory (a backfill wrote gigabytes of them to temporary files before).
    let temp = first.int("PRAGMA temp_store").await.unwrap();
    assert_eq!(temp, 2, "temp_store = MEMORY on the writer");

    // A second write waits for the first, then goes ahead.
    let second = {
        let store = store.clone();
        tokio::spawn(async move { testing::hold_writer(&store).await.map(|_| ()) })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "it waits while the first is open");
    first.commit().await.unwrap();
    second.await.unwrap().unwrap();

    // One that waits past the busy timeout gets the clear message, not a pool error.
    let _held = testing::hold_writer(&store).await.unwrap();
    let Err(err) = testing::hold_writer(&store).await else {
        panic!("the writer stays taken");
    };
    assert!(matches!(err, StoreError::Busy), "{err}");
    assert!(err.to_string().contains("database is busy"), "{err}");
}

#[tokio::test]
async fn a_post_of_unknown_outcome_is_not_sent_again_without_force() {
    let db = synced(TestDb::new().await).await;
    let (slack, hook) = slack().await;
    let args = [
        "--db",
        db.arg(),
        "digest",
        "--date",
        "2025-11-25",
        "--tz",
        "UTC",
        "--post",
    ];
    let env = [("SLACK_WEBHOOK_URL", hook.as_str())];
    // A claim left behind by a process that died while sending.
    let store = db.open().await;
    let window = asakai(
        &[
            "--db",
            db.arg(),
            "digest",
            "--date",
            "2025-11-25",
            "--tz",
            "UTC",
            "--format",
            "json",
        ],
        &[],
    )
    .output()
    .unwrap();
    let digest: serde_json::Value = serde_json::from_slice(&window.stdout).unwrap();
    let start = chrono::DateTime::parse_from_rfc3339(digest["window"]["start"].as_str().unwrap())
        .unwrap()
        .timestamp();
    let end = chrono::DateTime::parse_from_rfc3339(digest["window"]["end"].as_str().unwrap())
        .unwrap()
        .timestamp();
    testing::execute(
        &store,
        "INSERT INTO deliveries (window_start, window_end, channel, delivered_at, state) \
         VALUES (?, ?, 'slack', ?, 'claimed')",
        &[start.into(), end.into(), NOW.into()],
    )
    .await
    .unwrap();
    store.close().await;

    let refused = asakai(&args, &env).output().unwrap();
    assert!(!refused.status.success());
    let err = stderr(&refused);
    assert!(
        err.contains("outcome is unknown") && err.contains("--force"),
        "{err}"
    );
    assert!(!err.contains("SECRETPART"), "the webhook URL is a secret");
    assert!(slack.received_requests().await.unwrap().is_empty());

    let forced = asakai(&[&args[..], &["--force"]].concat(), &env)
        .output()
        .unwrap();
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(slack.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_named_once_and_left_alone() {
    // A file given as the store: SQLite's side of --db, whatever the environment.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    std::fs::write(&db, "these are my notes, not a database\n".repeat(200)).unwrap();
    let before = std::fs::read(&db).unwrap();
    for args in [vec!["alerts"], vec!["poll"]] {
        let out = asakai(
            &[&["--db", db.to_str().unwrap()], &args[..]].concat(),
            &[("MACKEREL_APIKEY", KEY)],
        )
        .output()
        .unwrap();
        let err = stderr(&out);
        assert!(!out.status.success());
        assert_eq!(err.matches("not a database").count(), 1, "{err}");
        assert!(err.contains("notes.db"), "{err}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is unchanged");
}

#[tokio::test]
async fn a_listing_cut_short_by_its_reader_is_not_an_error() {
    let db = synced(TestDb::new().await).await;
    let mut child = asakai(
        &[
            "--db",
            db.arg(),
            "alerts",
            "--limit",
            "0",
            "--format",
            "csv",
        ],
        &[],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Read one line, then close the pipe, as `| head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 8];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Broken pipe"));
}

#[tokio::test]
async fn an_unreachable_api_is_named_in_the_error() {
    let client = client_for("http://127.0.0.1:9/");
    let err = client
        .alerts_page(false, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("http://127.0.0.1:9/api/v0/alerts"), "{err}");
    assert!(!err.contains(KEY), "the key is never shown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_in_a_pipe_have_no_colour_codes() {
    let mut world = org();
    world.alerts.push(
        json!({"id": "broken", "status": "CRITICAL", "type": "host", "openedAt": "yesterday"}),
    );
    let mackerel = Mackerel::start(world).await;
    let db = TestDb::new().await;
    let base = mackerel.server.uri();
    let mut cmd = asakai(
        &["--db", db.arg(), "poll"],
        &[
            ("MACKEREL_APIBASE", base.as_str()),
            ("MACKEREL_APIKEY", KEY),
            ("RUST_LOG", "warn"),
        ],
    );
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("does not parse"),
        "the warning is there: {err}"
    );
    assert!(!err.contains('\u{1b}'), "no ANSI codes: {err:?}");
}

#[tokio::test]
async fn what_is_left_for_the_next_passes_is_counted_exactly_also_at_the_budget() {
    let mut world = org();
    world.alerts = (0..6)
        .map(|i| {
            closed(
                alert(
                    &format!("c{i}"),
                    "host",
                    "mCpu",
                    Some("hMulti"),
                    "OK",
                    NOW - 3600 + i,
                ),
                NOW - 600 + i,
                None,
            )
        })
        .collect();
    let mackerel = Mackerel::start(world).await;
    let (store, _db) = temp_store().await;
    let budget = |n| SyncOptions {
        logs_per_pass: n,
        ..opts()
    };
    let first = run_pass(&mackerel.client(), &store, &budget(4), NOW)
        .await
        .unwrap();
    assert_eq!((first.logs_read, first.logs_left), (4, 2), "{first}");
    assert!(
        first
            .to_string()
            .contains("left for the next passes: 2 alert logs"),
        "{first}"
    );
    // Exactly the budget: nothing is left, and the line says nothing is.
    let second = run_pass(&mackerel.client(), &store, &budget(2), NOW + 60)
        .await
        .unwrap();
    assert_eq!((second.logs_read, second.logs_left), (2, 0), "{second}");
    assert!(!second.to_string().contains("left"), "{second}");
    let recorded = &store.passes(1).await.unwrap()[0];
    assert_eq!((recorded.logs_read, recorded.logs_left), (2, 0));
}

#[tokio::test]
async fn a_poll_that_could_not_write_does_not_say_what_it_read_is_kept() {
    // SQLite only: a read-only file.
    let mackerel = Mackerel::start(org()).await;
    let ro = TestDb::sqlite();
    let (dir, db) = (ro.dir(), ro.file());
    {
        let store = ro.open().await;
        store.close().await;
    }
    let mode = |p: &Path, m: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    // The file read-only, its directory not: the store opens, and the pass's first
    // write is refused. (Lock files left by the writer above are root's: gone.)
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path != db {
            std::fs::remove_file(path).unwrap();
        }
    }
    mode(db, 0o444);
    mode(dir, 0o777);
    let base = mackerel.server.uri();
    let out = without_write_access(
        asakai(
            &["--db", ro.arg(), "poll"],
            &[("MACKEREL_APIKEY", KEY), ("MACKEREL_APIBASE", &base)],
        ),
        dir,
    )
    .output()
    .unwrap();
    mode(dir, 0o755);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        !err.contains("what this pass read before it stopped is kept"),
        "{err}"
    );
    assert!(
        err.contains("could not write") && err.contains("read-only"),
        "{err}"
    );
}
