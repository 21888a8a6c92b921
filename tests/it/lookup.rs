//! `asakai alerts`: filters and formats on a real store, and the binary end to end.

use std::process::Command;

use asakai::alert::State;
use asakai::lookup::{self, Format};
use asakai::store::{testing, AlertFilter, Store};
use asakai::sync::{run_pass, SyncOptions};
use serde_json::{json, Value};

use crate::helpers::*;

fn world() -> World {
    let mut check = alert("c1", "check", "chk", Some("h1"), "CRITICAL", NOW - 3600);
    check["message"] = json!("disk, \"var\" full\nsecond line");
    let mut manual = closed(
        alert("m1", "host", "cpu", Some("h2"), "OK", NOW - 2 * DAY),
        NOW - 2 * DAY + 600,
        Some("restarted nginx"),
    );
    manual["value"] = json!(93.5);
    let mut ext = alert("e1", "external", "ext", None, "WARNING", NOW - 40 * DAY);
    ext["message"] = json!("HTTP request failed - status is 500");
    World {
        org: "acme".into(),
        monitors: vec![
            json!({"id": "cpu", "type": "host", "name": "CPU 使用率"}),
            json!({"id": "ext", "type": "external", "name": "shop top", "service": "shop"}),
        ],
        checks: vec![("chk".into(), "check-disk".into())],
        hosts: vec![
            host("h1", "app01", "working", json!({"blog": ["app"]})),
            host(
                "h2",
                "db01",
                "working",
                json!({"blog": ["db"], "shop": ["db"]}),
            ),
            host("h3", "lonely", "working", json!({})),
        ],
        alerts: vec![
            check,
            manual,
            ext,
            closed(
                alert("r1", "host", "cpu", Some("h3"), "OK", NOW - DAY),
                NOW - DAY + 60,
                None,
            ),
        ],
        logs: [
            (
                "m1".to_owned(),
                vec![
                    log(NOW - 2 * DAY, "CRITICAL", "monitoring"),
                    log(NOW - 2 * DAY + 600, "OK", "manual"),
                ],
            ),
            (
                "r1".to_owned(),
                vec![
                    log(NOW - DAY, "WARNING", "monitoring"),
                    log(NOW - DAY + 60, "OK", "monitoring"),
                ],
            ),
        ]
        .into(),
        ..World::default()
    }
}

async fn synced() -> (Store, TestDb, Mackerel) {
    synced_on(TestDb::new().await).await
}

/// [`synced`] on the database `db`.
async fn synced_on(db: TestDb) -> (Store, TestDb, Mackerel) {
    let mackerel = Mackerel::start(world()).await;
    let store = db.open().await;
    let opts = SyncOptions {
        since: Some(NOW - 60 * DAY),
        ..SyncOptions::default()
    };
    run_pass(&mackerel.client(), &store, &opts, NOW)
        .await
        .unwrap();
    (store, db, mackerel)
}

#[tokio::test]
async fn every_filter_narrows_the_history_newest_first() {
    let (store, _db, _m) = synced().await;
    assert_eq!(
        ids(&store, AlertFilter::default()).await,
        ["c1", "r1", "m1", "e1"]
    );
    let svc = |s: &[&str]| AlertFilter {
        services: s.iter().map(|x| x.to_string()).collect(),
        ..Default::default()
    };
    assert_eq!(ids(&store, svc(&["shop"])).await, ["m1", "e1"]);
    assert_eq!(
        ids(&store, svc(&["blog", "shop"])).await,
        ["c1", "m1", "e1"]
    );
    assert_eq!(ids(&store, svc(&["(no service)"])).await, ["r1"]);
    assert_eq!(
        ids(
            &store,
            AlertFilter {
                monitor: Some("cpu".into()),
                ..Default::default()
            }
        )
        .await,
        ["r1", "m1"]
    );
    assert_eq!(
        ids(
            &store,
            AlertFilter {
                monitor: Some("使用率".into()),
                ..Default::default()
            }
        )
        .await,
        ["r1", "m1"]
    );
    assert_eq!(
        ids(
            &store,
            AlertFilter {
                host: Some("DB0".into()),
                ..Default::default()
            }
        )
        .await,
        ["m1"]
    );
    assert_eq!(
        ids(
            &store,
            AlertFilter {
                state: Some(State::Open),
                ..Default::default()
            }
        )
        .await,
        ["c1", "e1"]
    );
    assert_eq!(
        ids(
            &store,
            AlertFilter {
                state: Some(State::ClosedManually),
                ..Default::default()
            }
        )
        .await,
        ["m1"]
    );
    assert_eq!(
        ids(
            &store,
            AlertFilter {
                state: Some(State::Recovered),
                ..Default::default()
            }
        )
        .await,
        ["r1"]
    );
    assert_eq!(
        ids(
            &store,
            AlertFilter {
                severity: Some("CRITICAL".into()),
                ..Default::default()
            }
        )
        .await,
        ["c1", "m1"]
    );
    let range = AlertFilter {
        from: Some(NOW - 3 * DAY),
        to: Some(NOW - DAY + 1),
        ..Default::default()
    };
    assert_eq!(ids(&store, range).await, ["r1", "m1"]);
    let svc_range = AlertFilter {
        from: Some(NOW - 30 * DAY),
        ..svc(&["shop"])
    };
    assert_eq!(ids(&store, svc_range).await, ["m1"]);
    for (text, want) in [
        ("nginx", vec!["m1"]),
        ("var", vec!["c1"]),
        ("status is 500", vec!["e1"]),
        ("db", vec!["m1"]),
        ("%", vec![]),
    ] {
        assert_eq!(
            ids(
                &store,
                AlertFilter {
                    search: Some(text.into()),
                    ..Default::default()
                }
            )
            .await,
            want,
            "search {text}"
        );
    }
    assert_eq!(
        ids(
            &store,
            AlertFilter {
                limit: Some(2),
                ..Default::default()
            }
        )
        .await,
        ["c1", "r1"]
    );
}

