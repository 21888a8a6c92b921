//! `asakai db copy`: a SQLite store filled the product's own ways, moved into a fresh
//! PostgreSQL database, reads the same there; an interrupted copy resumes; a target
//! that is not empty is refused and left as it was. The tests that need PostgreSQL
//! say so and pass when `ASAKAI_TEST_POSTGRES` is unset (CI sets it).

use std::process::{Command, Output};

use asakai::sim::{self, SimOptions};
use asakai::store::copy::{copy_to_postgres, CopyError, CopyOptions, CopyReport};
use asakai::store::deliveries::DeliveryKey;
use asakai::store::{
    AlertFilter, AlertThresholds, NewReview, SlackPost, Store, TaskRequest, Threshold,
};
use asakai::sync::{run_pass, SyncOptions};
use sqlx::{Connection, Executor, PgConnection};

use crate::helpers::*;

/// A PostgreSQL database for the test, or a note on stderr and `None`.
async fn postgres(test: &str) -> Option<TestDb> {
    let db = TestDb::postgres_if_configured().await;
    if db.is_none() {
        eprintln!("{test}: skipped, it needs PostgreSQL ({POSTGRES_ENV} is not set)");
    }
    db
}

/// A SQLite store as a team's would be: `days` of the simulator's alerts synced
/// (logs, hosts, graphs), then reviews, a task, a delivery, a Slack post, thresholds.
async fn filled_sqlite(days: i64) -> TestDb {
    let opts = SimOptions {
        seed: 23,
        days,
        anchor: Some(NOW),
        frozen: true,
        api_key: KEY.into(),
        ..SimOptions::default()
    };
    let running = sim::start(opts, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let db = TestDb::sqlite();
    let store = db.open().await;
    let sync = SyncOptions {
        since: Some(NOW - (days + 1) * DAY),
        logs_per_pass: 100_000,
        graphs_per_pass: 100_000,
        ..SyncOptions::default()
    };
    run_pass(&client_for(&running.base_url()), &store, &sync, NOW)
        .await
        .unwrap();
    team_work(&store).await;
    store.close().await;
    db
}

/// What people and posts add to a synced store.
async fn team_work(store: &Store) {
    let alerts = store.find_alerts(&AlertFilter::default()).await.unwrap();
    assert!(
        alerts.len() > 20,
        "the simulator gave {} alerts",
        alerts.len()
    );
    let ids: Vec<String> = alerts.iter().take(6).map(|a| a.id.clone()).collect();
    let review = |outcome, at| NewReview {
        outcome,
        note: Some("backup window"),
        by: Some("aiko"),
        at,
    };
    assert!(store
        .add_reviews(&ids, review("noise", NOW))
        .await
        .unwrap()
        .is_empty());
    let changed = &ids[..1];
    assert!(store
        .add_reviews(changed, review("expected", NOW + 60))
        .await
        .unwrap()
        .is_empty());
    let first = &alerts[10];
    store
        .open_task(TaskRequest {
            key: "copy/one",
            monitor_id: first.monitor_id.as_deref(),
            host_id: first.host_id.as_deref(),
            title: "Look at the disk",
            body: "",
            alert_ids: std::slice::from_ref(&first.id),
            github: false,
            review: review("follow_up", NOW + 120),
        })
        .await
        .unwrap();
    let key = DeliveryKey {
        start: NOW - DAY,
        end: NOW,
        channel: "slack",
    };
    store.claim_delivery(key, NOW, false).await.unwrap();
    store.mark_delivered(key, NOW + 5).await.unwrap();
    let post = SlackPost {
        channel: "C0123".into(),
        ts: "1764000000.000100".into(),
        team: "blog".into(),
        window_start: NOW - DAY,
        window_end: NOW,
        meeting: Some("2025-11-25".into()),
        posted_at: NOW + 6,
        rendered: "{\"blocks\":[]}".into(),
    };
    store.record_slack_post(&post).await.unwrap();
    store.graph_secret("the-secret").await.unwrap();
    let t = Threshold {
        monitor_id: first.monitor_id.clone().unwrap_or_default(),
        operator: Some(">".into()),
        warning: Some(80.0),
        critical: Some(90.5),
    };
    store.save_thresholds(&[t], NOW).await.unwrap();
    let fired = AlertThresholds {
        operator: Some(">".into()),
        warning: Some(70.0),
        critical: None,
    };
    store
        .keep_alert_thresholds(&first.id, &fired, NOW)
        .await
        .unwrap();
}

async fn copy(from: &TestDb, to: &TestDb, options: &CopyOptions) -> Result<CopyReport, CopyError> {
    copy_to_postgres(from.file(), &to.location(), options, &|_| {}).await
}

fn asakai(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asakai"))
        .args(args)
        .env_remove("ASAKAI_CONFIG")
        .env_remove("ASAKAI_DB")
        .output()
        .unwrap()
}

/// `digest --format json` of one day, without its `generated_at`.
fn digest_json(db: &str) -> String {
    let out = asakai(&[
        "--db",
        db,
        "digest",
        "--date",
        "2025-11-25",
        "--tz",
        "Asia/Tokyo",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Everything but the moment it was made: two runs may straddle a second.
    let mut digest: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    digest.as_object_mut().unwrap().remove("generated_at");
    digest.to_string()
}

/// Every read the product makes of what was copied, on one store.
async fn reads(store: &Store) -> Vec<String> {
    let alerts = store.find_alerts(&AlertFilter::default()).await.unwrap();
    let mut out = vec![format!("{alerts:?}")];
    // Short terms: PostgreSQL finds them through grams the copy derives.
    for term in ["e", "cp", "Er", "nginx"] {
        let search = AlertFilter {
            search: Some(term.into()),
            ..Default::default()
        };
        let found = store.find_alerts(&search).await.unwrap();
        assert!(!found.is_empty(), "the data holds {term}");
        let ids: Vec<&str> = found.iter().map(|a| a.id.as_str()).collect();
        out.push(format!("{term}: {ids:?}"));
    }
    for a in alerts.iter().take(40) {
        out.push(format!("{:?}", store.alert_logs(&a.id).await.unwrap()));
        out.push(format!("{:?}", store.graph_of(&a.id).await.unwrap()));
        out.push(format!("{:?}", store.reviews_of(&a.id).await.unwrap()));
    }
    // In no particular order: the product reads them into a map.
    let mut latest = store.latest_reviews().await.unwrap();
    latest.sort_by(|a, b| a.alert_id.cmp(&b.alert_id));
    out.push(format!("{latest:?}"));
    out.push(format!("{:?}", store.tasks(None).await.unwrap()));
    out.push(format!("{:?}", store.task_attachments().await.unwrap()));
    out.push(format!("{:?}", store.passes(100).await.unwrap()));
    let key = DeliveryKey {
        start: NOW - DAY,
        end: NOW,
        channel: "slack",
    };
    out.push(format!("{:?}", store.delivery(key).await.unwrap()));
    out.push(format!("{:?}", store.slack_posts_since(0).await.unwrap()));
    out.push(store.graph_secret("another").await.unwrap());
    let mut thresholds: Vec<_> = store.thresholds().await.unwrap().into_values().collect();
    thresholds.sort_by(|a, b| a.monitor_id.cmp(&b.monitor_id));
    out.push(format!("{thresholds:?}"));
    out.push(format!("{:?}", store.monitors().await.unwrap().len()));
    out.push(format!("{:?}", store.hosts().await.unwrap().len()));
    out.push(format!("{:?}", store.service_names().await.unwrap()));
    out.push(format!("{:?}", store.count_graphs_stored().await.unwrap()));
    out
}

#[tokio::test]
async fn a_sqlite_store_copied_to_postgres_reads_the_same_there() {
    let Some(pg) = postgres("a_sqlite_store_copied_to_postgres_reads_the_same_there").await else {
        return;
    };
    let sqlite = filled_sqlite(10).await;

    let report = copy(&sqlite, &pg, &CopyOptions::default()).await.unwrap();

    assert!(
        report.tables.iter().all(|t| t.source == t.target),
        "{report:?}"
    );
    let alerts = report.tables.iter().find(|t| t.table == "alerts").unwrap();
    assert!(alerts.target > 20);
    // Read as the copy left it: opening for writing would fill what it missed.
    let (from, to) = (sqlite.open().await, pg.open_reader().await);
    let (there, here) = (reads(&from).await, reads(&to).await);
    assert_eq!(there.len(), here.len());
    for (i, (a, b)) in there.iter().zip(&here).enumerate() {
        assert_eq!(a, b, "read {i} differs");
    }
    assert_eq!(digest_json(sqlite.arg()), digest_json(pg.arg()));
    // The identity sequences moved past the copied numbers: a new task is numbered
    // as it would have been in the source.
    let alert = from.find_alerts(&AlertFilter::default()).await.unwrap()[3].clone();
    let task = |store: Store| {
        let ids = vec![alert.id.clone()];
        async move {
            let req = TaskRequest {
                key: "copy/two",
                monitor_id: None,
                host_id: None,
                title: "After the move",
                body: "",
                alert_ids: &ids,
                github: false,
                review: NewReview {
                    outcome: "follow_up",
                    note: None,
                    by: None,
                    at: NOW + 600,
                },
            };
            store.open_task(req).await.unwrap().0.id
        }
    };
    assert_eq!(task(from).await, task(to).await);
}

#[tokio::test]
async fn an_interrupted_copy_resumes_where_it_stopped_without_duplicates_or_losses() {
    let Some(pg) = postgres("an_interrupted_copy_resumes_where_it_stopped").await else {
        return;
    };
    let sqlite = filled_sqlite(3).await;
    let small = |stop| CopyOptions {
        batch_rows: 7,
        stop_after_batches: stop,
    };

    let first = copy(&sqlite, &pg, &small(Some(3))).await.unwrap_err();
    let second = copy(&sqlite, &pg, &small(Some(4))).await.unwrap_err();
    let done = copy(&sqlite, &pg, &small(None)).await.unwrap();

    assert!(matches!(first, CopyError::Stopped(3)), "{first}");
    assert!(matches!(second, CopyError::Stopped(4)), "{second}");
    assert_eq!(done.resumed_rows, 7 * 7, "seven whole batches were kept");
    assert!(done.tables.iter().all(|t| t.source == t.target), "{done:?}");
    let (from, to) = (sqlite.open_reader().await, pg.open_reader().await);
    assert_eq!(snapshot(&from).await, snapshot(&to).await);
    // The bookkeeping went with the finished copy: the database is a plain store,
    // and a second copy into it is refused.
    let again = copy(&sqlite, &pg, &small(None)).await.unwrap_err();
    assert!(matches!(again, CopyError::NotEmpty { .. }), "{again}");
}

#[tokio::test]
async fn a_copy_of_another_file_into_an_unfinished_copy_is_refused() {
    let Some(pg) = postgres("a_copy_of_another_file_into_an_unfinished_copy_is_refused").await
    else {
        return;
    };
    let (a, b) = (filled_sqlite(2).await, filled_sqlite(2).await);
    let stop = CopyOptions {
        batch_rows: 5,
        stop_after_batches: Some(1),
    };
    copy(&a, &pg, &stop).await.unwrap_err();

    let err = copy(&b, &pg, &CopyOptions::default()).await.unwrap_err();

    assert!(matches!(err, CopyError::OtherSource { .. }), "{err}");
    assert!(err.to_string().contains("asakai db copy --from"), "{err}");
    let store = pg.open_reader().await;
    assert_eq!(
        store.count_alerts().await.unwrap(),
        5,
        "nothing of b went in"
    );
}

#[tokio::test]
async fn a_target_with_tables_of_another_program_is_refused_and_left_as_it_was() {
    let Some(pg) = postgres("a_target_with_tables_of_another_program_is_refused").await else {
        return;
    };
    let sqlite = filled_sqlite(2).await;
    let mut conn = PgConnection::connect(pg.arg()).await.unwrap();
    conn.execute("CREATE TABLE notes (id INT); INSERT INTO notes VALUES (1)")
        .await
        .unwrap();
    // A password in the URL (the test server trusts, so any will do) is never shown.
    let url = pg.arg().replacen("://asakai@", "://asakai:s3cret@", 1);

    let out = asakai(&["db", "copy", "--from", sqlite.arg(), "--to", &url]);

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("notes") && stderr.contains("empty database"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret") && !String::from_utf8_lossy(&out.stdout).contains("s3cret"));
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(tables, ["notes"]);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM notes")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn a_target_holding_an_asakai_store_is_refused() {
    let Some(pg) = postgres("a_target_holding_an_asakai_store_is_refused").await else {
        return;
    };
    let sqlite = filled_sqlite(2).await;
    let store = pg.open().await;
    store
        .write_alerts(&[stored_alert("x1", "cpu", Some("app01"), NOW, None)], NOW)
        .await
        .unwrap();

    let err = copy(&sqlite, &pg, &CopyOptions::default())
        .await
        .unwrap_err();

    assert!(matches!(err, CopyError::NotEmpty { .. }), "{err}");
    assert!(err.to_string().contains("alerts: 1 rows"), "{err}");
    assert_eq!(store.count_alerts().await.unwrap(), 1);
}

#[tokio::test]
async fn a_source_that_is_not_an_asakai_store_or_a_target_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not a database").unwrap();
    let store = TestDb::sqlite();
    store.open().await.close().await;
    let nowhere = "postgres://asakai:s3cret@127.0.0.1:1/nothing";

    let not_a_store = asakai(&[
        "db",
        "copy",
        "--from",
        notes.to_str().unwrap(),
        "--to",
        nowhere,
    ]);
    let to_a_file = asakai(&["db", "copy", "--from", store.arg(), "--to", "elsewhere.db"]);

    let said = String::from_utf8_lossy(&not_a_store.stderr);
    assert!(!not_a_store.status.success());
    assert!(
        said.contains("cannot open the database") && said.contains("notes.txt"),
        "{said}"
    );
    assert!(!said.contains("s3cret"));
    let said = String::from_utf8_lossy(&to_a_file.stderr);
    assert!(!to_a_file.status.success());
    assert!(said.contains("postgres:// URL"), "{said}");
}
