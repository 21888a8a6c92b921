//! Slack app mode (design §11) against a stand-in of Slack's Web API on loopback,
//! with answers shaped as Slack documents them (shared/slack-api.md): the post with
//! its outcome menus, a signed interaction recorded under the Slack user's name and
//! the message updated, refusals that change nothing, and Slack's named errors.

use std::time::{Duration, Instant};

use asakai::config::Env;
use asakai::digest::meeting;
use asakai::secret::Secret;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::serve::{eventually, spawn_app, TestApp};
use crate::web::MEETING;

const SIGNING: &str = "8f742231b10e8888abcd99yyyzzz85a5";

async fn slack_api() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channel": "C0OPS", "ts": "1764000000.000100",
            "message": {"type": "message", "ts": "1764000000.000100"}
        })))
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat.update"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"ok": true, "channel": "C0OPS", "ts": "1764000000.000100", "text": "updated"}),
        ))
        .mount(&s)
        .await;
    s
}

async fn app_with(slack: &MockServer) -> TestApp {
    let env = Env {
        slack_bot_token: Some(Secret::new("xoxb-test-token")),
        slack_signing_secret: Some(Secret::new(SIGNING)),
        ..Env::default()
    };
    let config = format!(
        "[slack]\nchannel = \"#ops\"\napi_base = \"{}/api/\"\n",
        slack.uri()
    );
    let app = spawn_app(&config, env).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    app
}

/// The meeting's digest posted as the worker would post it.
pub async fn post(
    app: &TestApp,
) -> Result<asakai::slack::webhook::Delivered, meeting::PostFailure> {
    let settings = &app.app.settings;
    let spec = meeting::spec(settings, settings.timezone);
    let window = spec.for_meeting(MEETING.parse().unwrap());
    let now = chrono::Utc::now().timestamp();
    let digest = meeting::digest_of(&app.store, &spec, &window, now)
        .await
        .unwrap();
    let team = &settings.teams[0];
    meeting::post_to_slack(
        &app.store, settings, &digest, &window, team.lang, false, team,
    )
    .await
}

async fn bodies(s: &MockServer, method_path: &str) -> Vec<Value> {
    s.received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == method_path)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

/// A signed `block_actions` interaction choosing `outcome` on `item` of the post.
fn interaction(item: &str, outcome: &str, action_id: &str) -> String {
    let payload = json!({
        "type": "block_actions",
        "user": {"id": "U123", "username": "sato", "name": "sato", "team_id": "T1"},
        "team": {"id": "T1", "domain": "example"},
        "channel": {"id": "C0OPS", "name": "ops"},
        "container": {"type": "message", "message_ts": "1764000000.000100", "channel_id": "C0OPS"},
        "message": {"type": "message", "ts": "1764000000.000100"},
        "actions": [{"type": "static_select", "block_id": item, "action_id": action_id,
                     "selected_option": {"text": {"type": "plain_text", "text": outcome}, "value": outcome},
                     "action_ts": "1764000001.000100"}],
        "response_url": "https://hooks.slack.com/actions/T1/1/x", "trigger_id": "1.2.3", "api_app_id": "A1"
    });
    form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
}

