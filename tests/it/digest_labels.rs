//! The digest's labels say what is true: recurring, the previous window, totals
//! that overlap, time to recovery, maintenance, future dates and days off.

use std::process::Command;

use asakai::digest::{self, Counts, Format, Lang, OffDay, Window};
use asakai::store::{testing, Store, StoredAlert};
use chrono::NaiveDate;
use serde_json::Value;

use crate::digest::{alert, dataset, now, spec, window, H};
use crate::helpers::{temp_store, TestDb};

const D: i64 = 86_400;
const HUMAN: [Format; 4] = [Format::Markdown, Format::Text, Format::Html, Format::Slack];

fn render_all(d: &digest::Digest, w: &Window) -> Vec<(Format, Lang, String)> {
    let mut out = Vec::new();
    for lang in [Lang::En, Lang::Ja] {
        for format in HUMAN {
            out.push((
                format,
                lang,
                digest::render(d, w, format, lang, None).unwrap(),
            ));
        }
    }
    out
}

async fn store_with(alerts: &[StoredAlert]) -> (Store, TestDb) {
    let (store, db) = temp_store().await;
    store.write_alerts(alerts, now()).await.unwrap();
    (store, db)
}

/// A host whose status asakai observed as `changes` (time, status), the last one current.
async fn host(store: &Store, id: &str, changes: &[(i64, &str)]) {
    let status = changes.last().map(|c| c.1);
    testing::execute(
        store,
        "INSERT INTO hosts (id, name, status, roles, fetched_at) \
         VALUES (?, ?, ?, '{\"shop\":[\"db\"]}', 0)",
        &[id.into(), id.trim_start_matches("h-").into(), status.into()],
    )
    .await
    .unwrap();
    for (at, status) in changes {
        testing::execute(
            store,
            "INSERT INTO host_status_changes (host_id, status, observed_at) VALUES (?, ?, ?)",
            &[id.into(), (*status).into(), (*at).into()],
        )
        .await
        .unwrap();
    }
}

async fn digest_from(store: &Store, w: &Window, at: i64) -> digest::Digest {
    let input = digest::load::input_at(store, w, &spec().previous(w), at)
        .await
        .unwrap();
    digest::build(input, w, at)
}

fn find<'a>(d: &'a digest::Digest, id: &str) -> &'a digest::DigestAlert {
    d.services
        .iter()
        .flat_map(|s| &s.alerts)
        .find(|a| a.alert.id == id)
        .unwrap()
}

#[tokio::test]
async fn an_alert_still_open_during_the_week_before_makes_its_pair_recurring() {
    let s = window().start;
    let (store, _db) = store_with(&[
        // Opened ten days before and closed two days before the window: open in the week before.
        alert(
            "long",
            "disk",
            Some("db01"),
            &["blog"],
            s - 10 * D,
            Some(s - 2 * D),
            Some("monitoring"),
            None,
        ),
        alert(
            "again",
            "disk",
            Some("db01"),
            &["blog"],
            s + H,
            Some(s + 2 * H),
            Some("monitoring"),
            None,
        ),
        // Open since nine days before: it was itself open in the week before.
        alert(
            "carried",
            "cpu",
            Some("db03"),
            &["blog"],
            s - 9 * D,
            None,
            None,
            None,
        ),
        // Its only predecessor closed eight days before: nothing open in the week before.
        alert(
            "old",
            "ping",
            Some("db04"),
            &["blog"],
            s - 9 * D,
            Some(s - 8 * D),
            Some("monitoring"),
            None,
        ),
        alert(
            "fresh",
            "ping",
            Some("db04"),
            &["blog"],
            s + H,
            None,
            None,
            None,
        ),
    ])
    .await;
    let d = digest_from(&store, &window(), now()).await;
    assert!(find(&d, "again").recurring, "the week before had it open");
    assert_eq!(find(&d, "again").fired_before_7d, 1);
    assert!(find(&d, "carried").recurring, "open from before counts");
    assert_eq!(find(&d, "carried").fired_before_7d, 1, "itself");
    assert!(
        !find(&d, "fresh").recurring,
        "closed eight days before: new"
    );
    assert_eq!(find(&d, "fresh").fired_before_7d, 0);
    let md = digest::render(&d, &window(), Format::Markdown, Lang::En, None).unwrap();
    let line = md.lines().find(|l| l.contains("`again`")).unwrap();
    assert!(
        line.contains("1× in 7 d") && !line.contains("new") && !line.contains("recurring"),
        "{line}"
    );
    let line = md.lines().find(|l| l.contains("`fresh`")).unwrap();
    assert!(line.contains("new"), "{line}");
    let ja = digest::render(&d, &window(), Format::Markdown, Lang::Ja, None).unwrap();
    let line = ja.lines().find(|l| l.contains("`again`")).unwrap();
    assert!(line.contains("7日間で1回"), "{line}");
}

