//! Reviews and tasks in the store: outcomes kept as history, all-or-nothing writes,
//! one open task per monitor and host, and what each alert object shows.

use asakai::digest::Window;
use asakai::review::{self, task, NewTask, Outcome, ReviewError, TaskState};
use asakai::store::testing;

use crate::helpers::*;

fn window() -> Window {
    Window {
        start: NOW - DAY,
        end: NOW,
        tz: chrono_tz::Asia::Tokyo,
        meeting: None,
    }
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn disk_day() -> Vec<asakai::store::StoredAlert> {
    vec![
        stored_alert(
            "a1",
            "disk",
            Some("app01"),
            NOW - 20 * 3600,
            Some(NOW - 19 * 3600),
        ),
        stored_alert("a2", "disk", Some("app01"), NOW - 10 * 3600, None),
        stored_alert("b1", "disk", Some("app02"), NOW - 9 * 3600, None),
        stored_alert(
            "c1",
            "http",
            None,
            NOW - 8 * 3600,
            Some(NOW - 8 * 3600 + 60),
        ),
        stored_alert(
            "old",
            "disk",
            Some("app01"),
            NOW - 3 * DAY,
            Some(NOW - 3 * DAY + 60),
        ),
    ]
}

#[tokio::test]
async fn a_changed_outcome_keeps_the_earlier_one_and_the_latest_counts() {
    let (store, _db) = store_with(&disk_day()).await;
    review::record(
        &store,
        &ids(&["a1"]),
        Outcome::Noise,
        Some("backup"),
        Some("sato"),
        NOW,
    )
    .await
    .unwrap();
    review::record(
        &store,
        &ids(&["a1"]),
        Outcome::Fixed,
        None,
        Some("kato"),
        NOW + 60,
    )
    .await
    .unwrap();

    let latest = review::latest_reviews(&store).await.unwrap();
    assert_eq!(latest["a1"].outcome, Outcome::Fixed);
    assert_eq!(
        latest["a1"].note, None,
        "a review without a note keeps no note"
    );
    let history = review::history(&store, "a1").await.unwrap();
    let outcomes: Vec<_> = history.iter().map(|r| (r.outcome, r.by.clone())).collect();
    assert_eq!(
        outcomes,
        [
            (Outcome::Fixed, Some("kato".into())),
            (Outcome::Noise, Some("sato".into()))
        ]
    );
    assert_eq!(history[1].note.as_deref(), Some("backup"));
}

#[tokio::test]
async fn an_unknown_id_records_nothing_for_the_known_ones_either() {
    let (store, _db) = store_with(&disk_day()).await;
    let err = review::record(
        &store,
        &ids(&["a1", "nope"]),
        Outcome::Noise,
        None,
        None,
        NOW,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ReviewError::UnknownAlerts(u) if u == &ids(&["nope"])),
        "{err}"
    );
    assert!(err.to_string().contains("nope"));
    assert!(review::latest_reviews(&store).await.unwrap().is_empty());
}

#[tokio::test]
async fn pending_lists_the_windows_alerts_without_an_outcome() {
    let (store, _db) = store_with(&disk_day()).await;
    review::record(
        &store,
        &ids(&["a2", "old"]),
        Outcome::Expected,
        None,
        None,
        NOW,
    )
    .await
    .unwrap();
    let pending: Vec<String> = review::pending(&store, &window())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(pending, ids(&["a1", "b1", "c1"]));
}

