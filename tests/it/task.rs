//! `asakai task` end to end: the built binary on a real database.

use serde_json::Value;

use crate::helpers::*;

async fn db() -> TestDb {
    let (store, db) = store_with(&[
        stored_alert(
            "a1",
            "disk",
            Some("app01"),
            NOW - 5 * 3600,
            Some(NOW - 4 * 3600),
        ),
        stored_alert("a2", "disk", Some("app01"), NOW - 3600, None),
        stored_alert("b1", "disk", Some("app02"), NOW - 3600, None),
    ])
    .await;
    store.close().await;
    db
}

fn task(db: &TestDb, args: &[&str]) -> std::process::Output {
    let mut all = vec!["task"];
    all.extend(args);
    run_asakai(db, &all, &[("USER", "sato")])
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn a_task_opens_once_per_monitor_and_host_and_later_alerts_join_it() {
    let db = db().await;
    let first = json_out(&task(
        &db,
        &[
            "new",
            "--alert",
            "a1",
            "--title",
            "Tune disk on app01",
            "--format",
            "json",
        ],
    ));
    for field in [
        "id",
        "title",
        "state",
        "key",
        "alert_ids",
        "url",
        "github_error",
        "created_at",
        "closed_at",
        "fired_again",
        "last_fired_at",
    ] {
        assert!(
            first.get(field).is_some(),
            "task object lacks {field}: {first}"
        );
    }
    assert_eq!(first["state"], "open");
    assert_eq!(first["key"], "m-disk/h-app01");
    assert_eq!(first["url"], Value::Null);

    let joined = json_out(&task(&db, &["new", "--alert", "a2", "--format", "json"]));
    assert_eq!(joined["id"], first["id"]);
    assert_eq!(joined["alert_ids"], serde_json::json!(["a1", "a2"]));
    let other = json_out(&task(&db, &["new", "--alert", "b1", "--format", "json"]));
    assert_ne!(other["id"], first["id"]);

    let open = json_out(&task(&db, &["list", "--format", "json"]));
    assert_eq!(open.as_array().unwrap().len(), 2);
    let alerts = json_out(&run_asakai(&db, &["alerts", "--format", "json"], &[]));
    let a2 = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "a2")
        .unwrap();
    assert_eq!(a2["review"]["outcome"], "follow_up");
    assert_eq!(a2["review"]["by"], "sato");
    assert_eq!(a2["task"]["id"], first["id"]);
    assert_eq!(a2["task"]["title"], "Tune disk on app01");
}

#[tokio::test]
async fn done_tasks_leave_the_open_list_and_show_says_what_they_hold() {
    let db = db().await;
    json_out(&task(
        &db,
        &["new", "--alert", "a1", "a2", "--format", "json"],
    ));
    let shown = task(&db, &["show", "1"]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("Follow up: disk on app01"), "{text}");
    assert!(
        text.contains("https://mackerel.io/orgs/acme/alerts/a2"),
        "{text}"
    );
    assert!(text.contains("GitHub: not linked"), "{text}");

    let done = json_out(&task(&db, &["done", "1", "--format", "json"]));
    assert_eq!(done["state"], "done");
    assert!(done["closed_at"].is_string());
    assert_eq!(
        json_out(&task(&db, &["list", "--format", "json"])),
        serde_json::json!([])
    );
    let all = json_out(&task(&db, &["list", "--state", "all", "--format", "json"]));
    assert_eq!(all.as_array().unwrap().len(), 1);
    let again = task(&db, &["done", "1"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already done"));
}

#[tokio::test]
async fn bad_task_commands_fail_clearly_and_change_nothing() {
    let db = db().await;
    let empty = task(&db, &["new", "--alert", "a1", "--title", " "]);
    assert!(!empty.status.success());
    assert!(stderr(&empty).contains("title"), "{}", stderr(&empty));
    let unknown = task(&db, &["new", "--alert", "a1", "--alert", "zz9"]);
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("zz9"));
    let mixed = task(&db, &["new", "--alert", "a1", "b1"]);
    assert!(!mixed.status.success());
    let missing = task(&db, &["show", "42"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("#42"));
    assert_eq!(
        json_out(&task(&db, &["list", "--state", "all", "--format", "json"])),
        serde_json::json!([])
    );
    let alerts = json_out(&run_asakai(&db, &["alerts", "--format", "json"], &[]));
    assert!(alerts
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["review"].is_null()));
}