#[test]
fn the_previous_window_is_named_and_compared_per_day_when_lengths_differ() {
    // Wednesday's window is Tuesday; the one before runs Friday to Tuesday over Monday's holiday.
    let mut input = dataset();
    input.previous = Counts {
        recovered: 8,
        ..Default::default()
    };
    let d = digest::build(input, &window(), now());
    assert!(d.compare_per_day);
    assert_eq!(
        d.previous_window.as_ref().unwrap().start.to_string(),
        "2026-11-20T00:00:00+09:00"
    );
    for (format, lang, out) in render_all(&d, &window()) {
        let (dates, change) = match lang {
            Lang::En => ("Fri 11-20 00:00 → Tue 11-24 00:00", "+3.0/day"),
            Lang::Ja => ("11/20(金) 00:00 → 11/24(火) 00:00", "+3.0/日"),
        };
        assert!(
            out.contains(dates),
            "{format:?} {lang:?} names the window: {out}"
        );
        assert!(
            out.contains(change),
            "{format:?} {lang:?}: 5/day against 8 in 4 days"
        );
        assert!(
            !out.contains("(-3)"),
            "{format:?} {lang:?}: no raw difference"
        );
    }
}

#[test]
fn windows_of_the_same_length_compare_plain_counts() {
    let date = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let w = spec().for_meeting(date);
    let input = digest::DigestInput {
        alerts: vec![alert(
            "r1",
            "cpu",
            Some("a"),
            &["shop"],
            w.start + H,
            Some(w.start + 2 * H),
            Some("monitoring"),
            None,
        )],
        previous: Counts {
            recovered: 2,
            ..Default::default()
        },
        previous_window: Some(spec().previous(&w)),
        ..Default::default()
    };
    let d = digest::build(input, &w, w.end + H);
    assert!(!d.compare_per_day);
    let md = digest::render(&d, &w, Format::Markdown, Lang::En, None).unwrap();
    assert!(md.contains("Wed 11-25 00:00 (1 day)"), "{md}");
    assert!(md.contains("Recovered 1 (-1)"), "{md}");
}

#[test]
fn overlapping_service_totals_are_explained_where_they_happen() {
    let d = digest::build(dataset(), &window(), now());
    assert_eq!(d.extra_service_listings, 1, "man1 is under blog and shop");
    for (format, lang, out) in render_all(&d, &window()) {
        let note = match lang {
            Lang::En => "Service totals add up to 12, more than the 11 alerts",
            Lang::Ja => "サービス別の件数の合計は12件",
        };
        assert!(out.contains(note), "{format:?} {lang:?}: {out}");
    }
    let mut single = dataset();
    single.alerts.retain(|a| a.services.len() <= 1);
    let d = digest::build(single, &window(), now());
    let md = digest::render(&d, &window(), Format::Markdown, Lang::En, None).unwrap();
    assert!(!md.contains("Service totals"), "no note when totals add up");
}

#[test]
fn time_to_recovery_counts_recovered_alerts_only() {
    let s = window().start;
    let input = digest::DigestInput {
        alerts: vec![
            alert(
                "r1",
                "cpu",
                Some("a"),
                &["shop"],
                s + H,
                Some(s + H + 600),
                Some("monitoring"),
                None,
            ),
            alert(
                "m1",
                "cpu",
                Some("b"),
                &["shop"],
                s + H,
                Some(s + 8 * H),
                Some("manual"),
                Some("done"),
            ),
            alert(
                "x1",
                "cpu",
                Some("c"),
                &["shop"],
                s + H,
                Some(s + 9 * H),
                Some("hostRetire"),
                None,
            ),
        ],
        ..Default::default()
    };
    let d = digest::build(input, &window(), now());
    let shop = &d.services[0];
    assert_eq!(
        (shop.recovery_median_secs, shop.recovery_p90_secs),
        (Some(600), Some(600))
    );
    let md = digest::render(&d, &window(), Format::Markdown, Lang::En, None).unwrap();
    assert!(md.contains("median 10m, p90 10m"), "{md}");
}