#[tokio::test]
async fn a_group_is_one_monitor_on_one_host_in_the_window() {
    let (store, _db) = store_with(&disk_day()).await;
    let group = review::group_ids(&store, &window(), "disk", Some("app01"))
        .await
        .unwrap();
    assert_eq!(
        group,
        ids(&["a1", "a2"]),
        "the alert of 3 days ago is not in the window"
    );
    let by_id = review::group_ids(&store, &window(), "m-disk", Some("h-app02"))
        .await
        .unwrap();
    assert_eq!(by_id, ids(&["b1"]));
    let err = review::group_ids(&store, &window(), "disk", Some("db01"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("db01"), "{err}");
}

fn new_task(alerts: &[&str], title: Option<&str>) -> NewTask {
    NewTask {
        alert_ids: ids(alerts),
        title: title.map(Into::into),
        github: false,
        by: Some("sato".into()),
    }
}

#[tokio::test]
async fn alerts_of_a_key_with_an_open_task_join_it_instead_of_opening_another() {
    let (store, _db) = store_with(&disk_day()).await;
    let first = task::open(&store, &new_task(&["a1"], Some("Tune disk on app01")), NOW)
        .await
        .unwrap();
    let second = task::open(&store, &new_task(&["a2"], None), NOW + 60)
        .await
        .unwrap();

    assert!(!first.joined && second.joined);
    assert_eq!(first.task.id, second.task.id);
    assert_eq!(second.task.title, "Tune disk on app01");
    assert_eq!(
        task::list(&store, Some(TaskState::Open))
            .await
            .unwrap()
            .len(),
        1
    );
    let view = task::view(&store, &second.task).await.unwrap();
    assert_eq!(view.alert_ids, ids(&["a1", "a2"]));
    let latest = review::latest_reviews(&store).await.unwrap();
    assert_eq!(latest["a1"].outcome, Outcome::FollowUp);
    assert_eq!(latest["a2"].outcome, Outcome::FollowUp);
}

#[tokio::test]
async fn a_new_alert_of_the_key_counts_as_fired_again_until_the_task_is_done() {
    let (store, _db) = store_with(&disk_day()).await;
    let opened = task::open(&store, &new_task(&["a1"], None), NOW - 15 * 3600)
        .await
        .unwrap();
    let view = task::view(&store, &opened.task).await.unwrap();
    assert_eq!(view.fired_again, 1, "a2 opened after the task");
    assert_eq!(view.alert_ids, ids(&["a1", "a2"]));
    assert_eq!(
        view.last_fired_at.as_deref(),
        Some(asakai::alert::rfc3339(NOW - 10 * 3600).as_str())
    );

    let (done, changed) = task::done(&store, opened.task.id, NOW + 10).await.unwrap();
    assert!(changed && done.state == TaskState::Done);
    let later = stored_alert("a3", "disk", Some("app01"), NOW + 3600, None);
    store
        .write_alerts(std::slice::from_ref(&later), NOW)
        .await
        .unwrap();
    let notes = review::Annotations::load(&store).await.unwrap();
    assert!(
        notes.task(&later).is_none(),
        "a done task takes no new alerts"
    );

    let reopened = task::open(&store, &new_task(&["a3"], None), NOW + 7200)
        .await
        .unwrap();
    assert!(!reopened.joined);
    assert_ne!(reopened.task.id, opened.task.id);
}

#[tokio::test]
async fn a_bad_task_request_changes_nothing() {
    let (store, _db) = store_with(&disk_day()).await;
    let empty = task::open(&store, &new_task(&["a1"], Some("  ")), NOW)
        .await
        .unwrap_err();
    assert!(matches!(empty, ReviewError::EmptyTitle));
    let mixed = task::open(&store, &new_task(&["a1", "b1"], None), NOW)
        .await
        .unwrap_err();
    assert!(
        mixed.to_string().contains("one task per monitor and host"),
        "{mixed}"
    );
    let unknown = task::open(&store, &new_task(&["a1", "zz"], None), NOW)
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("zz"), "{unknown}");
    assert!(task::list(&store, None).await.unwrap().is_empty());
    assert!(review::latest_reviews(&store).await.unwrap().is_empty());
}

#[tokio::test]
async fn each_alert_object_carries_its_outcome_and_task() {
    let (store, _db) = store_with(&disk_day()).await;
    review::record(
        &store,
        &ids(&["c1"]),
        Outcome::Noise,
        Some("flaky"),
        Some("sato"),
        NOW,
    )
    .await
    .unwrap();
    task::open(&store, &new_task(&["a1"], Some("Disk")), NOW)
        .await
        .unwrap();
    let alerts = store.alerts_by_id(&ids(&["a1", "b1", "c1"])).await.unwrap();
    let notes = review::Annotations::load(&store).await.unwrap();
    let json: Vec<serde_json::Value> = alerts
        .iter()
        .map(|a| serde_json::to_value(notes.annotate(a, NOW)).unwrap())
        .collect();
    let by_id = |id: &str| json.iter().find(|v| v["id"] == id).unwrap().clone();
    assert_eq!(by_id("a1")["task"]["title"], "Disk");
    assert_eq!(by_id("a1")["task"]["state"], "open");
    assert_eq!(by_id("a1")["review"]["outcome"], "follow_up");
    assert_eq!(by_id("b1")["review"], serde_json::Value::Null);
    assert_eq!(by_id("b1")["task"], serde_json::Value::Null);
    assert_eq!(by_id("c1")["review"]["note"], "flaky");
    assert_eq!(by_id("c1")["review"]["by"], "sato");
}

// The command line: `asakai review` as a script at the meeting would run it.

const TOKYO: [&str; 2] = ["--tz", "Asia/Tokyo"];

async fn db_of_the_day() -> TestDb {
    let (store, db) = store_with(&disk_day()).await;
    store.close().await;
    db
}

fn alerts_json(db: &TestDb) -> serde_json::Value {
    json_out(&run_asakai(
        db,
        &["alerts", "--format", "json", "--limit", "0"],
        &[],
    ))
}

fn alert_of<'a>(all: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    all.as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()
}

