//! The digest: build on a hand-made dataset, every format in both languages,
//! hostile text, Slack delivery, and the command's errors.

use std::collections::{HashMap, HashSet};

use asakai::alert::State;
use asakai::digest::{
    self, Calendar, DigestInput, Format, HostInMaintenance, Lang, Mode, Window, WindowSpec,
};
use asakai::store::StoredAlert;
use chrono::NaiveDate;
use serde_json::Value;

pub(crate) const H: i64 = 3600;

pub(crate) fn spec() -> WindowSpec {
    WindowSpec {
        tz: chrono_tz::Asia::Tokyo,
        mode: Mode::CalendarDay,
        meeting_time: digest::parse_meeting_time("09:30").unwrap(),
        calendar: Calendar {
            japanese: true,
            extra: Default::default(),
        },
    }
}

/// The meeting of Wednesday 2026-11-25: the window is Tuesday 24th in Tokyo.
pub(crate) fn window() -> Window {
    spec().for_meeting(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap())
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn alert(
    id: &str,
    monitor: &str,
    host: Option<&str>,
    services: &[&str],
    opened: i64,
    closed: Option<i64>,
    cause: Option<&str>,
    reason: Option<&str>,
) -> StoredAlert {
    StoredAlert {
        id: id.into(),
        kind: if host.is_some() {
            "host".into()
        } else {
            "service".into()
        },
        status: if closed.is_some() {
            "OK".into()
        } else {
            "CRITICAL".into()
        },
        severity: Some("CRITICAL".into()),
        monitor_id: Some(format!("m-{monitor}")),
        monitor_name: Some(monitor.into()),
        host_id: host.map(|h| format!("h-{h}")),
        host_name: host.map(Into::into),
        opened_at: opened,
        closed_at: closed,
        close_cause: cause.map(Into::into),
        reason: reason.map(Into::into),
        message: None,
        value: None,
        memo: None,
        series: None,
        roles: vec![],
        services: services.iter().map(|s| s.to_string()).collect(),
        url: Some(format!("https://mackerel.io/orgs/acme/alerts/{id}")),
        image_url: None,
        gone: false,
        logs_read: cause.is_some(),
        attribution_pending: false,
    }
}

/// A day covering every state, multi-service and no-service alerts, an alert closed
/// after the window (open in this digest), one carried over, and a flapping monitor.
pub(crate) fn dataset() -> DigestInput {
    let w = window();
    let s = w.start;
    let mut alerts = vec![
        alert(
            "open1",
            "cpu",
            Some("app01"),
            &["blog"],
            s + 2 * H,
            None,
            None,
            None,
        ),
        alert(
            "rec1",
            "cpu",
            Some("app02"),
            &["blog"],
            s + 3 * H,
            Some(s + 3 * H + 600),
            Some("monitoring"),
            None,
        ),
        alert(
            "man1",
            "disk",
            Some("db01"),
            &["blog", "shop"],
            s + 4 * H,
            Some(s + 6 * H),
            Some("manual"),
            Some("cleaned /var/log"),
        ),
        alert(
            "sys1",
            "connectivity",
            Some("old01"),
            &["shop"],
            s + 5 * H,
            Some(s + 5 * H + 60),
            Some("hostRetire"),
            None,
        ),
        alert(
            "none1",
            "role average",
            None,
            &[],
            s + 6 * H,
            Some(s + 6 * H + 300),
            None,
            None,
        ),
        alert(
            "late1",
            "5xx",
            None,
            &["shop"],
            s + 20 * H,
            Some(w.end + 2 * H),
            Some("monitoring"),
            None,
        ),
        alert(
            "carry1",
            "disk",
            Some("db02"),
            &["shop"],
            s - 3 * 86_400,
            None,
            None,
            None,
        ),
        alert(
            "guess1",
            "latency",
            None,
            &["api"],
            s + 7 * H,
            Some(s + 8 * H),
            None,
            Some("restarted"),
        ),
    ];
    for i in 0..3 {
        alerts.push(alert(
            &format!("flap{i}"),
            "load",
            Some("worker01"),
            &["api"],
            s + 10 * H + i * 900,
            Some(s + 10 * H + i * 900 + 120),
            Some("monitoring"),
            None,
        ));
    }
    alerts.sort_by_key(|a| a.opened_at);
    let notes = meeting_notes(&alerts, s);
    DigestInput {
        notes,
        alerts,
        previous: digest::Counts {
            recovered: 1,
            ..Default::default()
        },
        previous_window: Some(spec().previous(&w)),
        recent_pairs: HashMap::from([((Some("m-cpu".to_owned()), Some("h-app01".to_owned())), 4)]),
        maintenance: vec![HostInMaintenance {
            id: "h-batch01".into(),
            name: "batch01".into(),
            services: vec!["shop".into()],
            since: Some(s - 2 * 86_400),
            seen_since: Some(s - 2 * 86_400),
            after_window: false,
        }],
        last_alert_before: Some(s - 20 * H),
        org_url: Some("https://mackerel.io/orgs/acme".into()),
        off_day: None,
    }
}

pub(crate) fn now() -> i64 {
    window().end + 1800
}

#[test]
fn alerts_are_grouped_by_service_and_state_at_the_windows_end() {
    let d = digest::build(dataset(), &window(), now());
    assert_eq!(
        (
            d.totals.open,
            d.totals.recovered,
            d.totals.closed_manually,
            d.totals.closed_by_system
        ),
        (3, 5, 2, 1)
    );
    assert_eq!(d.totals.total(), 11, "each alert counted once");
    assert_eq!(d.previous_totals.recovered, 1);

    let names: Vec<Option<&str>> = d.services.iter().map(|s| s.service.as_deref()).collect();
    assert_eq!(
        names,
        [Some("shop"), Some("blog"), Some("api"), None],
        "by open alerts, then total"
    );
    let shop = &d.services[0];
    assert_eq!(
        (
            shop.counts.open,
            shop.counts.closed_manually,
            shop.counts.closed_by_system
        ),
        (2, 1, 1)
    );
    let order: Vec<&str> = shop.alerts.iter().map(|a| a.alert.id.as_str()).collect();
    assert_eq!(
        order,
        ["late1", "carry1", "man1", "sys1"],
        "open, manual, system, recovered; then monitor"
    );
    let late = shop.alerts.iter().find(|a| a.alert.id == "late1").unwrap();
    assert_eq!(
        late.alert.state,
        State::Open,
        "closed after the window's end: open in this digest"
    );
    assert_eq!(late.alert.closed_at, None);
    assert_eq!(late.alert.status, "CRITICAL");

    let blog = &d.services[1];
    assert!(
        blog.alerts.iter().any(|a| a.alert.id == "man1"),
        "a multi-service alert is under each of its services"
    );
    assert!(
        blog.alerts
            .iter()
            .find(|a| a.alert.id == "open1")
            .unwrap()
            .recurring
    );
    assert!(
        !blog
            .alerts
            .iter()
            .find(|a| a.alert.id == "rec1")
            .unwrap()
            .recurring,
        "new"
    );
    assert_eq!(d.services[3].alerts[0].alert.id, "none1");

    let guessed = d.services[2]
        .alerts
        .iter()
        .find(|a| a.alert.id == "guess1")
        .unwrap();
    assert_eq!(
        (guessed.alert.state, guessed.state_guessed),
        (State::ClosedManually, true)
    );
}

#[test]
fn carried_over_flapping_noise_recovery_and_maintenance_are_reported() {
    let d = digest::build(dataset(), &window(), now());
    assert_eq!(
        d.carried_over
            .iter()
            .map(|a| a.alert.id.as_str())
            .collect::<Vec<_>>(),
        ["carry1"]
    );
    assert_eq!(
        d.carried_over[0].duration_secs,
        4 * 86_400,
        "its age at the window's end"
    );
    assert_eq!(d.flapping.len(), 1);
    assert_eq!(
        (
            d.flapping[0].monitor.as_str(),
            d.flapping[0].host.as_deref(),
            d.flapping[0].count
        ),
        ("load", Some("worker01"), 3)
    );
    let api = d
        .services
        .iter()
        .find(|s| s.service.as_deref() == Some("api"))
        .unwrap();
    assert!(api
        .alerts
        .iter()
        .filter(|a| a.alert.id.starts_with("flap"))
        .all(|a| a.flapping));
    assert_eq!(d.noisy_monitors[0].monitor, "load");
    assert_eq!(
        (api.recovery_median_secs, api.recovery_p90_secs),
        (Some(120), Some(120)),
        "guess1 counts as a manual close: not a recovery"
    );
    assert_eq!(api.alerts.len(), 4);
    assert_eq!(d.maintenance_hosts[0].name, "batch01");
    assert_eq!(
        d.maintenance_hosts[0].url.as_deref(),
        Some("https://mackerel.io/orgs/acme/hosts/h-batch01")
    );
    assert_eq!(d.hourly.len(), 24);
    assert_eq!(d.hourly[10].recovered, 3, "the three flaps in one hour");
    assert_eq!(
        d.hourly.iter().map(|c| c.total()).sum::<i64>(),
        10,
        "alerts opened in the window"
    );
}

#[test]
fn the_json_digest_has_the_briefs_shape() {
    let d = digest::build(dataset(), &window(), now());
    let v: Value =
        serde_json::from_str(&digest::render(&d, &window(), Format::Json, Lang::En, None).unwrap())
            .unwrap();
    assert_eq!(v["window"]["start"], "2026-11-24T00:00:00+09:00");
    assert_eq!(v["window"]["end"], "2026-11-25T00:00:00+09:00");
    assert_eq!(v["window"]["timezone"], "Asia/Tokyo");
    assert_eq!(
        v["totals"],
        serde_json::json!({"open": 3, "recovered": 5, "closed_manually": 2, "closed_by_system": 1})
    );
    let none = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"].is_null())
        .unwrap();
    let a = &none["alerts"][0];
    for key in [
        "id",
        "type",
        "status",
        "severity",
        "state",
        "monitor_id",
        "monitor",
        "host_id",
        "host",
        "services",
        "roles",
        "opened_at",
        "closed_at",
        "reason",
        "message",
        "value",
        "url",
        "flapping",
        "recurring",
        "fired_before_7d",
    ] {
        assert!(a.get(key).is_some(), "{key} in {a}");
    }
    assert_eq!(
        v["maintenance_hosts"][0]["services"],
        serde_json::json!(["shop"])
    );
}

#[test]
fn a_quiet_day_says_so() {
    let input = DigestInput {
        alerts: vec![],
        previous: Default::default(),
        ..dataset()
    };
    let d = digest::build(input, &window(), now());
    for (lang, words) in [
        (Lang::En, "No alerts in this window"),
        (Lang::Ja, "この期間のアラートはありません"),
    ] {
        for format in [Format::Markdown, Format::Text, Format::Html, Format::Slack] {
            let out = digest::render(&d, &window(), format, lang, None).unwrap();
            assert!(out.contains(words), "{format:?} {lang:?}: {out}");
            assert!(
                out.contains("11-23 04:00") || out.contains("11/23(月) 04:00"),
                "says since when: {out}"
            );
        }
    }
}

fn hostile() -> DigestInput {
    let mut input = dataset();
    for a in &mut input.alerts {
        a.message = Some(
            "<script>alert(1)</script> <!channel> *bold* _it_ & <https://evil.example|click>"
                .into(),
        );
        a.reason = a
            .reason
            .as_ref()
            .map(|_| "<!here> *bold* & <b>x</b>".to_owned());
        a.host_name = a
            .host_name
            .as_ref()
            .map(|h| format!("{h}<img src=x onerror=alert(1)>"));
    }
    input.alerts[0].monitor_name = Some("<!channel> `rm -rf` [link](javascript:alert(1))".into());
    input.alerts[0].image_url = Some("javascript:alert(1)".into());
    input
}

#[test]
fn hostile_text_comes_out_inert_in_html() {
    let d = digest::build(hostile(), &window(), now());
    let html = digest::render(&d, &window(), Format::Html, Lang::En, None).unwrap();
    assert!(!html.contains("<script>alert"), "no live script");
    assert!(!html.contains("<img src=x"), "no injected tag");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(!html.contains("href=\"javascript:"), "no script links");
}

#[test]
fn hostile_text_comes_out_inert_in_slack() {
    let d = digest::build(hostile(), &window(), now());
    let body: Value = serde_json::from_str(
        &digest::render(&d, &window(), Format::Slack, Lang::En, None).unwrap(),
    )
    .unwrap();
    let texts: Vec<String> = body["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["text"]["text"].as_str().map(str::to_owned))
        .collect();
    let all = texts.join("\n");
    assert!(
        !all.contains("<!channel>") && !all.contains("<!here>"),
        "no pings"
    );
    assert!(!all.contains("<https://evil.example"), "no injected links");
    assert!(all.contains("&lt;!channel&gt;"));
    assert!(!all.contains("*bold*"), "no injected bold");
    assert!(all.contains("&amp;"));
}

#[test]
fn hostile_text_comes_out_inert_in_markdown() {
    let d = digest::build(hostile(), &window(), now());
    let md = digest::render(&d, &window(), Format::Markdown, Lang::En, None).unwrap();
    assert!(!md.contains("<script>") && !md.contains("<img"));
    assert!(!md.contains("](javascript:"), "no script links");
    assert!(md.contains("\\*bold\\*"));
}

#[test]
fn slack_blocks_stay_within_slacks_limits_on_a_huge_day() {
    let mut input = dataset();
    let s = window().start;
    for i in 0..3000 {
        input.alerts.push(alert(
            &format!("bulk{i}"),
            &format!("monitor {}", i % 400),
            Some("app01"),
            &[["blog", "shop", "api", "web", "db"][i % 5]],
            s + (i as i64 % 86_000),
            None,
            None,
            None,
        ));
    }
    let d = digest::build(input, &window(), now());
    let body: Value = serde_json::from_str(
        &digest::render(&d, &window(), Format::Slack, Lang::Ja, None).unwrap(),
    )
    .unwrap();
    let blocks = body["blocks"].as_array().unwrap();
    assert!(blocks.len() <= 50, "{} blocks", blocks.len());
    for b in blocks {
        if let Some(t) = b["text"]["text"].as_str() {
            assert!(t.chars().count() <= 3000);
        }
    }
    let all: String = blocks
        .iter()
        .filter_map(|b| b["text"]["text"].as_str())
        .collect();
    assert!(
        all.contains("ほか") && all.contains("asakai alerts --service"),
        "says what was left out and where to see it"
    );
    assert!(body["text"].as_str().unwrap().contains("未解決"));
}

#[test]
fn every_format_in_both_languages_matches_its_snapshot() {
    let d = digest::build(dataset(), &window(), now());
    for lang in [Lang::En, Lang::Ja] {
        for format in [
            Format::Markdown,
            Format::Slack,
            Format::Html,
            Format::Text,
            Format::Json,
        ] {
            let out = digest::render(&d, &window(), format, lang, None).unwrap();
            insta::assert_snapshot!(format!("digest_{format:?}_{lang:?}").to_lowercase(), out);
        }
    }
}

#[test]
fn a_broken_user_template_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("markdown.hbs"), "{{#each sections}}{{name}").unwrap();
    let d = digest::build(dataset(), &window(), now());
    let err = digest::render(&d, &window(), Format::Markdown, Lang::En, Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("markdown.hbs") && err.contains("does not parse"),
        "{err}"
    );
    std::fs::write(dir.path().join("markdown.hbs"), "{{no_such_field}}").unwrap();
    let err = digest::render(&d, &window(), Format::Markdown, Lang::En, Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("failed to render"), "{err}");
    std::fs::write(
        dir.path().join("text.hbs"),
        "custom: {{title}} / {{t.open}} {{digest.totals.open}}",
    )
    .unwrap();
    let out = digest::render(&d, &window(), Format::Text, Lang::Ja, Some(dir.path())).unwrap();
    assert_eq!(out, "custom: アラート朝会レポート 2026-11-25 / 未解決 3");
}