#[tokio::test]
async fn maintenance_is_as_observed_by_the_windows_end() {
    let w = window();
    let s = w.start;
    let (store, _db) = store_with(&[alert(
        "stuck",
        "disk",
        Some("db02"),
        &["shop"],
        s + H,
        None,
        None,
        None,
    )])
    .await;
    host(
        &store,
        "h-db02",
        &[(s - 5 * D, "working"), (s - 2 * D, "maintenance")],
    )
    .await;
    // First seen (by a backfill) after the window, already in maintenance.
    host(&store, "h-batch01", &[(w.end + 12 * H, "maintenance")]).await;

    let past = digest_from(&store, &w, w.end + 30 * D).await;
    let names: Vec<&str> = past
        .maintenance_hosts
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(names, ["db02"], "a past digest shows what was seen by then");
    assert_eq!(
        past.maintenance_hosts[0].since,
        Some(asakai::alert::Time(s - 2 * D))
    );
    assert!(find(&past, "stuck").host_in_maintenance);
    for (format, lang, out) in render_all(&past, &w) {
        let words = match lang {
            Lang::En => "host in maintenance",
            Lang::Ja => "ホストはメンテナンス中",
        };
        assert!(
            out.contains(words),
            "{format:?} {lang:?} marks the open alert"
        );
        assert!(!out.contains("batch01"), "{format:?} {lang:?}");
    }

    let today = digest_from(&store, &w, w.end + 13 * H).await;
    let batch = today
        .maintenance_hosts
        .iter()
        .find(|h| h.name == "batch01")
        .unwrap();
    assert!(
        batch.after_window && batch.seen_since.is_none(),
        "{batch:?}"
    );
    let md = digest::render(&today, &w, Format::Markdown, Lang::En, None).unwrap();
    let line = md.lines().find(|l| l.contains("batch01")).unwrap();
    assert!(
        line.contains("in maintenance now") && !line.contains("seen since"),
        "{line}"
    );

    let old = spec().for_meeting(NaiveDate::from_ymd_opt(1999, 1, 1).unwrap());
    let ancient = digest_from(&store, &old, w.end + 13 * H).await;
    assert!(
        ancient.maintenance_hosts.is_empty(),
        "{:?}",
        ancient.maintenance_hosts
    );
}

#[test]
fn a_window_not_yet_over_says_so_and_ages_alerts_to_now() {
    let w = window();
    let at = w.start + 6 * H;
    let d = digest::build(dataset(), &w, at);
    assert!(d.window.incomplete);
    let carried = d
        .carried_over
        .iter()
        .find(|a| a.alert.id == "carry1")
        .unwrap();
    assert_eq!(
        carried.duration_secs,
        3 * D + 6 * H,
        "open until now, not the window's end"
    );
    for (format, lang, out) in render_all(&d, &w) {
        let words = match lang {
            Lang::En => "This window has not ended yet",
            Lang::Ja => "この対象期間はまだ終わっていません",
        };
        assert!(out.contains(words), "{format:?} {lang:?}: {out}");
    }
}

fn asakai(db: &TestDb, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_asakai"))
        .arg("--db")
        .arg(db.arg())
        .args(args)
        .env_remove("ASAKAI_CONFIG")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_future_date_warns_and_a_day_off_says_so() {
    let (store, db) = store_with(&[]).await;
    store.close().await;
    let out = asakai(
        &db,
        &["digest", "--date", "2099-01-06", "--tz", "Asia/Tokyo"],
    );
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning") && err.contains("in the future"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("has not ended yet"));

    for (date, lang, words, kind) in [
        (
            "2026-11-28",
            "en",
            "Sat 2026-11-28 is a weekend day",
            "weekend",
        ),
        ("2026-11-23", "en", "Mon 2026-11-23 is a holiday", "holiday"),
        ("2026-11-23", "ja", "2026-11-23(月)は祝日", "holiday"),
    ] {
        let out = asakai(
            &db,
            &[
                "digest",
                "--date",
                date,
                "--tz",
                "Asia/Tokyo",
                "--lang",
                lang,
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(words), "{date} {lang}: {text}");
        let json = asakai(
            &db,
            &[
                "digest",
                "--date",
                date,
                "--tz",
                "Asia/Tokyo",
                "--format",
                "json",
            ],
        );
        let v: Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(v["window"]["off_day"], kind);
    }
    let weekday = asakai(
        &db,
        &[
            "digest",
            "--date",
            "2026-11-25",
            "--tz",
            "Asia/Tokyo",
            "--format",
            "json",
        ],
    );
    let v: Value = serde_json::from_slice(&weekday.stdout).unwrap();
    assert!(v["window"]["off_day"].is_null());
    let _ = OffDay::Weekend;
}
