//! Slack app mode's posts as `serve` makes them (design §11): each team's digest
//! and weekly report in its own channel, once; a claim left by a crash never
//! posted again unless forced; and Slack's errors named in `/healthz`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use asakai::config::Env;
use asakai::digest::meeting;
use asakai::secret::Secret;
use asakai::slack::webhook::{Delivered, DeliveryError};
use asakai::store::deliveries::{Claim, DeliveryKey};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::serve::{eventually, spawn_app};
use crate::web::MEETING;

/// `chat.postMessage` as Slack answers it: `ok`, the channel posted to, a new ts.
struct Posts(AtomicU64);

impl Respond for Posts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channel": body["channel"], "ts": format!("1764000000.{n:06}"),
            "message": {"type": "message", "text": body["text"]}
        }))
    }
}

async fn slack_api() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(Posts(AtomicU64::new(1)))
        .mount(&s)
        .await;
    s
}

async fn posted(s: &MockServer) -> Vec<Value> {
    s.received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/chat.postMessage")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn app_env() -> Env {
    Env {
        slack_bot_token: Some(Secret::new("xoxb-test-token")),
        slack_signing_secret: Some(Secret::new("8f742231b10e8888abcd99yyyzzz85a5")),
        ..Env::default()
    }
}

/// A digest message (its "N of M reviewed" line) rather than a weekly report.
fn is_digest(message: &Value) -> bool {
    fn texts<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::String(s) => out.push(s),
            Value::Array(a) => a.iter().for_each(|v| texts(v, out)),
            Value::Object(o) => o.values().for_each(|v| texts(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    texts(&message["blocks"], &mut all);
    all.iter().flat_map(|t| t.lines()).any(|line| {
        let words: Vec<&str> = line.split(' ').collect();
        matches!(words.as_slice(), [n, "of", m, "reviewed"]
            if n.parse::<u32>().is_ok() && m.parse::<u32>().is_ok())
    })
}

#[tokio::test]
async fn each_app_team_gets_its_digest_and_weekly_report_in_its_channel_once() {
    let Some((zone, local)) = crate::serve_process::weekday_zone() else {
        return;
    };
    let at = local - chrono::Duration::minutes(1);
    let weekly = format!(
        "{} {}",
        chrono::Datelike::weekday(
            &chrono::Utc::now().with_timezone(&zone.parse::<chrono_tz::Tz>().unwrap())
        ),
        at.format("%H:%M")
    );
    let slack = slack_api().await;
    let config = format!(
        "timezone = \"{zone}\"\npost_at = \"{}\"\n[slack]\napi_base = \"{}/api/\"\n\
         [[team]]\nname = \"blog\"\nservices = [\"blog\"]\nslack_channel = \"#blog-ops\"\nweekly_post = \"{weekly}\"\n\
         [[team]]\nname = \"shop\"\nservices = [\"shop\"]\nslack_channel = \"#shop-ops\"\nweekly_post = \"{weekly}\"\n",
        at.format("%H:%M"),
        slack.uri()
    );
    let app = spawn_app(&config, app_env()).await;
    eventually("two digests and two weekly reports", || async {
        posted(&slack).await.len() >= 4
    })
    .await;
    // More ticks of the worker: nothing posted twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = posted(&slack).await;
    assert_eq!(all.len(), 4, "{all:?}");
    for channel in ["#blog-ops", "#shop-ops"] {
        let mine: Vec<&Value> = all.iter().filter(|m| m["channel"] == channel).collect();
        assert_eq!(mine.len(), 2, "{channel}: {mine:?}");
        assert_eq!(
            mine.iter().filter(|m| is_digest(m)).count(),
            1,
            "one digest and one weekly report in {channel}"
        );
    }
    let blog_digest = all
        .iter()
        .find(|m| m["channel"] == "#blog-ops" && is_digest(m))
        .unwrap()
        .to_string();
    assert!(
        !blog_digest.contains("shop top"),
        "only blog's: {blog_digest}"
    );
    // Only the digests are kept for menus and updates.
    let kept = app.store.slack_posts_since(0).await.unwrap();
    assert_eq!(kept.len(), 2, "{kept:?}");
    let health: Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["slack"]["mode"], "app", "{health}");
    let teams = health["slack"]["teams"].as_array().unwrap();
    assert_eq!(teams[0]["team"], "blog");
    assert_eq!(teams[0]["destination"], "#blog-ops");
    for t in teams {
        assert_eq!(t["digest"]["ok"], true, "{health}");
        assert_eq!(t["week"]["ok"], true, "{health}");
    }
    app.stop().await;
}

#[tokio::test]
async fn healthz_names_what_slack_refused_without_failing_the_check() {
    let Some((zone, local)) = crate::serve_process::weekday_zone() else {
        return;
    };
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": false, "error": "channel_not_found"})),
        )
        .mount(&slack)
        .await;
    let config = format!(
        "timezone = \"{zone}\"\npost_at = \"{}\"\n[slack]\nchannel = \"#nowhere\"\napi_base = \"{}/api/\"\n",
        (local - chrono::Duration::minutes(1)).format("%H:%M"),
        slack.uri()
    );
    let app = spawn_app(&config, app_env()).await;
    let health = eventually_json(&app, "/healthz", |h| {
        h["slack"]["teams"][0]["digest"].is_object()
    })
    .await;
    let digest = &health["slack"]["teams"][0]["digest"];
    assert_eq!(digest["ok"], false, "{health}");
    assert_eq!(digest["error"], "channel_not_found", "{health}");
    let message = digest["message"].as_str().unwrap();
    assert!(
        message.contains("slack_channel"),
        "says what to check: {message}"
    );
    assert!(!health.to_string().contains("xoxb-test-token"));
    assert_eq!(health["slack"]["teams"][0]["destination"], "#nowhere");
    // Slack's trouble is not the service's: the load balancer keeps it.
    assert_eq!(app.get("/healthz").await.status(), 200);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.contains("slack_errors") && l.contains("channel_not_found")),
        "{metrics}"
    );
    app.stop().await;
}

