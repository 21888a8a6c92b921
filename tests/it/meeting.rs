//! The meeting screen over HTTP (design §10): every alert in exactly one item, a
//! detail with the only forms, forms that come back to the same item in the same
//! language without JavaScript, a task for an item across hosts, and a date that
//! is not one. The browser walk is in `web_browser.rs`.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::web::{app_with_hostile_alert, attr, item_of, no_redirects, page, post_form, MEETING};

/// Every item's alert ids on a meeting page, the earlier meetings' left out.
fn window_items(body: &str) -> Vec<Vec<String>> {
    let window = body.split("items earlier").next().unwrap();
    window
        .split("<li class=\"item")
        .skip(1)
        .map(|li| {
            attr(li, "data-alert-ids")
                .split(' ')
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// The distinct alerts of a digest's JSON: under its services and carried over.
fn digest_alerts(d: &Value) -> HashSet<String> {
    let mut ids = HashSet::new();
    for s in d["services"].as_array().unwrap() {
        for a in s["alerts"].as_array().unwrap() {
            ids.insert(a["id"].as_str().unwrap().to_owned());
        }
    }
    ids
}

#[tokio::test]
async fn every_alert_of_the_window_is_in_exactly_one_item() {
    let (app, _github) = app_with_hostile_alert().await;
    // Open since two days before the window on a host of two services: carried
    // over, and under both services in the digest.
    app.mackerel.update(|w| {
        w.alerts.push(alert(
            "aCarried",
            "host",
            "mCpu",
            Some("hMulti"),
            "WARNING",
            NOW - 2 * DAY,
        ))
    });
    app.wait_for("/api/alerts", |v| {
        v.as_array()
            .is_some_and(|a| a.iter().any(|x| x["id"] == "aCarried"))
    })
    .await;
    let digest: Value = app
        .get(&format!("/api/digest?date={MEETING}"))
        .await
        .json()
        .await
        .unwrap();
    let listed = digest["services"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["alerts"].as_array().unwrap())
        .filter(|a| a["id"] == "aCarried")
        .count();
    assert_eq!(listed, 2, "the digest lists it under both services");

    let (_, body) = page(&app, &format!("/digests/{MEETING}")).await;
    let items = window_items(&body);
    let all: Vec<String> = items.iter().flatten().cloned().collect();
    let distinct: HashSet<String> = all.iter().cloned().collect();
    assert_eq!(all.len(), distinct.len(), "an alert in two items: {all:?}");
    assert_eq!(distinct, digest_alerts(&digest), "every alert, once");
    let total = digest["totals"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_i64().unwrap())
        .sum::<i64>();
    assert!(
        body.contains(&format!("0 of {total} reviewed")),
        "the counter counts the same alerts"
    );
    assert_eq!(total as usize, distinct.len());
    let carried = body.split("Still open from before").nth(1).unwrap();
    assert!(item_of(carried, "aCarried").starts_with("item-"));
    // A multi-service alert names its other service.
    let multi = body
        .split("<li class=\"item")
        .skip(1)
        .find(|li| attr(li, "data-alert-ids").contains("aMulti"))
        .unwrap();
    assert!(multi.contains("also in: shop"), "{multi}");
    // Names, not ids; no bare "recurring".
    assert!(!body.contains(">recurring<"));
    app.stop().await;
}

#[tokio::test]
async fn the_page_holds_the_forms_of_the_selected_item_only() {
    let (app, _github) = app_with_hostile_alert().await;
    let (_, body) = page(&app, &format!("/digests/{MEETING}")).await;
    assert!(
        body.matches("<form").count() <= 6,
        "{} forms",
        body.matches("<form").count()
    );
    assert_eq!(body.matches("class=\"decide\"").count(), 1);
    assert_eq!(
        body.matches("aria-current=\"true\"").count(),
        1,
        "one item is selected"
    );
    // The detail alone, as the script fetches it for j/k.
    let key = item_of(&body, "aHostile");
    let r = app
        .get(&format!("/digests/{MEETING}/items/{key}?lang=ja"))
        .await;
    assert_eq!(r.status(), 200);
    let detail = r.text().await.unwrap();
    assert!(!detail.contains("<html"), "a fragment");
    assert!(detail.contains("&lt;script&gt;alert("), "escaped: {detail}");
    assert!(detail.contains("対応済み"), "in the page's language");
    let r = app
        .get(&format!("/digests/{MEETING}/items/item-nope"))
        .await;
    assert_eq!(r.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_form_without_javascript_comes_back_to_the_same_item_in_the_same_language() {
    let (app, _github) = app_with_hostile_alert().await;
    let (_, body) = page(&app, &format!("/digests/{MEETING}?lang=ja")).await;
    let key = item_of(&body, "aHostile");
    let (_, selected) = page(&app, &format!("/digests/{MEETING}?lang=ja&item={key}")).await;
    // The form carries where it comes back to.
    let decide = selected.split("class=\"decide\"").nth(1).unwrap();
    let back = unescape(&attr(
        decide.split("name=\"back\"").nth(1).unwrap(),
        "value",
    ));
    assert_eq!(back, format!("/digests/{MEETING}?lang=ja&item={key}#{key}"));
    let ids = attr(decide.split("name=\"ids\"").nth(1).unwrap(), "value");
    let r = post_form(
        &app,
        "/review",
        &[
            ("ids", &ids),
            ("outcome", "fixed"),
            ("note", "再起動"),
            ("back", &back),
            ("lang", "ja"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], back.as_str());
    for id in ids.split(',') {
        let a: Value = app
            .get(&format!("/api/alerts/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(a["review"]["outcome"], "fixed", "{id}");
        assert!(a["review"]["by"].is_string(), "a reviewer on loopback: {a}");
    }
    let (_, after) = page(&app, &back.replace(&format!("#{key}"), "")).await;
    assert!(after.contains("<html lang=\"ja\""));
    let row = after
        .split("<li class=\"item")
        .skip(1)
        .find(|li| attr(li, "data-key") == key)
        .unwrap();
    assert!(row.contains("aria-current=\"true\""), "the same item");
    assert!(row.contains("✓ 対応済み"), "{row}");
    assert!(after.contains("✎ 再起動"), "the note shows");
    app.stop().await;
}

/// What handlebars escapes in an attribute, back as the browser reads it.
fn unescape(s: &str) -> String {
    s.replace("&#x3D;", "=").replace("&amp;", "&")
}

#[tokio::test]
async fn a_task_for_an_item_across_hosts_asks_for_the_host() {
    let (app, _github) = app_with_hostile_alert().await;
    // Two recoveries of one monitor on two hosts of one service: one item.
    app.mackerel.update(|w| {
        for (id, host) in [("aRecA", "hMulti"), ("aRecB", "hMaint")] {
            let a = alert(id, "host", "mCpu", Some(host), "WARNING", NOW - 3500);
            w.alerts.push(closed(a, NOW - 3400, None));
        }
    });
    app.wait_for("/api/alerts", |v| {
        v.as_array()
            .is_some_and(|a| a.iter().any(|x| x["id"] == "aRecB"))
    })
    .await;
    let (_, body) = page(&app, &format!("/digests/{MEETING}")).await;
    let key = item_of(&body, "aRecA");
    assert_eq!(
        key,
        item_of(&body, "aRecB"),
        "recovered: one item across hosts"
    );
    let (_, selected) = page(&app, &format!("/digests/{MEETING}?item={key}")).await;
    let forms: Vec<String> = selected
        .split("<form class=\"task\"")
        .skip(1)
        .map(|f| attr(f, "value"))
        .collect();
    assert_eq!(forms, ["aRecA", "aRecB"], "one task form per host");
    assert!(selected.contains("A task is for one host"));
    let back = format!("/digests/{MEETING}?item={key}#{key}");
    let r = post_form(&app, "/task", &[("ids", "aRecA"), ("back", &back)]).await;
    assert_eq!(r.status(), 303, "no error page");
    assert_eq!(r.headers()["location"], back.as_str());
    let tasks: Value = app.get("/api/tasks").await.json().await.unwrap();
    assert_eq!(tasks[0]["alert_ids"], json!(["aRecA"]));
    app.stop().await;
}

#[tokio::test]
async fn a_date_that_is_not_one_is_a_400_naming_it() {
    let (app, _github) = app_with_hostile_alert().await;
    for (path, says) in [
        ("/?date=garbage", "\"garbage\" is not a date"),
        ("/?date=garbage&lang=ja", "日付 \"garbage\" を読めません"),
        ("/digests/2025-13-45", "\"2025-13-45\" is not a date"),
    ] {
        let r = no_redirects()
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{path}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains(&says.replace('"', "&quot;")),
            "{path}: {body}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn pages_are_compressed_for_a_client_that_accepts_it() {
    let (app, _github) = app_with_hostile_alert().await;
    for encoding in ["gzip", "br"] {
        let r = no_redirects()
            .get(format!("{}/digests/{MEETING}", app.base))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-encoding"], encoding);
    }
    app.stop().await;
}

/// A server on a store synced from the simulator (its worker does not poll).
async fn serve_store(store: asakai::store::Store) -> (String, tokio::sync::oneshot::Sender<()>) {
    use asakai::server::{self, Access, App};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("asakai.toml");
    std::fs::write(&path, "[digest]\ntimezone = \"UTC\"\nholidays = \"none\"\n").unwrap();
    let settings =
        asakai::config::Settings::load(Some(&path), &asakai::config::Env::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let access = Access::decide(addr, &settings.server).unwrap();
    let app = std::sync::Arc::new(App::new(store, settings, None, access));
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(server::launch_with_tcp_listener(app, listener, async {
        let _ = rx.await;
    }));
    (format!("http://{addr}"), tx)
}

#[tokio::test]
async fn a_heavy_day_sends_items_and_every_alert_only_when_asked() {
    use asakai::sim::{self, SimOptions};
    let opts = SimOptions {
        seed: 4,
        days: 2,
        alerts: Some(9_000),
        anchor: Some(NOW),
        frozen: true,
        api_key: KEY.into(),
        ..SimOptions::default()
    };
    let running = sim::start(opts, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let (store, _db) = temp_store().await;
    let sync = asakai::sync::SyncOptions {
        since: Some(NOW - 3 * DAY),
        logs_per_pass: 0,
        ..asakai::sync::SyncOptions::default()
    };
    asakai::sync::run_pass(&client_for(&running.base_url()), &store, &sync, NOW)
        .await
        .unwrap();
    let (base, stop) = serve_store(store).await;
    let http = reqwest::Client::new();
    let get = |q: &'static str| {
        let http = http.clone();
        let url = format!("{base}/api/digest?date=2025-11-24{q}");
        async move { http.get(url).send().await.unwrap() }
    };
    let all: Value = get("&alerts=all").await.json().await.unwrap();
    let ids = digest_alerts(&all);
    assert!(ids.len() > 2_000, "a heavy day: {}", ids.len());
    let r = get("").await;
    let size = r.content_length().unwrap_or(0);
    let condensed: Value = r.json().await.unwrap();
    assert_eq!(condensed["condensed"], true);
    assert_eq!(condensed["totals"], all["totals"]);
    assert!(
        condensed["services"][0]["alerts"].is_u64(),
        "counts, not objects"
    );
    let mut in_items = Vec::new();
    for section in condensed["queue"]["sections"].as_array().unwrap() {
        for state in section["states"].as_array().unwrap() {
            for item in state["items"].as_array().unwrap() {
                for id in item["alert_ids"].as_array().unwrap() {
                    in_items.push(id.as_str().unwrap().to_owned());
                }
            }
        }
    }
    assert_eq!(in_items.len(), ids.len(), "every alert in one item");
    assert_eq!(in_items.into_iter().collect::<HashSet<_>>(), ids);
    let full = serde_json::to_vec(&all).unwrap().len() as u64;
    assert!(size * 4 < full, "condensed {size} bytes, all {full}");
    let bad = get("&alerts=some").await;
    assert_eq!(bad.status(), 400);
    // The meeting page of that day lists every alert once, and stays light.
    let page = http
        .get(format!("{base}/digests/2025-11-24"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let listed: Vec<String> = window_items(&page).into_iter().flatten().collect();
    assert_eq!(listed.len(), ids.len());
    assert!(page.len() < 1 << 20, "{} bytes", page.len());
    let _ = stop.send(());
}

/// The page's text as a person reads it: tags, scripts and entities gone.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
}

#[tokio::test]
async fn the_japanese_meeting_screen_has_no_english_words() {
    let (app, _github) = app_with_hostile_alert().await;
    let (_, body) = page(&app, &format!("/digests/{MEETING}?lang=ja")).await;
    assert!(
        body.contains("class=\"sev sev-WARNING\">警告</span>"),
        "severities in words, as on every page"
    );
    let key = item_of(&body, "aRec1");
    for path in [
        format!("/digests/{MEETING}?lang=ja"),
        format!("/digests/{MEETING}?lang=ja&item={key}"),
        "/digests/2025-11-26?lang=ja".to_owned(),
    ] {
        let (_, html) = page(&app, &path).await;
        let text = visible_text(&html);
        // Data from Mackerel (names, messages; `app01` reads as `app`), names of
        // products, and keys as printed on keyboards. Severities are in words (重大).
        let data = [
            "app",
            "old",
            "bare",
            "batch",
            "Enter",
            "Esc",
            "cpu.user",
            "connectivity",
            "blog",
            "shop",
            "5xx",
            "top",
            "status",
            "page",
            "role",
            "average",
            "otel",
            "latency",
            "anomaly",
            "future",
            "monitor",
            "disk-check",
            "app01",
            "bare01",
            "db01",
            "batch01",
            "old01",
            "script",
            "alert",
            "img",
            "src",
            "onerror",
            "quoted",
            "more",
            "Mackerel",
            "GitHub",
            "asakai",
            "UTC",
            "English",
            "disk",
            "check",
        ];
        let english: Vec<&str> = text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() >= 3)
            .filter(|w| {
                !data
                    .iter()
                    .any(|d| d.split(['.', '-', ' ']).any(|p| p == *w))
            })
            .collect();
        assert!(english.is_empty(), "{path}: English words {english:?}");
    }
    app.stop().await;
}
