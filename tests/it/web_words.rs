//! The pages other than the digest in a person's words (design §10 "Every page"):
//! a Japanese page has no English left once the data from Mackerel is taken out;
//! times are in the team's zone and never RFC 3339; the search takes `7d`; an
//! alert's earlier occurrences are earlier; a deleted monitor has words for a name.

use serde_json::{json, Value};
use wiremock::MockServer;

use crate::helpers::*;
use crate::serve::TestApp;
use crate::web::app_with_hostile_alert;

/// Words that stay as they are on a Japanese page, and why:
/// - `asakai`, `Mackerel`, `GitHub`: names of products (the page title, "Mackerel で開く",
///   the link to an issue), written so in Japanese too;
/// - `CSV`, `JSON`: names of file formats, the links to the same search as files;
/// - `English`: the language switcher names each language in itself (with `lang="en"`).
const ALLOWED: [&str; 6] = ["asakai", "Mackerel", "GitHub", "CSV", "JSON", "English"];

/// `app_with_hostile_alert`, plus: an earlier alert of aHostile's monitor and host,
/// an alert of a monitor deleted before asakai learnt its name (with its logs),
/// five quick recoveries in the past month (a suggestion on /monitors), a task
/// with its GitHub issue and a done task.
pub async fn app_for_pages() -> (TestApp, MockServer) {
    let (app, github) = app_with_hostile_alert().await;
    let real_now = chrono::Utc::now().timestamp();
    app.mackerel.update(|w| {
        let before = alert(
            "aBefore",
            "host",
            "mCpu",
            Some("hMulti"),
            "CRITICAL",
            NOW - 5 * DAY,
        );
        w.alerts
            .push(closed(before, NOW - 5 * DAY + 900, Some("rebooted")));
        let opened = NOW - 2 * DAY;
        let deleted = alert(
            "aDeleted",
            "host",
            "mGone",
            Some("hMulti"),
            "CRITICAL",
            opened,
        );
        w.alerts.push(closed(deleted, opened + 600, None));
        w.logs.insert(
            "aDeleted".into(),
            vec![
                log(opened, "CRITICAL", "monitoring"),
                log(opened + 600, "OK", "monitorDelete"),
            ],
        );
        for i in 1..=5 {
            let at = real_now - i * DAY;
            let quick = alert(
                &format!("aQuick{i}"),
                "expression",
                "mExpr",
                None,
                "WARNING",
                at,
            );
            w.alerts.push(closed(quick, at + 120, None));
        }
    });
    app.wait_for("/api/alerts/aDeleted", |v| {
        v["logs"].as_array().is_some_and(|l| l.len() == 2)
    })
    .await;
    app.wait_for("/api/alerts?limit=1000", |v| {
        v.as_array()
            .is_some_and(|a| a.iter().any(|x| x["id"] == "aQuick5"))
    })
    .await;
    let task = |ids: &[&str], github: bool| {
        app.post_json("/api/tasks", &json!({"alert_ids": ids, "github": github}))
    };
    assert_eq!(
        task(&["aHostile"], true).send().await.unwrap().status(),
        201
    );
    assert_eq!(
        task(&["aDeleted"], false).send().await.unwrap().status(),
        201
    );
    let done = app
        .post_json("/api/tasks/2/done", &json!({}))
        .send()
        .await
        .unwrap();
    assert!(done.status().is_success(), "{}", done.status());
    // The task sync asks the stand-in for the issue, which it does not serve: the
    // task keeps that error, as one whose GitHub went away would.
    app.wait_for("/api/tasks", |v| v[0]["github_error"].is_string())
        .await;
    (app, github)
}

/// The page's text as a person reads it: no tags, entities decoded, one space
/// between words.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#x27;", "'"),
        ("&#x60;", "`"),
        ("&#x3D;", "="),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(out, |t, (entity, c)| t.replace(entity, c))
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(" ")
}