async fn send(app: &TestApp, body: &str, timestamp: i64, secret: &str) -> reqwest::Response {
    let ts = timestamp.to_string();
    let signature = asakai::slack::signature::sign(&Secret::new(secret), &ts, body.as_bytes());
    app.http
        .post(format!("{}/slack/interactions", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", ts)
        .header("x-slack-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_post_carries_menus_and_an_outcome_chosen_in_slack_is_recorded_and_shown() {
    let slack = slack_api().await;
    let app = app_with(&slack).await;
    post(&app).await.unwrap();
    let posts = bodies(&slack, "/api/chat.postMessage").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["channel"], "#ops");
    let blocks = posts[0]["blocks"].as_array().unwrap();
    assert!(blocks.len() <= 50);
    let menus: Vec<&Value> = blocks
        .iter()
        .filter(|b| b["accessory"]["action_id"] == "outcome")
        .collect();
    assert!(
        !menus.is_empty() && menus.len() <= 20,
        "{} menus",
        menus.len()
    );
    assert_eq!(
        menus[0]["accessory"]["options"].as_array().unwrap().len(),
        5
    );
    // A second post of the window is refused by the claim: Slack sees one.
    assert!(matches!(
        post(&app).await.unwrap(),
        asakai::slack::webhook::Delivered::AlreadySent(_)
    ));
    assert_eq!(bodies(&slack, "/api/chat.postMessage").await.len(), 1);

    let item = menus[0]["block_id"].as_str().unwrap().to_owned();
    let started = Instant::now();
    let r = send(
        &app,
        &interaction(&item, "noise", "outcome"),
        chrono::Utc::now().timestamp(),
        SIGNING,
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let page = app
        .get(&format!("/digests/{MEETING}"))
        .await
        .text()
        .await
        .unwrap();
    let ids = crate::web::attr(
        page.split(&format!("data-key=\"{item}\"")).nth(1).unwrap(),
        "data-alert-ids",
    );
    for id in ids.split(' ') {
        let a: Value = app
            .get(&format!("/api/alerts/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(a["review"]["outcome"], "noise", "{id}");
        assert_eq!(a["review"]["by"], "sato", "the Slack user's name");
    }
    eventually("the message was updated", || async {
        bodies(&slack, "/api/chat.update").await.iter().any(|u| {
            u["ts"] == "1764000000.000100"
                && u["blocks"].as_array().unwrap().iter().any(|b| {
                    b["block_id"] == item.as_str()
                        && b["accessory"]["initial_option"]["value"] == "noise"
                })
        })
    })
    .await;
    // A review made on the page shows in the message too, within a tick.
    let other = menus[1]["block_id"].as_str().unwrap().to_owned();
    let other_ids = crate::web::attr(
        page.split(&format!("data-key=\"{other}\"")).nth(1).unwrap(),
        "data-alert-ids",
    );
    let ids: Vec<&str> = other_ids.split(' ').collect();
    let r = app
        .post_json(
            "/api/reviews",
            &json!({"alert_ids": ids, "outcome": "expected"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    eventually("a review on the page updated the message", || async {
        bodies(&slack, "/api/chat.update").await.iter().any(|u| {
            u["blocks"].as_array().unwrap().iter().any(|b| {
                b["block_id"] == other.as_str()
                    && b["accessory"]["initial_option"]["value"] == "expected"
            })
        })
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn a_forged_stale_or_unknown_interaction_changes_nothing() {
    let slack = slack_api().await;
    let app = app_with(&slack).await;
    post(&app).await.unwrap();
    let posts = bodies(&slack, "/api/chat.postMessage").await;
    let item = posts[0]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["accessory"]["action_id"] == "outcome")
        .unwrap()["block_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = chrono::Utc::now().timestamp();
    let body = interaction(&item, "fixed", "outcome");
    let cases = [
        (send(&app, &body, now, "not-the-secret").await, 401),
        (send(&app, &body, now - 600, SIGNING).await, 401),
        (
            send(
                &app,
                &interaction("item-nope", "fixed", "outcome"),
                now,
                SIGNING,
            )
            .await,
            400,
        ),
        (
            send(
                &app,
                &interaction(&item, "fixed", "delete_everything"),
                now,
                SIGNING,
            )
            .await,
            400,
        ),
        (
            send(&app, &interaction(&item, "meh", "outcome"), now, SIGNING).await,
            400,
        ),
    ];
    for (i, (r, status)) in cases.into_iter().enumerate() {
        assert_eq!(r.status(), status, "case {i}");
    }
    let all: Value = app
        .get("/api/alerts?limit=1000")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|a| a["review"].is_null()),
        "nothing was recorded"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("asakai_slack_interactions_total{result=\"unauthorized\"} 2"),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_endpoint_is_off_without_a_signing_secret() {
    let app = spawn_app("", Env::default()).await;
    let r = app
        .http
        .post(format!("{}/slack/interactions", app.base))
        .body("payload=%7B%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    app.stop().await;
}

/// Slack answering `error` (HTTP 200 with `ok: false`, or `status` with Retry-After).
async fn failing(status: u16, error: &str, then_ok: bool) -> MockServer {
    let s = MockServer::start().await;
    let mut answer =
        ResponseTemplate::new(status).set_body_json(json!({"ok": false, "error": error}));
    if status == 429 {
        answer = answer.insert_header("retry-after", "1");
    }
    let first = Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(answer);
    if then_ok {
        first.up_to_n_times(1).mount(&s).await;
        Mock::given(method("POST"))
            .and(path("/api/chat.postMessage"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(
                    json!({"ok": true, "channel": "C0OPS", "ts": "1764000000.000200"}),
                ),
            )
            .mount(&s)
            .await;
    } else {
        first.mount(&s).await;
    }
    s
}

#[tokio::test]
async fn slacks_errors_are_named_and_only_throttling_is_tried_again() {
    for error in ["invalid_auth", "channel_not_found", "not_in_channel"] {
        let slack = failing(200, error, false).await;
        let app = app_with(&slack).await;
        let err = post(&app).await.unwrap_err().to_string();
        assert!(err.contains(error), "{err}");
        assert_eq!(
            bodies(&slack, "/api/chat.postMessage").await.len(),
            1,
            "{error} is not tried again"
        );
        // Surely not posted: the claim is released, and a later try asks Slack again.
        assert!(post(&app).await.is_err());
        assert_eq!(bodies(&slack, "/api/chat.postMessage").await.len(), 2);
        app.stop().await;
    }
    let slack = failing(429, "ratelimited", true).await;
    let app = app_with(&slack).await;
    post(&app).await.unwrap();
    assert_eq!(
        bodies(&slack, "/api/chat.postMessage").await.len(),
        2,
        "once more after Retry-After"
    );
    assert!(matches!(
        post(&app).await.unwrap(),
        asakai::slack::webhook::Delivered::AlreadySent(_)
    ));
    app.stop().await;
}

#[tokio::test]
async fn the_post_shows_the_graph_of_an_item_to_decide_when_slack_can_fetch_it() {
    let slack = slack_api().await;
    let env = Env {
        slack_bot_token: Some(Secret::new("xoxb-test-token")),
        slack_signing_secret: Some(Secret::new(SIGNING)),
        ..Env::default()
    };
    let config = format!(
        "[slack]\nchannel = \"#ops\"\napi_base = \"{}/api/\"\n\
         [server]\npublic_url = \"https://asakai.example.internal/\"\n",
        slack.uri()
    );
    let app = crate::serve::spawn_app_polling("1h", &config, env).await;
    eventually("the first pass", || async {
        app.store.last_good_pass().await.unwrap().is_some()
    })
    .await;
    // aMaint (cpu on db01, open) has a series: over its threshold from its opening.
    crate::graphs_draw::store_cpu_series(&app.store, "aMaint").await;
    post(&app).await.unwrap();
    let posts = bodies(&slack, "/api/chat.postMessage").await;
    let images: Vec<&Value> = posts[0]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "image")
        .collect();
    assert_eq!(images.len(), 1, "{}", posts[0]);
    let url = images[0]["image_url"].as_str().unwrap();
    assert!(
        url.starts_with("https://asakai.example.internal/alerts/aMaint/graph.png?t="),
        "{url}"
    );
    assert!(images[0]["alt_text"].as_str().unwrap().contains("cpu.user"));
    // The token in it lets anyone (Slack) fetch the PNG without a login.
    let path = url.trim_start_matches("https://asakai.example.internal");
    let r = app.get(path).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    app.stop().await;
}
