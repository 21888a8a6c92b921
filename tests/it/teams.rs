//! Teams (design §11): each team's digest is its services' alerts, posted once to
//! its own destination at its own time; `digest --team` on the command line.

use std::time::Duration;

use asakai::config::Env;
use asakai::secret::Secret;
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::serve::{eventually, spawn_app};

async fn slack() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&s)
        .await;
    s
}

async fn posts(s: &MockServer) -> Vec<Value> {
    s.received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn each_team_gets_its_own_post_once_in_its_own_channel() {
    let Some((zone, local)) = crate::serve_process::weekday_zone() else {
        return;
    };
    let post_at = (local - chrono::Duration::minutes(1)).format("%H:%M");
    let (blog, shop) = (slack().await, slack().await);
    let env = Env {
        vars: [
            (
                "HOOK_BLOG".to_owned(),
                Secret::new(format!("{}/b", blog.uri())),
            ),
            (
                "HOOK_SHOP".to_owned(),
                Secret::new(format!("{}/s", shop.uri())),
            ),
        ]
        .into(),
        ..Env::default()
    };
    let config = format!(
        "timezone = \"{zone}\"\npost_at = \"{post_at}\"\n\
         [[team]]\nname = \"blog\"\nservices = [\"blog\"]\nslack_webhook_env = \"HOOK_BLOG\"\n\
         [[team]]\nname = \"shop\"\nservices = [\"shop\"]\nlang = \"ja\"\nslack_webhook_env = \"HOOK_SHOP\"\n"
    );
    let app = spawn_app(&config, env).await;
    eventually("both teams posted", || async {
        posts(&blog).await.len() == 1 && posts(&shop).await.len() == 1
    })
    .await;
    // Four more ticks of the worker: still once each.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (b, s) = (posts(&blog).await, posts(&shop).await);
    assert_eq!((b.len(), s.len()), (1, 1));
    let (b, s) = (b[0].to_string(), s[0].to_string());
    assert!(
        b.contains("blog") && !b.contains("shop top"),
        "blog's own: {b}"
    );
    assert!(
        s.contains("shop top") && !s.contains("blog - 5xx"),
        "shop's own: {s}"
    );
    assert!(
        s.contains("未解決") || s.contains("自動復旧"),
        "shop's in Japanese: {s}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_team_config_without_a_destination_for_every_team_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("asakai.toml");
    std::fs::write(
        &path,
        "[[team]]\nname = \"blog\"\nservices = [\"blog\"]\nslack_webhook_env = \"HOOK_BLOG\"\n\
         [[team]]\nname = \"shop\"\nservices = [\"shop\"]\n",
    )
    .unwrap();
    let env = Env {
        vars: [(
            "HOOK_BLOG".to_owned(),
            Secret::new("https://hooks.example/b"),
        )]
        .into(),
        ..Env::default()
    };
    let err = asakai::config::Settings::load(Some(&path), &env)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[[team]] \"shop\" slack_channel / slack_webhook_env"),
        "{err}"
    );
    assert!(err.contains("asakai.toml"), "{err}");
}

const TWO_TEAMS: &str = "[[team]]\nname = \"blog\"\nservices = [\"blog\"]\n\
     [[team]]\nname = \"shop\"\nservices = [\"shop\", \"(no service)\"]\n";