/// Every value the test put in that a page shows as data: ids, monitor and host
/// names, services, messages and reasons (as the API returns them, untranslated),
/// reviewers and their notes;
/// and a task's GitHub error, the diagnostic (mostly GitHub's own answer) that the
/// page keeps behind "詳細", marked `lang="en"`, below its Japanese summary.
async fn data_values(app: &TestApp) -> Vec<String> {
    let all: Value = app
        .get("/api/alerts?limit=1000")
        .await
        .json()
        .await
        .unwrap();
    let tasks: Value = app.get("/api/tasks?state=all").await.json().await.unwrap();
    let mut values: Vec<String> = tasks
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["github_error"].as_str().map(str::to_owned))
        .collect();
    for a in all.as_array().unwrap() {
        for key in ["id", "monitor", "host", "message", "reason"] {
            values.extend(a[key].as_str().map(str::to_owned));
        }
        // Who reviewed and what they wrote are people's words, not the page's.
        for key in ["by", "note"] {
            values.extend(a["review"][key].as_str().map(str::to_owned));
        }
        for s in a["services"].as_array().unwrap() {
            values.push(s.as_str().unwrap().to_owned());
        }
    }
    // Longest first, so that a name is not half taken out by a shorter one.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    values
}

/// ASCII words of three letters or more left once `data` is taken out.
fn english_words(html: &str, data: &[String]) -> Vec<String> {
    let text = data
        .iter()
        .fold(text_of(html), |t, v| t.replace(v.as_str(), " "));
    let mut words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 3 && !ALLOWED.contains(w))
        .map(str::to_owned)
        .collect();
    words.dedup();
    words
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.get(path).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_japanese_page_has_no_english_words_but_the_data_from_mackerel() {
    let (app, _github) = app_for_pages().await;
    let data = data_values(&app).await;
    for (path, status, japanese) in [
        ("/alerts?lang=ja", 200, "自動復旧"),
        ("/alerts?lang=ja&severity=UNKNOWN", 200, "不明"),
        ("/alerts/aHostile?lang=ja", 200, "同じホスト"),
        ("/alerts/aDeleted?lang=ja", 200, "モニター削除"),
        ("/tasks?lang=ja", 200, "フォローアップ: cpu.user(app01)"),
        ("/tasks?lang=ja", 200, "やり取りに失敗しました"),
        ("/monitors?lang=ja", 200, "5分以内に自動復旧"),
        ("/alerts/nope?lang=ja", 404, "記録にありません"),
        ("/alerts?lang=ja&from=someday", 400, "開始"),
        ("/alerts?lang=ja&state=sleepy", 400, "状態"),
    ] {
        let (got, html) = page(&app, path).await;
        assert_eq!(got, status, "{path}: {html}");
        // Not an empty page that passes for want of words.
        assert!(text_of(&html).contains(japanese), "{path}: {html}");
        let mut data = data.clone();
        data.extend(["nope", "someday", "sleepy"].map(String::from));
        let english = english_words(&html, &data);
        assert!(english.is_empty(), "{path} still says {english:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_english_pages_say_states_severities_and_triggers_in_words() {
    let (app, _github) = app_for_pages().await;
    let (_, alerts) = page(&app, "/alerts").await;
    let text = text_of(&alerts);
    for word in [
        "Recovered",
        "Closed manually",
        "Critical",
        "Warning",
        "Unknown",
    ] {
        assert!(text.contains(word), "/alerts lacks {word:?}");
    }
    for raw in ["closed_manually", "closed_by_system", "CRITICAL", "WARNING"] {
        assert!(!text.contains(raw), "/alerts shows the raw {raw:?}");
    }
    // The selects send the API's values under words.
    assert!(alerts.contains("<option value=\"closed_manually\">Closed manually</option>"));
    assert!(alerts.contains("<option value=\"CRITICAL\">Critical</option>"));
    let (_, deleted) = page(&app, "/alerts/aDeleted").await;
    let text = text_of(&deleted);
    assert!(text.contains("deleted monitor @ app01"), "{text}");
    assert!(text.contains("OK — monitor deleted"), "{text}");
    assert!(text.contains("Critical — by the monitor"), "{text}");
    assert!(
        !text.contains("monitorDelete") && !text.contains("mGone"),
        "{text}"
    );
    app.stop().await;
}

/// Text like `2025-11-24T16:00:00Z`: what the pages printed before.
fn has_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(14).any(|w| {
        w[..4].iter().all(u8::is_ascii_digit)
            && w[4] == b'-'
            && w[7] == b'-'
            && w[10] == b'T'
            && w[11..13].iter().all(u8::is_ascii_digit)
            && w[13] == b':'
    })
}

#[tokio::test]
async fn times_read_short_in_the_team_zone_and_never_as_rfc_3339() {
    let (app, _github) = app_for_pages().await;
    for path in ["/alerts", "/alerts/aHostile", "/tasks", "/monitors"] {
        let (_, html) = page(&app, path).await;
        assert!(!has_rfc3339(&text_of(&html)), "{path}: {}", text_of(&html));
        assert!(
            html.contains("<time datetime=\"") || path == "/monitors",
            "{path}"
        );
    }
    // The test server's zone is UTC; aHostile opened at NOW - 3000 (last year).
    let (_, html) = page(&app, "/alerts/aHostile").await;
    assert!(
        html.contains("<time datetime=\"2025-11-24T15:10:00+00:00\">2025-11-24 15:10</time>"),
        "{html}"
    );
    let (_, monitors) = page(&app, "/monitors").await;
    assert!(text_of(&monitors).contains("Past 30 days ("), "{monitors}");
    app.stop().await;
}

#[tokio::test]
async fn the_search_takes_what_its_placeholders_suggest() {
    let (app, _github) = app_for_pages().await;
    let (status, html) = page(&app, "/alerts?from=7d").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("data-id=\"aQuick1\""),
        "a day ago is within 7d"
    );
    assert!(!html.contains("data-id=\"aHostile\""), "a year ago is not");
    // The CSV and JSON links carry the moment the page used: the API reads RFC 3339.
    let html = html.replace("&#x3D;", "=");
    let csv = html.split("href=\"/alerts.csv?").nth(1).unwrap();
    let query = csv.split('"').next().unwrap().to_owned();
    assert!(query.starts_with("from=20"), "{query}");
    let r = app.get(&format!("/alerts.csv?{query}")).await;
    assert_eq!(r.status(), 200);
    for duration in ["90s", "15m", "12h", "30d"] {
        let (status, _) = page(&app, &format!("/alerts?from={duration}")).await;
        assert_eq!(status, 200, "{duration}");
    }
    let (status, html) = page(&app, "/alerts?from=someday").await;
    assert_eq!(status, 400);
    assert!(
        text_of(&html).contains("From: “someday” is neither a time nor a duration"),
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn earlier_on_this_host_lists_only_alerts_opened_before_this_one() {
    let (app, _github) = app_for_pages().await;
    let (_, html) = page(&app, "/alerts/aHostile").await;
    let earlier = html.split("<h2>Earlier on this host</h2>").nth(1).unwrap();
    assert!(earlier.contains("data-id=\"aBefore\""), "{earlier}");
    assert!(
        !earlier.contains("data-id=\"aAgain\""),
        "aAgain opened after aHostile"
    );
    assert!(earlier
        .contains("role=\"img\" aria-label=\"Alerts per month in the year before this one: "));
    app.stop().await;
}

#[tokio::test]
async fn the_monitor_report_says_what_wasted_counts_and_suggests_in_the_page_language() {
    let (app, _github) = app_for_pages().await;
    let (_, en) = page(&app, "/monitors").await;
    assert!(en.contains("recovered by itself within 5 minutes"), "{en}");
    assert!(en.contains("<td class=\"num\">5 alerts</td>"), "{en}");
    assert!(en.contains("Wasted: alerts reviewed as needing no action"));
    let (_, ja) = page(&app, "/monitors?lang=ja").await;
    assert!(ja.contains("100%が5分以内に自動復旧"), "{ja}");
    assert!(ja.contains("<td class=\"num\">5件</td>"), "{ja}");
    app.stop().await;
}
