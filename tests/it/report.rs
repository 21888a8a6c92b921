//! `asakai report`: the weekly report and the monitor hygiene report, from the
//! built binary on a real database.

use asakai::review::{self, task, NewTask, Outcome};
use asakai::store::{testing, Store};
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
    testing::execute(
        store,
        "INSERT INTO hosts (id, name, status, roles, fetched_at) \
         VALUES ('h-app09', 'app09', 'maintenance', '{\"blog\":[\"app\"]}', ?)",
        &[NOW.into()],
    )
    .await
    .unwrap();
    for (status, at) in [("working", S - 10 * DAY), ("maintenance", S - 2 * DAY)] {
        testing::execute(
            store,
            "INSERT INTO host_status_changes (host_id, status, observed_at) \
             VALUES ('h-app09', ?, ?)",
            &[status.into(), at.into()],
        )
        .await
        .unwrap();
    }
}

async fn week_db() -> TestDb {
    let (store, db) = store_with(&[
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
    db
}

fn week(db: &TestDb, format: &str, lang: &str) -> std::process::Output {
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
    let db = week_db().await;
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
    let db = week_db().await;
    let text = |o: std::process::Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let md = text(week(&db, "markdown", "en"));
    assert!(
        md.starts_with("# Weekly alert report 2025-11-19 – 2025-11-25"),
        "{md}"
    );
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

// The monitor hygiene report. It reads "the last 30 days" from the real clock.

async fn monitors_db(now: i64) -> TestDb {
    let mut alerts = Vec::new();
    // disk: 8 blips with values, mostly reviewed as noise.
    for (i, v) in [91.0, 92.0, 93.0, 94.0, 95.5, 96.0, 97.0, 98.0]
        .into_iter()
        .enumerate()
    {
        let host = if i % 2 == 0 { "app01" } else { "app02" };
        let mut a = recovered(
            &format!("d{i}"),
            "disk",
            Some(host),
            now - (i as i64 + 1) * DAY,
            120 + i as i64 * 10,
        );
        a.value = Some(v);
        a.severity = Some(if v > 95.0 { "CRITICAL" } else { "WARNING" }.into());
        alerts.push(a);
    }
    // cpu: five one-minute blips on one host one morning (Tokyo), nobody reviewed them.
    let tokyo = chrono_tz::Asia::Tokyo;
    let day = chrono::TimeZone::timestamp_opt(&tokyo, now - 2 * DAY, 0)
        .unwrap()
        .date_naive();
    let morning = asakai::timefmt::start_of_day(day, tokyo) + 2 * 3600;
    for i in 0..5 {
        alerts.push(recovered(
            &format!("c{i}"),
            "cpu",
            Some("app03"),
            morning + i * 600,
            60,
        ));
    }
    // ping: closed by hand, no values.
    for i in 0..2 {
        let mut a = stored_alert(
            &format!("p{i}"),
            "ping",
            Some("app04"),
            now - 3 * DAY - i * 3600,
            Some(now - 3 * DAY),
        );
        a.kind = "connectivity".into();
        a.close_cause = Some("manual".into());
        alerts.push(a);
    }
    let (store, db) = store_with(&alerts).await;
    let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    review::record(
        &store,
        &ids(&["d0", "d1", "d2", "d3", "d4", "d5"]),
        Outcome::Noise,
        None,
        None,
        now,
    )
    .await
    .unwrap();
    review::record(&store, &ids(&["d6"]), Outcome::Fixed, None, None, now)
        .await
        .unwrap();
    store.close().await;
    db
}

fn disk_monitor() -> Value {
    serde_json::json!({"id": "m-disk", "name": "disk", "type": "host", "metric": "disk%", "operator": ">",
                       "warning": 90.0, "critical": 95.0, "duration": 1})
}

#[tokio::test]
async fn the_monitor_report_ranks_waste_and_suggests_only_on_strong_evidence() {
    let now = chrono::Utc::now().timestamp();
    let db = monitors_db(now).await;
    let mackerel = Mackerel::start(World {
        org: "acme".into(),
        monitors: vec![disk_monitor()],
        ..World::default()
    })
    .await;
    let env = [
        ("MACKEREL_APIKEY", KEY),
        ("MACKEREL_APIBASE", &mackerel.server.uri()),
    ];
    let args = [
        "report",
        "monitors",
        "--since",
        "30d",
        "--format",
        "json",
        "--tz",
        "Asia/Tokyo",
    ];
    let r = json_out(&run_asakai(&db, &args, &env));

    assert_eq!(r["thresholds_from"], "mackerel");
    let names: Vec<&str> = r["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["monitor"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["disk", "cpu", "ping"], "most wasted first");
    let disk = &r["monitors"][0];
    assert_eq!(
        (
            disk["alerts"].as_i64(),
            disk["hosts"].as_i64(),
            disk["reviewed"].as_i64()
        ),
        (Some(8), Some(2), Some(7))
    );
    assert!((disk["no_action_share"].as_f64().unwrap() - 6.0 / 7.0).abs() < 1e-9);
    assert_eq!(disk["recovered_within_5m_share"], 1.0);
    assert_eq!(disk["wasted"], 7, "6 noise and one unreviewed blip");
    assert!(
        disk["suggestion"]
            .as_str()
            .unwrap()
            .starts_with("86% noise, median 2m"),
        "{}",
        disk["suggestion"]
    );
    let w = &disk["what_if"];
    assert_eq!(
        (w["with_value"].as_i64(), w["without_value"].as_i64()),
        (Some(8), Some(0))
    );
    assert_eq!(
        w["scenarios"][0],
        serde_json::json!({"threshold": "warning", "at": 94.0, "would_not_fire": 4, "of": 8})
    );
    assert_eq!(
        w["scenarios"][1],
        serde_json::json!({"threshold": "critical", "at": 96.0, "would_not_fire": 2, "of": 4})
    );

    let cpu = &r["monitors"][1];
    assert_eq!(cpu["flapping"], 1);
    assert!(cpu["suggestion"]
        .as_str()
        .unwrap()
        .contains("within 5 minutes"));
    assert_eq!(cpu["what_if"], Value::Null, "no thresholds known for cpu");
    let ping = &r["monitors"][2];
    assert_eq!(
        (ping["suggestion"].clone(), ping["wasted"].as_i64()),
        (Value::Null, Some(0))
    );
}

#[tokio::test]
async fn without_a_key_the_monitor_report_uses_stored_thresholds_and_says_what_it_cannot_know() {
    let now = chrono::Utc::now().timestamp();
    let db = monitors_db(now).await;
    let table = run_asakai(&db, &["report", "monitors"], &[]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("Thresholds unknown: set MACKEREL_APIKEY"),
        "{text}"
    );

    let mackerel = Mackerel::start(World {
        org: "acme".into(),
        monitors: vec![disk_monitor()],
        ..World::default()
    })
    .await;
    let env = [
        ("MACKEREL_APIKEY", KEY),
        ("MACKEREL_APIBASE", &mackerel.server.uri()),
    ];
    json_out(&run_asakai(
        &db,
        &["report", "monitors", "--format", "json"],
        &env,
    ));
    let offline = run_asakai(&db, &["report", "monitors", "--format", "markdown"], &[]);
    let md = String::from_utf8(offline.stdout).unwrap();
    assert!(md.contains("Thresholds as last read from Mackerel"), "{md}");
    assert!(
        md.contains("with warning at 94, at most 4 of 8 alerts would not have fired"),
        "{md}"
    );
    assert!(md.contains("What this report cannot know"), "{md}");
}