#[tokio::test]
async fn a_page_shows_the_chosen_team_and_remembers_it() {
    use crate::web::MEETING;
    let app = spawn_app(TWO_TEAMS, Env::default()).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/digests/{MEETING}?team=shop", app.base))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("asakai_team=shop;"), "{cookie}");
    let shop = r.text().await.unwrap();
    assert!(
        shop.contains("shop top") && !shop.contains("blog - 5xx"),
        "shop's alerts only"
    );
    assert!(
        shop.contains("aria-current=\"page\">shop<"),
        "the switcher marks it"
    );
    // The next visit, with the cookie: still shop's.
    let again = http
        .get(format!("{}/digests/{MEETING}", app.base))
        .header("cookie", "asakai_team=shop")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("shop top") && !again.contains("blog - 5xx"));
    // Every service, without the cookie.
    let all = app
        .get(&format!("/digests/{MEETING}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(all.contains("shop top") && all.contains("blog - 5xx"));
    let blog: Value = app
        .get(&format!("/api/digest?date={MEETING}&team=blog"))
        .await
        .json()
        .await
        .unwrap();
    let services: Vec<&str> = blog["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["blog"]);
    let r = app.get(&format!("/digests/{MEETING}?team=nope")).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("the teams are blog, shop"));
    let r = app
        .get(&format!("/api/digest?date={MEETING}&team=nope"))
        .await;
    assert_eq!(r.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn digest_team_on_the_command_line_is_the_teams_digest() {
    let app = spawn_app(TWO_TEAMS, Env::default()).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    let config = app.config_path();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_asakai"))
            .arg("--db")
            .arg(app.db.arg())
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "digest",
        "--date",
        crate::web::MEETING,
        "--team",
        "shop",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut services: Vec<String> = d["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].to_string())
        .collect();
    services.sort();
    assert_eq!(services, ["\"shop\"", "null"], "shop and (no service)");
    let out = run(&[
        "review",
        "--pending",
        "--date",
        crate::web::MEETING,
        "--team",
        "blog",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pending: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pending = pending.as_array().unwrap();
    assert!(!pending.is_empty());
    assert!(
        pending.iter().all(|a| a["services"]
            .as_array()
            .unwrap()
            .contains(&Value::from("blog"))),
        "blog's alerts only"
    );
    let out = run(&[
        "report",
        "week",
        "--date",
        "2025-11-26",
        "--team",
        "blog",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let week: Value = serde_json::from_slice(&out.stdout).unwrap();
    let services: Vec<&Value> = week["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["service"])
        .collect();
    assert_eq!(services, [&Value::from("blog")], "blog's week only");
    assert!(week["alerts"].as_i64().unwrap() < 14, "{week}");
    let out = run(&["digest", "--team", "nope"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--team") && err.contains("the teams are blog, shop"),
        "{err}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_team_service_the_organisation_does_not_have_is_named() {
    let app = spawn_app(TWO_TEAMS, Env::default()).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    let config = app.config_path().with_file_name("typo.toml");
    std::fs::write(
        &config,
        "[[team]]\nname = \"blog\"\nservices = [\"blgo\"]\n[[team]]\nname = \"shop\"\nservices = [\"shop\"]\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_asakai"))
        .arg("--db")
        .arg(app.db.arg())
        .arg("--config")
        .arg(&config)
        .args(["digest", "--team", "shop"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[[team]] \"blog\" services") && err.contains("\"blgo\" is not a service"),
        "{err}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_teams_unreviewed_earlier_alerts_are_counted_in_full_not_only_those_shown() {
    use crate::helpers::{store_with, stored_alert};
    let start = crate::helpers::NOW;
    let mut alerts = Vec::new();
    let mut add = |id: String, services: &[&str], ago: i64| {
        let mut a = stored_alert(&id, "cpu", Some("web01"), start - ago, None);
        a.services = services.iter().map(|s| s.to_string()).collect();
        alerts.push(a);
    };
    for i in 0..60 {
        add(format!("blog{i:02}"), &["blog"], 3600 + i * 60);
    }
    for i in 0..5 {
        add(format!("shop{i}"), &["shop"], 7200 + i * 60);
    }
    for i in 0..2 {
        add(format!("both{i}"), &["blog", "shop"], 9000 + i * 60);
    }
    for i in 0..3 {
        add(format!("none{i}"), &[], 4000 + i * 60);
    }
    add("old".into(), &["blog"], 8 * 86_400);
    let (store, _db) = store_with(&alerts).await;
    let ids: Vec<String> = (0..4).map(|i| format!("blog{i:02}")).collect();
    let review = asakai::store::NewReview {
        outcome: "noise",
        note: None,
        by: Some("sato"),
        at: start,
    };
    assert!(store.add_reviews(&ids, review).await.unwrap().is_empty());
    let week = |services: &[&str], no_service| {
        let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
        let store = store.clone();
        async move {
            store
                .unreviewed_between_of(start - 7 * 86_400, start, 50, &services, no_service)
                .await
                .unwrap()
        }
    };
    let (shown, total) = week(&["blog"], false).await;
    assert_eq!(
        total,
        60 + 2 - 4,
        "every unreviewed blog alert, not the 50 shown"
    );
    assert_eq!(shown.len(), 50);
    assert!(shown
        .iter()
        .all(|id| id.starts_with("blog") || id.starts_with("both")));
    assert_eq!(shown[0], "blog04", "newest first");
    let (shown, total) = week(&["shop"], true).await;
    assert_eq!(total, 5 + 2 + 3);
    assert_eq!(shown.len(), 10);
    let (_, total) = week(&["api"], false).await;
    assert_eq!(total, 0);
    // Everyone's count stays the sum over the organisation.
    let (_, all) = store
        .unreviewed_between(start - 7 * 86_400, start, 50)
        .await
        .unwrap();
    assert_eq!(all, 60 + 5 + 2 + 3 - 4);
}
