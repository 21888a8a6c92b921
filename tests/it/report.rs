//! `asakai report`: the weekly report and the monitor hygiene report, from the
//! built binary on a real database file.

use std::path::PathBuf;

use asakai::review::{self, task, NewTask, Outcome};
use asakai::store::Store;
use serde_json::Value;

use crate::helpers::*;

/// Monday 2025-11-19 00:00 in Tokyo: the first day of the week before 2025-11-26.
const S: i64 = NOW - 6 * DAY - 3600;

fn recovered(
    id: &str,
    monitor: &str,
    host: Option<&str>,
    opened: i64,
    secs: i64,
) -> asakai::store::StoredAlert {
    stored_alert(id, monitor, host, opened, Some(opened + secs))
}

async fn add_maintenance_host(store: &Store) {
    sqlx::query("INSERT INTO hosts (id, name, status, roles, fetched_at) VALUES ('h-app09', 'app09', 'maintenance', '{\"blog\":[\"app\"]}', ?)")
        .bind(NOW)
        .execute(store.pool())
        .await
        .unwrap();
    for (status, at) in [("working", S - 10 * DAY), ("maintenance", S - 2 * DAY)] {
        sqlx::query("INSERT INTO host_status_changes (host_id, status, observed_at) VALUES ('h-app09', ?, ?)")
            .bind(status)
            .bind(at)
            .execute(store.pool())
            .await
            .unwrap();
    }
}

async fn week_db() -> (tempfile::TempDir, PathBuf) {
    let (store, dir, db) = store_with(&[
        recovered("a1", "disk", Some("app01"), S + 3600, 600),
        recovered("a2", "disk", Some("app01"), S + DAY + 3600, 1200),
        stored_alert("a3", "disk", Some("app02"), S + 2 * DAY, None),
        recovered("a4", "<b>http</b>", None, S + 3 * DAY, 120),
        recovered("p1", "disk", Some("app01"), S - DAY, 1800),
    ])
    .await;
    let one = |id: &str| vec![id.to_owned()];
    review::record(&store, &one("a1"), Outcome::Noise, None, None, NOW)
        .await
        .unwrap();
    review::record(&store, &one("a2"), Outcome::Fixed, None, None, NOW)
        .await
        .unwrap();
    let req = NewTask {
        alert_ids: one("a3"),
        title: Some("Disk on app02".into()),
        ..NewTask::default()
    };
    task::open(&store, &req, S + 2 * DAY + 60).await.unwrap();
    add_maintenance_host(&store).await;
    store.close().await;
    (dir, db)
}

fn week(db: &std::path::Path, format: &str, lang: &str) -> std::process::Output {
    let args = [
        "report",
        "week",
        "--date",
        "2025-11-26",
        "--tz",
        "Asia/Tokyo",
        "--format",
        format,
        "--lang",
        lang,
    ];
    run_asakai(db, &args, &[])
}

#[tokio::test]
async fn the_weekly_report_counts_the_week_against_the_one_before() {
    let (_dir, db) = week_db().await;
    let r = json_out(&week(&db, "json", "en"));
    assert_eq!(r["start"], "2025-11-19T00:00:00+09:00");
    assert_eq!(r["end"], "2025-11-26T00:00:00+09:00");
    assert_eq!(
        (r["alerts"].as_i64(), r["previous_alerts"].as_i64()),
        (Some(4), Some(1))
    );
    assert_eq!(r["per_day"], serde_json::json!([1, 1, 1, 1, 0, 0, 0]));
    assert_eq!(r["services"][0]["service"], "blog");
    assert_eq!(r["services"][0]["previous_total"], 1);
    // Recovered: 10, 20 and 2 minutes; the week before one of 30.
    assert_eq!(r["recovery"]["median_secs"], 600);
    assert_eq!(r["recovery"]["previous_median_secs"], 1800);
    // a2 fixed, a3 follow_up (its task), a1 noise; a4 not reviewed.
    assert_eq!(r["reviews"]["action"], 2);
    assert_eq!(r["reviews"]["no_action"], 1);
    assert_eq!(r["reviews"]["unreviewed"], 1);
    assert_eq!(r["tasks"]["opened"].as_array().unwrap().len(), 1);
    assert_eq!(r["tasks"]["still_open"][0]["age_days"], 4);
    assert_eq!(r["maintenance_hosts"][0]["name"], "app09");
    assert_eq!(r["maintenance_hosts"][0]["days"], 9);
    assert_eq!(r["noisy_monitors"][0]["monitor"], "disk");
    assert_eq!(r["noisy_monitors"][0]["alerts"], 3);
    assert_eq!(r["noisy_monitors"][0]["hosts"], 2);
    assert_eq!(r["noisy_monitors"][0]["previous_alerts"], 1);
}

#[tokio::test]
async fn the_weekly_report_renders_in_every_format_and_both_languages() {
    let (_dir, db) = week_db().await;
    let text = |o: std::process::Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let md = text(week(&db, "markdown", "en"));
    assert!(md.starts_with("# Weekly alert report 2025-11-19"), "{md}");
    // Markdown escapes its punctuation: it renders as "4 (+3 / +300%)".
    assert!(md.contains("4 \\(\\+3 / \\+300%\\)"), "{md}");
    assert!(
        md.contains("\\<b\\>") || md.contains("&lt;b&gt;"),
        "monitor names are escaped: {md}"
    );
    let ja = text(week(&db, "text", "ja"));
    assert!(
        ja.contains("週次アラートレポート") && ja.contains("app09"),
        "{ja}"
    );
    let html = text(week(&db, "html", "ja"));
    assert!(
        html.contains("&lt;b&gt;http&lt;/b&gt;") && !html.contains("<b>http"),
        "{html}"
    );
    let slack: Value = serde_json::from_str(&text(week(&db, "slack", "en"))).unwrap();
    assert_eq!(slack["blocks"][0]["type"], "header");
    assert!(!slack.to_string().contains("<b>"));
}