/// What the team recorded: an outcome with a note (hostile text), a task, one alert of
/// an earlier meeting left unreviewed, and an open follow-up that fired again.
fn meeting_notes(alerts: &[StoredAlert], s: i64) -> digest::MeetingNotes {
    use asakai::review::{Outcome, ReviewView, TaskRef, TaskState, TaskView};
    let mut notes = digest::MeetingNotes::default();
    notes.reviews.insert(
        alerts[0].id.clone(),
        ReviewView {
            alert_id: alerts[0].id.clone(),
            outcome: Outcome::Noise,
            note: Some("<b>backup</b> window".into()),
            by: Some("sato".into()),
            at: "2026-11-25T00:40:00Z".into(),
        },
    );
    let task = TaskRef {
        id: 12,
        title: "Tune disk threshold".into(),
        state: TaskState::Open,
        url: Some("https://github.com/example/infra-tasks/issues/34".into()),
    };
    notes.tasks.insert(alerts[1].id.clone(), task);
    let mut earlier = alerts[0].clone();
    earlier.id = "earlier1".into();
    earlier.opened_at = s - 3 * 86_400;
    earlier.closed_at = Some(s - 3 * 86_400 + 600);
    notes.unreviewed_earlier = vec![earlier];
    notes.unreviewed_earlier_total = 3;
    notes.open_tasks = vec![TaskView {
        id: 12,
        title: "Tune disk threshold".into(),
        state: TaskState::Open,
        key: "m-disk/h-db01".into(),
        alert_ids: vec![alerts[1].id.clone()],
        url: Some("https://github.com/example/infra-tasks/issues/34".into()),
        github_error: None,
        created_at: "2026-11-20T00:00:00Z".into(),
        closed_at: None,
        fired_again: 2,
        last_fired_at: Some("2026-11-24T04:00:00Z".into()),
    }];
    notes
}