#[tokio::test]
async fn reviewing_from_the_command_line_shows_on_the_alert_objects() {
    let db = db_of_the_day().await;
    let out = run_asakai(
        &db,
        &[
            "review",
            "a1",
            "a2",
            "--outcome",
            "noise",
            "--note",
            "nightly backup",
            "--by",
            "sato",
            "--format",
            "json",
        ],
        &[],
    );
    let recorded = json_out(&out);
    assert_eq!(recorded["reviews"].as_array().unwrap().len(), 2);
    assert_eq!(recorded["reviews"][0]["alert_id"], "a1");

    let all = alerts_json(&db);
    let a1 = alert_of(&all, "a1");
    assert_eq!(a1["review"]["outcome"], "noise");
    assert_eq!(a1["review"]["note"], "nightly backup");
    assert_eq!(a1["review"]["by"], "sato");
    assert!(a1["review"]["at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(alert_of(&all, "b1")["review"], serde_json::Value::Null);
    assert_eq!(alert_of(&all, "b1")["task"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_bad_outcome_or_an_unknown_id_fails_and_changes_nothing() {
    let db = db_of_the_day().await;
    let bad = run_asakai(&db, &["review", "a1", "--outcome", "ignored"], &[]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("false_alarm"));
    let unknown = run_asakai(&db, &["review", "a1", "nope", "--outcome", "noise"], &[]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nope"));
    assert_eq!(
        alert_of(&alerts_json(&db), "a1")["review"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn pending_lists_what_the_meeting_has_not_reviewed_yet() {
    let db = db_of_the_day().await;
    json_out(&run_asakai(
        &db,
        &["review", "a2", "--outcome", "fixed", "--format", "json"],
        &[],
    ));
    // The meeting of Tuesday 2025-11-25 covers Friday to Monday (a substitute holiday).
    let mut args = vec![
        "review",
        "--pending",
        "--date",
        "2025-11-25",
        "--format",
        "json",
    ];
    args.extend(TOKYO);
    let pending = json_out(&run_asakai(&db, &args, &[]));
    let ids: Vec<&str> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["old", "a1", "b1", "c1"],
        "in the order they opened; a2 reviewed"
    );
    // Wednesday's meeting: only the alerts still open reach into its window.
    let mut args = vec![
        "review",
        "--pending",
        "--date",
        "2025-11-26",
        "--format",
        "json",
    ];
    args.extend(TOKYO);
    let pending = json_out(&run_asakai(&db, &args, &[]));
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert_eq!(pending[0]["id"], "b1");
}

#[tokio::test]
async fn a_monitor_group_is_reviewed_in_one_command() {
    let db = db_of_the_day().await;
    let mut args = vec![
        "review",
        "--monitor",
        "disk",
        "--host",
        "app01",
        "--date",
        "2025-11-25",
        "--outcome",
        "expected",
    ];
    args.extend(TOKYO);
    let out = run_asakai(&db, &args, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = alerts_json(&db);
    for id in ["a1", "a2", "old"] {
        assert_eq!(alert_of(&all, id)["review"]["outcome"], "expected", "{id}");
    }
    assert_eq!(alert_of(&all, "b1")["review"], serde_json::Value::Null);
    let mut none = vec![
        "review",
        "--monitor",
        "disk",
        "--host",
        "db09",
        "--date",
        "2025-11-25",
        "--outcome",
        "noise",
    ];
    none.extend(TOKYO);
    let out = run_asakai(&db, &none, &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("db09"));
}

#[tokio::test]
async fn a_review_while_another_process_holds_the_database_says_it_is_busy() {
    // SQLite only: its one writer per file, its busy timeout and its own busy answer.
    let db = TestDb::sqlite();
    let store = db.open().await;
    store.write_alerts(&disk_day(), NOW).await.unwrap();
    // Another process's write: a second store on the same file, with its own writer.
    let other = db.open().await;
    let mut held = testing::hold_writer(&other).await.unwrap();
    held.execute(
        "INSERT INTO sync_state (key, value) VALUES ('held', '1')",
        &[],
    )
    .await
    .unwrap();
    let err = review::record(&store, &ids(&["a1"]), Outcome::Noise, None, None, NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ReviewError::Store(asakai::store::StoreError::Busy)),
        "{err:?}"
    );
    assert!(err.to_string().contains("database is busy"), "{err}");

    // SQLite's own busy answer, as a review's commit would get it, maps the same way.
    let busy = testing::begin_without_waiting(db.file()).await.unwrap_err();
    let err = ReviewError::from(busy);
    assert!(
        matches!(err, ReviewError::Store(asakai::store::StoreError::Busy)),
        "{err:?}"
    );
    held.rollback().await.unwrap();
    drop(db);
}
