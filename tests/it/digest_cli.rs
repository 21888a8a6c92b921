//! `asakai digest` end to end: the binary on a database synced from the simulator,
//! its errors, and `--post` against a local stand-in for Slack.

use std::process::{Command, Output};

use asakai::sim::{self, SimOptions};
use asakai::sync::{run_pass, SyncOptions};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::helpers::*;

/// A database holding a week of the simulator's alerts, as of NOW (2025-11-25 01:00 in Tokyo).
async fn synced_db() -> TestDb {
    let opts = SimOptions {
        seed: 9,
        days: 7,
        anchor: Some(NOW),
        frozen: true,
        api_key: KEY.into(),
        ..SimOptions::default()
    };
    let running = sim::start(opts, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let db = TestDb::new().await;
    let store = db.open().await;
    let sync = SyncOptions {
        since: Some(NOW - 8 * DAY),
        logs_per_pass: 10_000,
        ..SyncOptions::default()
    };
    run_pass(&client_for(&running.base_url()), &store, &sync, NOW)
        .await
        .unwrap();
    store.close().await;
    db
}

fn asakai(db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_asakai"));
    cmd.arg("--db")
        .arg(db.arg())
        .args(args)
        .env_remove("ASAKAI_CONFIG")
        .env_remove("SLACK_WEBHOOK_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn the_digest_of_the_day_after_a_holiday_covers_it_in_every_format() {
    let db = synced_db().await;
    let out = asakai(
        &db,
        &[
            "digest",
            "--date",
            "2025-11-25",
            "--tz",
            "Asia/Tokyo",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Monday 2025-11-24 is a substitute holiday: Tuesday's meeting covers Friday to Monday.
    assert_eq!(v["window"]["start"], "2025-11-21T00:00:00+09:00");
    assert_eq!(v["window"]["end"], "2025-11-25T00:00:00+09:00");
    let total: i64 = ["open", "recovered", "closed_manually", "closed_by_system"]
        .iter()
        .map(|k| v["totals"][k].as_i64().unwrap())
        .sum();
    assert!(total > 20, "{total}");
    assert!(v["services"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["service"] == "blog"));
    for (format, marker) in [
        ("markdown", "# Alert digest"),
        ("text", "Alert digest"),
        ("html", "<!DOCTYPE html>"),
        ("slack", "\"blocks\""),
    ] {
        for lang in ["en", "ja"] {
            let out = asakai(
                &db,
                &[
                    "digest",
                    "--date",
                    "2025-11-25",
                    "--tz",
                    "Asia/Tokyo",
                    "--format",
                    format,
                    "--lang",
                    lang,
                ],
                &[],
            );
            assert!(out.status.success(), "{format} {lang}: {}", stderr(&out));
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains(marker) || lang == "ja", "{format}: {text}");
        }
    }
    let file = db.dir().join("digest.html");
    let out = asakai(
        &db,
        &[
            "digest",
            "--date",
            "2025-11-25",
            "--format",
            "html",
            "--output",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success() && out.stdout.is_empty());
    assert!(std::fs::read_to_string(&file).unwrap().contains("<svg"));
}

#[tokio::test]
async fn bad_arguments_give_clear_errors_and_exit_non_zero() {
    let db = synced_db().await;
    let cases: &[(&[&str], &str)] = &[
        (&["digest", "--date", "2025-13-40"], "--date"),
        (&["digest", "--tz", "Tokyo/Japan"], "IANA"),
        (&["digest", "--lang", "fr"], "fr"),
        (&["digest", "--format", "pdf"], "pdf"),
        (
            &["digest", "--from", "2025-11-25", "--to", "2025-11-24"],
            "not before",
        ),
    ];
    for (args, needle) in cases {
        let out = asakai(&db, args, &[]);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

#[tokio::test]
async fn a_broken_template_in_the_configured_folder_fails_the_command() {
    let db = synced_db().await;
    let templates = db.dir().join("templates.d");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(templates.join("markdown.hbs"), "{{#if}}").unwrap();
    let config = db.dir().join("asakai.toml");
    std::fs::write(
        &config,
        format!(
            "[digest]\ntemplates_dir = {:?}\n",
            templates.display().to_string()
        ),
    )
    .unwrap();
    let out = asakai(
        &db,
        &[
            "digest",
            "--config",
            config.to_str().unwrap(),
            "--date",
            "2025-11-25",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("markdown.hbs"), "{}", stderr(&out));
}

#[tokio::test]
async fn post_sends_block_kit_retries_a_500_and_refuses_the_same_window_twice() {
    let db = synced_db().await;
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/services/T000/B000/XXXX"))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal_error"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/services/T000/B000/XXXX"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&slack)
        .await;
    let hook = format!("{}/services/T000/B000/XXXX", slack.uri());
    let env = [("SLACK_WEBHOOK_URL", hook.as_str())];
    let args = [
        "digest",
        "--date",
        "2025-11-25",
        "--tz",
        "Asia/Tokyo",
        "--post",
    ];

    let first = asakai(&db, &args, &env);
    assert!(first.status.success(), "{}", stderr(&first));
    let posts: Vec<Request> = slack.received_requests().await.unwrap();
    assert_eq!(posts.len(), 2, "one 500, then success");
    let body: Value = serde_json::from_slice(&posts[1].body).unwrap();
    assert!(body["text"].is_string());
    let blocks = body["blocks"].as_array().unwrap();
    assert!(!blocks.is_empty() && blocks.len() <= 50);
    assert_eq!(blocks[0]["type"], "header");
    for b in blocks {
        match b["type"].as_str().unwrap() {
            "header" => assert_eq!(b["text"]["type"], "plain_text"),
            "section" => assert_eq!(b["text"]["type"], "mrkdwn"),
            "divider" | "context" => {}
            other => panic!("unexpected block {other}"),
        }
    }

    // A window already sent: said so, nothing changed, and not an error (design §7).
    let second = asakai(&db, &args, &env);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("already posted") && stderr(&second).contains("--force"),
        "{}",
        stderr(&second)
    );
    assert_eq!(
        slack.received_requests().await.unwrap().len(),
        2,
        "nothing sent"
    );
    assert!(
        !stderr(&second).contains("XXXX"),
        "the webhook URL is a secret"
    );

    let forced = asakai(&db, &[&args[..], &["--force"]].concat(), &env);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(slack.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn post_without_a_webhook_says_how_to_set_one() {
    let db = synced_db().await;
    let out = asakai(&db, &["digest", "--post"], &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("SLACK_WEBHOOK_URL"));
}

#[tokio::test]
async fn an_explicit_window_and_the_db_from_the_environment_are_honoured() {
    let db = synced_db().await;
    // No --db: ASAKAI_DB names the database.
    let out = Command::new(env!("CARGO_BIN_EXE_asakai"))
        .args([
            "digest",
            "--from",
            "2025-11-21T09:00:00+09:00",
            "--to",
            "2025-11-21T12:00:00+09:00",
            "--tz",
            "Asia/Tokyo",
            "--format",
            "json",
        ])
        .env("ASAKAI_DB", db.arg())
        .env_remove("ASAKAI_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["window"]["start"], "2025-11-21T09:00:00+09:00");
    assert_eq!(v["window"]["end"], "2025-11-21T12:00:00+09:00");
    assert!(v["window"]["meeting"].is_null());
    assert_eq!(v["hourly"].as_array().unwrap().len(), 3);
    // --db beats ASAKAI_DB.
    let out = Command::new(env!("CARGO_BIN_EXE_asakai"))
        .args(["digest", "--db"])
        .arg(db.dir().join("missing.db"))
        .env("ASAKAI_DB", db.arg())
        .env_remove("ASAKAI_CONFIG")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("missing.db"), "{}", stderr(&out));
}

#[tokio::test]
async fn the_digest_loads_alerts_exactly_as_the_store_reads_them() {
    // The digest reads alerts as positional JSON arrays, the store as objects:
    // a field added to one and not the other must fail here, not in a digest.
    let db = synced_db().await;
    let store = db.open().await;
    let window = asakai::digest::Window {
        start: NOW - 30 * DAY,
        end: NOW + 1,
        tz: chrono_tz::Asia::Tokyo,
        meeting: None,
    };
    let input = asakai::digest::load::input_at(&store, &window, &window, NOW + 1)
        .await
        .unwrap();
    let mut digest = input.alerts;
    let mut stored = store
        .find_alerts(&asakai::store::AlertFilter::default())
        .await
        .unwrap();
    digest.sort_by(|a, b| a.id.cmp(&b.id));
    stored.sort_by(|a, b| a.id.cmp(&b.id));
    assert!(stored.len() > 20);
    assert!(stored
        .iter()
        .any(|a| !a.services.is_empty() && !a.roles.is_empty()));
    assert_eq!(digest, stored);
}

/// The alert id of each graph an HTML digest carries: the first link of its line.
fn graphed_ids(html: &str) -> Vec<String> {
    html.split("<li>")
        .filter(|li| li.contains("<figure class=\"graph\">"))
        .map(|li| {
            let link = &li[..li.find("</a>").unwrap()];
            link[link.rfind('>').unwrap() + 1..].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_html_digest_carries_its_metric_alerts_graphs_inline() {
    let db = synced_db().await;
    let args = |format| {
        [
            "digest",
            "--date",
            "2025-11-25",
            "--tz",
            "Asia/Tokyo",
            "--format",
            format,
        ]
    };
    let out = asakai(&db, &args("html"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = String::from_utf8(out.stdout).unwrap();
    for figure in html.split("<figure class=\"graph\">").skip(1) {
        let svg = &figure[..figure.find("</figure>").unwrap()];
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        assert!(svg.contains("role=\"img\"") && svg.contains("<title>"));
        assert!(svg.contains("<path d=\"M"), "a drawn series");
    }
    // Self-contained: nothing to fetch, nothing to run.
    for outside in ["<script", "<img", "graph.svg", "graph.png"] {
        assert!(!html.contains(outside), "{outside}");
    }
    // Every alert of the digest with a stored series has its graph (up to the
    // cap), and only those.
    let json: Value = serde_json::from_slice(&asakai(&db, &args("json"), &[]).stdout).unwrap();
    let mut listed: Vec<String> = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["alerts"].as_array().unwrap())
        .chain(json["carried_over"].as_array().unwrap())
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    listed.dedup();
    let store = db.open_reader().await;
    let mut with_series = std::collections::BTreeSet::new();
    for id in &listed {
        if let Some(g) = store.graph_of(id).await.unwrap() {
            if g.points.is_some() {
                with_series.insert(id.clone());
            }
        }
    }
    let graphed: std::collections::BTreeSet<String> = graphed_ids(&html).into_iter().collect();
    assert!(!graphed.is_empty(), "the simulator's sync read some series");
    assert!(graphed.is_subset(&with_series), "{graphed:?}");
    assert_eq!(
        graphed.len(),
        with_series.len().min(asakai::graphs::DIGEST_GRAPHS)
    );
    let markdown = asakai(&db, &args("markdown"), &[]);
    assert!(!String::from_utf8_lossy(&markdown.stdout).contains("<svg"));
}

/// Past the cap, the graphs an HTML digest carries are those to decide first: of
/// 40 alerts with a series, the 5 still open are drawn, and 30 in all, though two
/// series do not decode and others are drawn in their place.
#[tokio::test]
async fn past_the_cap_the_html_digest_draws_the_alerts_to_decide_first() {
    use asakai::graphs::{series, DIGEST_GRAPHS};
    use asakai::store::GraphOutcome;
    let start = NOW - DAY;
    let alerts: Vec<_> = (0..40)
        .map(|i| {
            let opened = start + 600 * i;
            let closed = (i >= 5).then_some(opened + 300);
            stored_alert(&format!("g{i:02}"), "cpu", Some("app01"), opened, closed)
        })
        .collect();
    let (store, db) = store_with(&alerts).await;
    store.queue_graphs().await.unwrap();
    let outcomes: Vec<_> = alerts
        .iter()
        .map(|a| {
            let points: Vec<_> = (0..5)
                .map(|k| series::Point {
                    t: a.opened_at - 120 + 60 * k,
                    v: 40.0 + k as f64,
                })
                .collect();
            let broken = a.id == "g05" || a.id == "g06";
            let read = GraphOutcome::Read {
                points: if broken {
                    vec![0xff]
                } else {
                    series::encode(&points)
                },
                range: (a.opened_at - 120, a.opened_at + 180),
                retry_at: None,
                target: cpu_target("m-cpu"),
            };
            (a.id.clone(), read)
        })
        .collect();
    store.write_graphs(&outcomes, NOW).await.unwrap();
    store.close().await;

    let iso = |t: i64| chrono::DateTime::from_timestamp(t, 0).unwrap().to_rfc3339();
    let (from, to) = (iso(start - 60), iso(NOW));
    let args = [
        "digest", "--from", &from, "--to", &to, "--tz", "UTC", "--format", "html",
    ];
    let out = asakai(&db, &args, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let graphed = graphed_ids(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(graphed.len(), DIGEST_GRAPHS, "{graphed:?}");
    for open in ["g00", "g01", "g02", "g03", "g04"] {
        assert!(graphed.iter().any(|id| id == open), "{open} in {graphed:?}");
    }
    for broken in ["g05", "g06"] {
        assert!(
            graphed.iter().all(|id| id != broken),
            "{broken} in {graphed:?}"
        );
    }
}