/// The window's query reaches back as far as the longest alert: one that stayed open
/// 40 days and closed inside the window is in it, whether it was stored closed, or
/// stored open and closed later (a webhook or the next pass).
#[tokio::test]
async fn an_alert_open_for_weeks_that_closes_in_the_window_is_in_it() {
    use crate::helpers::{store_with, stored_alert, DAY, NOW};
    let start = NOW - DAY;
    let long = stored_alert(
        "long",
        "disk",
        Some("db-01"),
        start - 40 * DAY,
        Some(start + 60),
    );
    let short = stored_alert("short", "cpu", Some("web-01"), start + 10, Some(start + 70));
    let (store, _db) = store_with(&[long.clone(), short.clone()]).await;
    let ids = |alerts: Vec<StoredAlert>| alerts.into_iter().map(|a| a.id).collect::<HashSet<_>>();
    let met = store.alerts_meeting(start, NOW).await.unwrap();
    assert_eq!(ids(met), HashSet::from(["long".into(), "short".into()]));

    let later = stored_alert("later", "mem", Some("db-02"), start - 30 * DAY, None);
    let (store, _db) = store_with(&[short, later.clone()]).await;
    let closed = StoredAlert {
        closed_at: Some(NOW - 60),
        ..later
    };
    store.write_alerts(&[closed], NOW).await.unwrap();
    // A window that ended before it closed, a month after it opened.
    let met = store.alerts_meeting(start - DAY, start).await.unwrap();
    assert_eq!(ids(met), HashSet::from(["later".into()]));
}