#[tokio::test]
async fn json_output_is_the_alert_object_of_the_brief() {
    let (store, _db, m) = synced().await;
    let alerts = store
        .find_alerts(&AlertFilter {
            search: Some("nginx".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut out = Vec::new();
    lookup::write(&mut out, &alerts, Format::Json, chrono_tz::Asia::Tokyo, NOW).unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let expected = json!([{
        "id": "m1", "type": "host", "status": "OK", "severity": "CRITICAL", "state": "closed_manually",
        "monitor_id": "cpu", "monitor": "CPU 使用率", "host_id": "h2", "host": "db01",
        "services": ["blog", "shop"], "roles": ["blog:db", "shop:db"],
        "opened_at": "2025-11-22T16:00:00Z", "closed_at": "2025-11-22T16:10:00Z",
        "reason": "restarted nginx", "message": null, "value": 93.5,
        "url": format!("{}/orgs/acme/alerts/m1", m.server.uri()),
        "review": null, "task": null,
    }]);
    assert_eq!(v, expected);
}

#[tokio::test]
async fn csv_quotes_commas_quotes_and_newlines() {
    let (store, _db, _m) = synced().await;
    let alerts = store.find_alerts(&AlertFilter::default()).await.unwrap();
    let mut out = Vec::new();
    lookup::write(&mut out, &alerts, Format::Csv, chrono_tz::UTC, NOW).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("id,type,status,severity,state,monitor_id,monitor,host_id,host,services,")
    );
    assert!(
        text.contains("\"disk, \"\"var\"\" full\nsecond line\""),
        "{text}"
    );
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[0][14], "disk, \"var\" full\nsecond line");
    assert_eq!(&rows[2][9], "blog;shop");
}

#[tokio::test]
async fn the_table_fits_80_columns() {
    let (store, _db, _m) = synced().await;
    let alerts = store.find_alerts(&AlertFilter::default()).await.unwrap();
    let mut out = Vec::new();
    lookup::write(
        &mut out,
        &alerts,
        Format::Table,
        chrono_tz::Asia::Tokyo,
        NOW,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    for line in &lines {
        assert!(
            unicode_width::UnicodeWidthStr::width(*line) <= 80,
            "too wide: {line}"
        );
    }
    // Times in the team's zone: opened 2025-11-24T15:00Z is 11-25 00:00 in Tokyo.
    assert!(
        lines[1].starts_with("c1          11-25 00:00 open"),
        "{}",
        lines[1]
    );
    assert!(
        lines[3].contains("manual") && lines[3].contains("CRIT") && lines[3].contains("blog,shop")
    );
    assert!(
        lines[2].contains("recovered") && lines[2].contains(" - "),
        "{}",
        lines[2]
    );
}

fn asakai(db: &TestDb, base: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_asakai"))
        .args(args)
        .arg("--db")
        .arg(db.arg())
        .env("MACKEREL_APIBASE", base)
        .env("MACKEREL_APIKEY", KEY)
        .env_remove("ASAKAI_CONFIG")
        .env_remove("ASAKAI_DB")
        .output()
        .unwrap()
}

#[tokio::test]
async fn poll_then_alerts_work_from_the_command_line() {
    let mut w = world();
    // Make the alerts recent so the default backfill (7 days) reaches them, relative to the real clock.
    let now = chrono::Utc::now().timestamp();
    for a in &mut w.alerts {
        let shift = now - NOW;
        a["openedAt"] = json!(a["openedAt"].as_i64().unwrap() + shift);
        if let Some(c) = a.get("closedAt").and_then(Value::as_i64) {
            a["closedAt"] = json!(c + shift);
        }
    }
    let mackerel = Mackerel::start(w).await;
    let db = TestDb::new().await;
    let poll = asakai(&db, &mackerel.server.uri(), &["poll"]);
    let stderr = String::from_utf8_lossy(&poll.stderr);
    assert!(poll.status.success(), "{stderr}");
    assert!(
        stderr.contains("4 new") && stderr.contains("4 alerts stored"),
        "{stderr}"
    );
    assert!(!stderr.contains(KEY));

    let out = asakai(
        &db,
        &mackerel.server.uri(),
        &["alerts", "--format", "json", "--service", "blog"],
    );
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["c1", "m1"]
    );

    let bad = asakai(&db, &mackerel.server.uri(), &["alerts", "--state", "fixed"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("closed_manually"));
    let bad = asakai(
        &db,
        &mackerel.server.uri(),
        &["alerts", "--from", "yesterday"],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--from"));
}

#[tokio::test]
async fn poll_with_a_rejected_key_exits_non_zero_without_printing_the_key() {
    let mackerel = Mackerel::start(world()).await;
    let db = TestDb::new().await;
    let out = Command::new(env!("CARGO_BIN_EXE_asakai"))
        .args(["poll", "--db", db.arg()])
        .env("MACKEREL_APIBASE", mackerel.server.uri())
        .env("MACKEREL_APIKEY", "not-the-key-999")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("rejected the API key"), "{stderr}");
    assert!(!stderr.contains("not-the-key-999"));
}

#[tokio::test]
async fn the_window_query_reads_index_ranges_not_the_whole_table() {
    use asakai::digest::Reach;
    // SQLite's planner: the plan and the index names are SQLite's.
    let (store, _db, _m) = synced_on(TestDb::sqlite()).await;
    for (reach, index) in [
        (Reach::ByClose, "alerts_closed_at"),
        (Reach::ByOpen, "alerts_opened_at"),
    ] {
        let plan = testing::query_plan(
            &store,
            &testing::window_query(reach),
            &[(NOW - DAY).into(), NOW.into(), (NOW - 30 * DAY).into()],
        )
        .await
        .unwrap();
        let steps: Vec<&str> = plan.iter().map(String::as_str).collect();
        assert!(steps.iter().all(|s| !s.starts_with("SCAN a")), "{steps:?}");
        for index in [index, "alerts_opened_at", "alerts_still_open"] {
            assert!(
                steps.iter().any(|s| s.contains(index)),
                "{reach:?}: {index} in {steps:?}"
            );
        }
        if reach == Reach::ByOpen {
            let before = steps
                .iter()
                .filter(|s| s.contains("alerts_opened_at (opened_at>? AND opened_at<?)"))
                .count();
            assert_eq!(
                before, 2,
                "both opening ranges bounded on both sides: {steps:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_search_with_many_matches_still_returns_the_newest_first() {
    let mut w = world();
    for i in 0..60 {
        let mut a = closed(
            alert(
                &format!("n{i:02}"),
                "chk",
                "chk",
                Some("h1"),
                "OK",
                NOW - 10 * DAY + i * 60,
            ),
            NOW - 9 * DAY,
            None,
        );
        a["message"] = json!(format!("nginx is down ({i})"));
        w.alerts.push(a);
    }
    let mackerel = Mackerel::start(w).await;
    let (store, _db) = temp_store().await;
    let opts = SyncOptions {
        since: Some(NOW - 60 * DAY),
        logs_per_pass: 0,
        ..SyncOptions::default()
    };
    run_pass(&mackerel.client(), &store, &opts, NOW)
        .await
        .unwrap();
    // 61 matches for a limit of 2: asakai walks the time index instead of sorting every match.
    let found = ids(
        &store,
        AlertFilter {
            search: Some("nginx".into()),
            limit: Some(2),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(found, ["m1", "n59"], "m1 was closed as \"restarted nginx\"");
    let all = ids(
        &store,
        AlertFilter {
            search: Some("nginx".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(all.len(), 61);
    assert_eq!(all[..2], found[..]);
}

#[tokio::test]
async fn a_busy_service_with_a_limit_returns_its_newest_alerts_either_way() {
    // 60 alerts on h1 (blog) and one on h3 (no service): for a limit of 2 the
    // service filter walks the time index; without a limit it lists the service's ids.
    let mut w = world();
    for i in 0..60 {
        w.alerts.push(alert(
            &format!("b{i:02}"),
            "host",
            "cpu",
            Some("h1"),
            "CRITICAL",
            NOW - 20 * DAY + i * 60,
        ));
    }
    w.alerts.push(alert(
        "lone",
        "host",
        "cpu",
        Some("h3"),
        "CRITICAL",
        NOW - 60,
    ));
    let mackerel = Mackerel::start(w).await;
    let (store, _db) = temp_store().await;
    let opts = SyncOptions {
        since: Some(NOW - 60 * DAY),
        logs_per_pass: 0,
        ..SyncOptions::default()
    };
    run_pass(&mackerel.client(), &store, &opts, NOW)
        .await
        .unwrap();
    let blog = |limit| AlertFilter {
        services: vec!["blog".into()],
        limit,
        ..Default::default()
    };
    let all = ids(&store, blog(None)).await;
    let newest = ids(&store, blog(Some(2))).await;
    assert!(!all.contains(&"lone".to_owned()));
    assert_eq!(newest, all[..2], "the same newest two by either plan");
    assert_eq!(newest[0], "c1", "c1 (h1, blog) opened an hour ago");
}

#[tokio::test]
async fn a_term_no_text_holds_finds_nothing_until_an_alert_brings_it() {
    // On PostgreSQL a term no stored text holds reads no alert at all; that must be
    // asked anew, not kept: the next alert may hold it.
    let (store, _db) = store_with(&every_other_holding(|i| format!("run {i}"))).await;
    let search = |text: &str| AlertFilter {
        search: Some(text.into()),
        limit: Some(100),
        ..Default::default()
    };
    assert!(ids(&store, search("zq")).await.is_empty());
    assert!(ids(&store, search("qzx")).await.is_empty());
    let mut late = stored_alert("late", "disk", Some("app01"), NOW, None);
    late.message = Some("qzx on zq".into());
    store.write_alerts(&[late], NOW).await.unwrap();
    assert_eq!(ids(&store, search("zq")).await, ["late"]);
    assert_eq!(ids(&store, search("qzx")).await, ["late"]);
}

#[tokio::test]
async fn a_service_searched_while_quiet_is_found_in_full_once_it_turns_busy() {
    // A store keeps a service filter's plan for a minute (store::recent_plans):
    // "blog" is planned from its 3 alerts, then 60 newer ones bring it past the
    // threshold (40 for a limit of 2). The plan kept must still find the newest, as
    // a store that plans afresh does.
    let alert = |i: i64, service: &str| {
        let mut a = stored_alert(
            &format!("{service}{i:02}"),
            "cpu",
            Some("app01"),
            NOW - DAY + i * 60,
            None,
        );
        a.services = vec![service.into()];
        a
    };
    let quiet: Vec<_> = (0..3).map(|i| alert(i, "blog")).collect();
    let (store, db) = store_with(&quiet).await;
    let blog = |limit| AlertFilter {
        services: vec!["blog".into()],
        limit,
        ..Default::default()
    };
    assert_eq!(ids(&store, blog(Some(2))).await, ["blog02", "blog01"]);
    let busy: Vec<_> = (3..63)
        .map(|i| alert(i, "blog"))
        .chain((0..70).map(|i| alert(i, "shop")))
        .collect();
    store.write_alerts(&busy, NOW).await.unwrap();
    let all = finds_as_afresh(&store, &db, blog, "blog62").await;
    assert_eq!(all.len(), 63);
}

#[tokio::test]
async fn the_service_index_follows_every_change_of_an_alerts_services() {
    // alert_services is written by triggers from the alerts' own `services`: an
    // alert moved to other services, or found to have opened at another time, is
    // found under its new services and opening time only.
    let mut a = stored_alert("a1", "cpu", Some("h1"), NOW - 3 * DAY, None);
    a.services = vec!["blog".into(), "shop".into()];
    let b = stored_alert("b1", "cpu", Some("h2"), NOW - DAY, None);
    let (store, _db) = store_with(&[a.clone(), b]).await;
    let rows = || async {
        let q =
            "SELECT service || ' ' || opened_at || ' ' || alert_id FROM alert_services ORDER BY 1";
        testing::strings(&store, q, &[]).await.unwrap()
    };
    let opened = NOW - 3 * DAY;
    assert_eq!(
        rows().await,
        [
            format!("blog {opened} a1"),
            format!("blog {} b1", NOW - DAY),
            format!("shop {opened} a1"),
        ]
    );

    a.services = vec!["shop".into(), "wiki".into()];
    a.opened_at = NOW - 2 * DAY;
    store.write_alerts(&[a.clone()], NOW).await.unwrap();
    let moved = NOW - 2 * DAY;
    assert_eq!(
        rows().await,
        [
            format!("blog {} b1", NOW - DAY),
            format!("shop {moved} a1"),
            format!("wiki {moved} a1"),
        ]
    );
    let in_range = |service: &str, from: i64, limit| AlertFilter {
        services: vec![service.into()],
        from: Some(from),
        to: Some(NOW),
        limit,
        ..Default::default()
    };
    for limit in [None, Some(1)] {
        assert_eq!(
            ids(&store, in_range("blog", NOW - 4 * DAY, limit)).await,
            ["b1"]
        );
        assert_eq!(
            ids(&store, in_range("wiki", NOW - 4 * DAY, limit)).await,
            ["a1"]
        );
        // Its old opening time is out of this range; its new one is in.
        assert_eq!(
            ids(&store, in_range("shop", NOW - 2 * DAY - 60, limit)).await,
            ["a1"]
        );
    }

    // Written again unchanged: nothing moves. Deleted: its entries go with it.
    store.write_alerts(&[a], NOW).await.unwrap();
    assert_eq!(rows().await.len(), 3);
    testing::execute(&store, "DELETE FROM alerts WHERE id = 'a1'", &[])
        .await
        .unwrap();
    assert_eq!(rows().await, [format!("blog {} b1", NOW - DAY)]);
}

#[tokio::test]
async fn host_and_monitor_match_an_id_or_a_name_part_in_any_case() {
    let (store, _db, _m) = synced().await;
    let by = |monitor: Option<&str>, host: Option<&str>, limit| AlertFilter {
        monitor: monitor.map(Into::into),
        host: host.map(Into::into),
        limit,
        ..Default::default()
    };
    // Through the text index (three characters or more), with and without a limit.
    for limit in [None, Some(1)] {
        assert_eq!(ids(&store, by(None, Some("DB0"), limit)).await, ["m1"]);
    }
    let cpu = ids(&store, by(Some("使用率"), None, None)).await;
    assert_eq!(cpu, ["r1", "m1"]);
    assert_eq!(
        ids(&store, by(Some("使用率"), None, Some(1))).await,
        cpu[..1]
    );
    // By id, and by a short part (LIKE).
    assert_eq!(ids(&store, by(None, Some("h2"), None)).await, ["m1"]);
    assert_eq!(ids(&store, by(Some("cpu"), None, None)).await, ["r1", "m1"]);
    assert_eq!(ids(&store, by(None, Some("db"), None)).await, ["m1"]);
    assert!(ids(&store, by(None, Some("no-such-host"), None))
        .await
        .is_empty());
}

#[tokio::test]
async fn an_alert_is_found_by_its_new_text_once_it_changes_and_not_by_the_old() {
    let mut alerts = short_text_alerts();
    let (store, _db) = store_with(&alerts).await;
    let search = |text: &str| AlertFilter {
        search: Some(text.into()),
        ..Default::default()
    };
    assert_eq!(ids(&store, search("restarted")).await, ["start"]);
    alerts[2].reason = Some("rolled back by hand".into());
    alerts[2].host_name = Some("web07".into());
    store.write_alerts(&alerts[2..3], NOW).await.unwrap();
    assert!(ids(&store, search("restarted")).await.is_empty());
    assert!(ids(&store, search("zq"))
        .await
        .iter()
        .all(|id| id != "start"));
    assert_eq!(ids(&store, search("ROLLED BACK")).await, ["start"]);
    assert_eq!(ids(&store, search("7")).await, ["start"]);
    let host = |text: &str| AlertFilter {
        host: Some(text.into()),
        ..Default::default()
    };
    assert_eq!(ids(&store, host("web0")).await, ["start"]);
    // Two alerts of the same text are both found, and each keeps its own when one changes.
    assert_eq!(ids(&store, search("code zq")).await, ["end"]);
    alerts[1].message = Some("code zq".into());
    store.write_alerts(&alerts[1..2], NOW).await.unwrap();
    assert_eq!(ids(&store, search("code zq")).await, ["mid", "end"]);
    alerts[1].message = Some("a ZQ b".into());
    store.write_alerts(&alerts[1..2], NOW).await.unwrap();
    assert_eq!(ids(&store, search("code zq")).await, ["end"]);
}

/// Alerts whose text holds short terms at the start, the middle and the very end of a
/// value, in any case, and a host named with two characters.
fn short_text_alerts() -> Vec<asakai::store::StoredAlert> {
    let mut alerts = Vec::new();
    let mut push = |id: &str, host: &str, message: Option<&str>, reason: Option<&str>, at: i64| {
        let mut a = stored_alert(id, "disk", Some(host), at, Some(at + 60));
        a.message = message.map(Into::into);
        a.reason = reason.map(Into::into);
        alerts.push(a);
    };
    push("end", "app01", Some("code zq"), None, NOW - 5 * DAY);
    push("mid", "app01", Some("a ZQ b"), None, NOW - 4 * DAY);
    push("start", "app01", None, Some("zq restarted"), NOW - 3 * DAY);
    push("apart", "app01", Some("z q"), None, NOW - 2 * DAY);
    push("tiny", "db", None, Some("é"), NOW - DAY);
    alerts
}

#[tokio::test]
async fn one_and_two_character_terms_find_every_alert_holding_them() {
    let (store, _db) = store_with(&short_text_alerts()).await;
    let search = |text: &str, limit: Option<u32>| AlertFilter {
        search: Some(text.into()),
        limit,
        ..Default::default()
    };
    for limit in [None, Some(100)] {
        assert_eq!(
            ids(&store, search("zq", limit)).await,
            ["start", "mid", "end"],
            "a term at the end of a text is indexed like one inside it"
        );
        assert_eq!(
            ids(&store, search("Zq", limit)).await,
            ["start", "mid", "end"]
        );
        assert_eq!(ids(&store, search("é", limit)).await, ["tiny"]);
        assert_eq!(
            ids(&store, search("q", limit)).await,
            ["apart", "start", "mid", "end"]
        );
        assert!(ids(&store, search("qz", limit)).await.is_empty());
        // The padding that indexes short terms is not text of the alert.
        assert!(ids(&store, search("\u{1}", limit)).await.is_empty());
        let host = |text: &str| AlertFilter {
            host: Some(text.into()),
            limit,
            ..Default::default()
        };
        assert_eq!(ids(&store, host("db")).await, ["tiny"]);
        assert_eq!(ids(&store, host("B")).await, ["tiny"]);
        assert!(
            ids(&store, host("zq")).await.is_empty(),
            "--host looks in host names only"
        );
    }
}

/// 120 alerts a minute apart, `a000` the oldest; the even ones' message is
/// `holding(i)`, the odd ones' "run i".
fn every_other_holding(holding: impl Fn(i64) -> String) -> Vec<asakai::store::StoredAlert> {
    (0..120)
        .map(|i| {
            let mut a = stored_alert(
                &format!("a{i:03}"),
                "disk",
                Some("app01"),
                NOW - DAY + i * 60,
                None,
            );
            a.message = Some(if i % 2 == 0 {
                holding(i)
            } else {
                format!("run {i}")
            });
            a
        })
        .collect()
}

#[tokio::test]
async fn a_short_term_with_many_matches_gives_the_same_alerts_either_way() {
    // 60 alerts holding "zq" and 60 without: for a limit of 2 the count passes the
    // threshold (40) and the search walks newest first against the index's list;
    // without a limit it joins the list. Both give the newest first.
    let alerts = every_other_holding(|i| format!("run {i} zq"));
    let (store, _db) = store_with(&alerts).await;
    let search = |limit| AlertFilter {
        search: Some("zq".into()),
        limit,
        ..Default::default()
    };
    let all = ids(&store, search(None)).await;
    assert_eq!(all.len(), 60);
    assert_eq!(all[0], "a118");
    assert_eq!(all[59], "a000");
    assert_eq!(ids(&store, search(Some(2))).await, ["a118", "a116"]);
    assert_eq!(ids(&store, search(Some(100))).await, all);
}

#[tokio::test]
async fn a_term_searched_while_rare_is_found_in_full_once_it_turns_common() {
    // A store keeps a term's plan for a minute (store::recent_plans, on SQLite):
    // "zq" is planned from its 3 matches, then 60 newer alerts bring it past the
    // threshold (40 for a limit of 2). The plan kept is the wrong one for speed, and
    // must still find the newest, as a store that plans afresh does.
    let alerts = every_other_holding(|i| format!("run {i} zq"));
    let (early, late) = alerts.split_at(114);
    let rare: Vec<_> = early
        .iter()
        .filter(|a| a.message.as_deref().is_some_and(|m| m.contains("zq")))
        .skip(54)
        .cloned()
        .collect();
    assert_eq!(rare.len(), 3);
    let (store, db) = store_with(&rare).await;
    let search = |limit| AlertFilter {
        search: Some("zq".into()),
        limit,
        ..Default::default()
    };
    assert_eq!(ids(&store, search(Some(2))).await, ["a112", "a110"]);
    let common: Vec<_> = every_other_holding(|i| format!("run {i} zq"))
        .into_iter()
        .map(|mut a| {
            a.id = format!("b{}", &a.id[1..]);
            a.opened_at += DAY / 2;
            a
        })
        .chain(late.iter().cloned())
        .collect();
    store.write_alerts(&common, NOW).await.unwrap();
    let all = finds_as_afresh(&store, &db, search, "b118").await;
    assert_eq!(all.len(), 3 + 60 + 3);
}

/// Checks that `store`, which planned `lookup` earlier, finds for a limit of 2, 100
/// and none what a store opened afresh on `db` finds, `newest` first; every match.
async fn finds_as_afresh(
    store: &Store,
    db: &TestDb,
    lookup: impl Fn(Option<u32>) -> AlertFilter,
    newest: &str,
) -> Vec<String> {
    let afresh = db.open().await;
    let mut kept = Vec::new();
    for limit in [Some(2), Some(100), None] {
        kept = ids(store, lookup(limit)).await;
        assert_eq!(kept, ids(&afresh, lookup(limit)).await, "limit {limit:?}");
        assert_eq!(
            kept.first().map(String::as_str),
            Some(newest),
            "limit {limit:?}"
        );
    }
    kept
}

#[tokio::test]
async fn a_short_term_too_common_to_list_is_found_row_by_row() {
    // 60,000 occurrences of "zq" in 60 alerts: past the 50,000 the index's list is
    // read for, the search checks each alert's text while walking newest first.
    let alerts = every_other_holding(|_| "zq ".repeat(1000));
    let (store, _db) = store_with(&alerts).await;
    let search = |limit| AlertFilter {
        search: Some("Zq".into()),
        limit,
        ..Default::default()
    };
    assert_eq!(ids(&store, search(Some(2))).await, ["a118", "a116"]);
    assert_eq!(ids(&store, search(None)).await.len(), 60);
}

#[tokio::test]
async fn a_letter_outside_ascii_is_found_in_either_case_however_the_search_runs() {
    // LIKE folds the case of ASCII letters only, the index that of every letter. Each
    // plan that could use LIKE is taken here: a common phrase with a limit (the walk
    // looks first), a common part of a host name, and a short term too common to list.
    // Every fourth alert holds the capital, the others of every second the small one.
    let case = |i: i64, small: &str, capital: &str| match i % 4 {
        0 => capital.to_owned(),
        _ => small.to_owned(),
    };
    let mut alerts = every_other_holding(|i| {
        format!(
            "{} {}",
            case(i, "überlast", "Überlast"),
            case(i, "é ", "É ").repeat(1000)
        )
    });
    for (i, a) in alerts.iter_mut().enumerate() {
        let i = i as i64;
        a.host_name = Some(if i % 2 == 0 {
            case(i, "über-db", "Über-db")
        } else {
            "app".into()
        });
    }
    let (store, _db) = store_with(&alerts).await;
    // Two of 60 matches: past the 40 (20 × the limit) a list is read for.
    let expected = ["a118", "a116"];
    for term in ["über", "ÜBER", "é", "É"] {
        let search = AlertFilter {
            search: Some(term.into()),
            limit: Some(2),
            ..Default::default()
        };
        assert_eq!(ids(&store, search).await, expected, "--search {term}");
    }
    let host = AlertFilter {
        host: Some("über".into()),
        limit: Some(2),
        ..Default::default()
    };
    assert_eq!(ids(&store, host).await, expected, "--host über");
}

/// Pages through every match of `search` `limit` at a time, by the listing's cursor.
async fn all_pages(store: &Store, search: &str, limit: u32, oldest_first: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .find_alerts(&AlertFilter {
                search: Some(search.into()),
                limit: Some(limit),
                before: before.clone(),
                oldest_first,
                ..Default::default()
            })
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        before = Some((last.opened_at, last.id.clone()));
        out.extend(page.into_iter().map(|a| a.id));
    }
    out
}

#[tokio::test]
async fn a_common_term_is_found_in_order_whether_its_matches_are_recent_or_old() {
    // 400 alerts, several opened in the same second. "nginx" is in every third of
    // the newest 200 (recent: the first rows walked hold the limit) and in every one
    // of the oldest 60 (old: the first rows walked hold none, the match list is read).
    let mut alerts = Vec::new();
    for i in 0..400i64 {
        let mut a = stored_alert(
            &format!("a{i:03}"),
            "web",
            Some("app01"),
            NOW - 10 * DAY + (i / 3) * 60,
            None,
        );
        let recent = i >= 200 && i % 3 == 0;
        a.message = Some(if recent || i < 60 {
            format!("nginx {i}")
        } else {
            format!("ok {i}")
        });
        alerts.push(a);
    }
    let (store, _db) = store_with(&alerts).await;
    let mut newest_first: Vec<String> = alerts
        .iter()
        .filter(|a| a.message.as_deref().unwrap().starts_with("nginx"))
        .map(|a| a.id.clone())
        .collect();
    newest_first.reverse();
    assert_eq!(newest_first.len(), 127);
    for limit in [2, 5, 50] {
        assert_eq!(
            all_pages(&store, "nginx", limit, false).await,
            newest_first,
            "limit {limit}"
        );
        let mut oldest_first = newest_first.clone();
        oldest_first.reverse();
        assert_eq!(
            all_pages(&store, "nginx", limit, true).await,
            oldest_first,
            "limit {limit}, oldest first"
        );
    }
}

#[tokio::test]
async fn csv_text_that_a_spreadsheet_would_run_is_neutralised_and_json_stays_exact() {
    let mut w = world();
    w.monitors[0]["name"] = json!("-2+3 monitor");
    w.hosts[1]["name"] = json!("@db01");
    let hyperlink = "=HYPERLINK(\"http://x.example\",\"y\")";
    w.alerts[0]["message"] = json!(hyperlink);
    w.alerts[1]["reason"] = json!("+cmd|' /C calc'!A0");
    w.alerts[1]["value"] = json!(-3.5);
    w.alerts[2]["message"] = json!("\tTAB first");
    let mackerel = Mackerel::start(w).await;
    let (store, _db) = temp_store().await;
    let opts = SyncOptions {
        since: Some(NOW - 60 * DAY),
        ..SyncOptions::default()
    };
    run_pass(&mackerel.client(), &store, &opts, NOW)
        .await
        .unwrap();
    let alerts = store.find_alerts(&AlertFilter::default()).await.unwrap();

    let mut out = Vec::new();
    lookup::write(&mut out, &alerts, Format::Csv, chrono_tz::UTC, NOW).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let by_id = |id: &str| rows.iter().find(|r| &r[0] == id).unwrap().clone();
    assert_eq!(&by_id("c1")[14], format!("'{hyperlink}"));
    let m1 = by_id("m1");
    assert_eq!(&m1[6], "'-2+3 monitor");
    assert_eq!(&m1[8], "'@db01");
    assert_eq!(&m1[13], "'+cmd|' /C calc'!A0");
    assert_eq!(&m1[15], "-3.5", "a number is not text: it stays as it is");
    assert_eq!(&by_id("e1")[14], "'\tTAB first");
    assert_eq!(&by_id("r1")[6], "'-2+3 monitor");

    let mut out = Vec::new();
    lookup::write(&mut out, &alerts, Format::Json, chrono_tz::UTC, NOW).unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let c1 = v.as_array().unwrap().iter().find(|a| a["id"] == "c1");
    assert_eq!(c1.unwrap()["message"], hyperlink);
    let m1 = v.as_array().unwrap().iter().find(|a| a["id"] == "m1");
    assert_eq!(m1.unwrap()["monitor"], "-2+3 monitor");
}

#[tokio::test]
async fn a_monitor_is_found_by_its_id_and_no_alert_by_an_empty_one() {
    let mut alerts = vec![
        stored_alert("cpu1", "cpu", Some("web01"), NOW - 300, None),
        stored_alert("cpu2", "cpu", None, NOW - 200, Some(NOW - 100)),
        stored_alert("disk", "disk", Some("web01"), NOW - 150, None),
        stored_alert("nomon", "deleted", Some("web01"), NOW - 50, None),
    ];
    alerts[3].monitor_id = None;
    alerts[3].monitor_name = None;
    let (store, _db) = store_with(&alerts).await;
    let monitor = |text: &str| AlertFilter {
        monitor: Some(text.into()),
        ..Default::default()
    };
    assert_eq!(ids(&store, monitor("m-cpu")).await, ["cpu2", "cpu1"]);
    assert_eq!(ids(&store, monitor("m-disk")).await, ["disk"]);
    // No monitor's id is empty, and an alert without a monitor has no name to match:
    // on PostgreSQL the id is compared with NULL as '', which must not find it.
    let empty = ids(&store, monitor("")).await;
    assert!(!empty.contains(&"nomon".to_string()), "{empty:?}");
}