async fn eventually_json(
    app: &crate::serve::TestApp,
    path: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let v: Value = app.get(path).await.json().await.unwrap();
        if ready(&v) {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "{path}: {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_claim_left_by_a_crash_is_not_posted_again_unless_forced() {
    let slack = slack_api().await;
    let config = format!(
        "[slack]\nchannel = \"#ops\"\napi_base = \"{}/api/\"\n",
        slack.uri()
    );
    let app = spawn_app(&config, app_env()).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    let settings = &app.app.settings;
    let spec = meeting::spec(settings, settings.timezone);
    let window = spec.for_meeting(MEETING.parse().unwrap());
    let now = chrono::Utc::now().timestamp();
    // A process claimed the window and died, before Slack answered or after it
    // posted but before it recorded so: the store cannot tell which.
    let key = DeliveryKey {
        start: window.start,
        end: window.end,
        channel: "slack",
    };
    assert_eq!(
        app.store.claim_delivery(key, now, false).await.unwrap(),
        Claim::Granted
    );
    let digest = meeting::digest_of(&app.store, &spec, &window, now)
        .await
        .unwrap();
    let team = &settings.teams[0];
    let post = |force| {
        meeting::post_to_slack(
            &app.store, settings, &digest, &window, team.lang, force, team,
        )
    };
    let err = post(false).await.unwrap_err();
    assert!(
        matches!(
            err,
            meeting::PostFailure::Delivery(DeliveryError::OutcomeUnknown(_))
        ),
        "{err}"
    );
    assert!(err.to_string().contains("--force"), "{err}");
    // A restart reads the same claim from the store.
    let reopened = app.db.open().await;
    assert!(matches!(
        reopened.claim_delivery(key, now, false).await.unwrap(),
        Claim::Unknown(_)
    ));
    reopened.close().await;
    assert!(posted(&slack).await.is_empty(), "never posted on its own");
    // Forced, it is posted once, and kept for its menus.
    assert_eq!(post(true).await.unwrap(), Delivered::Sent);
    assert!(matches!(
        post(false).await.unwrap(),
        Delivered::AlreadySent(_)
    ));
    let all = posted(&slack).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["channel"], "#ops");
    let kept = app.store.slack_posts_since(0).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].channel, "#ops");
    app.stop().await;
}

#[tokio::test]
async fn an_incoming_webhook_post_shows_the_top_items_graphs_when_slack_can_fetch_them() {
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&hook)
        .await;
    let env = Env {
        slack_webhook_url: Some(Secret::new(format!("{}/services/T0/B0/x", hook.uri()))),
        ..Env::default()
    };
    let config = "[server]\npublic_url = \"https://asakai.example.internal/\"\n";
    let app = crate::serve::spawn_app_polling("1h", config, env).await;
    eventually("the first pass", || async {
        app.store.last_good_pass().await.unwrap().is_some()
    })
    .await;
    // aMaint (cpu on db01, open) has a series; the other alerts have none.
    crate::graphs_draw::store_cpu_series(&app.store, "aMaint").await;
    crate::slack::post(&app).await.unwrap();
    let requests = hook.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    let blocks = body["blocks"].as_array().unwrap();
    assert!(blocks.len() <= 50);
    let images: Vec<&Value> = blocks.iter().filter(|b| b["type"] == "image").collect();
    assert_eq!(images.len(), 1, "{body}");
    let url = images[0]["image_url"].as_str().unwrap();
    assert!(
        url.starts_with("https://asakai.example.internal/alerts/aMaint/graph.png?t="),
        "{url}"
    );
    assert!(images[0]["alt_text"].as_str().unwrap().contains("db01"));
    // No menus: a webhook's message cannot be answered.
    assert!(!body.to_string().contains("static_select"));
    let r = app
        .get(url.trim_start_matches("https://asakai.example.internal"))
        .await;
    assert_eq!(r.status(), 200);
    app.stop().await;
}
