//! The weekly report to Slack: `report week --post` sends once per week.

use std::process::Command;

use asakai::sync::run_pass;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;
use crate::sync::{opts, org};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_week_post_sends_once_and_says_so_the_second_time() {
    let mackerel = Mackerel::start(org()).await;
    let db = TestDb::new().await;
    let store = db.open().await;
    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    store.close().await;
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&slack)
        .await;
    let hook = format!("{}/services/T0/B0/WEEKSECRET", slack.uri());
    let arg = db.arg().to_owned();
    let run = move || {
        let out = Command::new(env!("CARGO_BIN_EXE_asakai"))
            .args(["--db", &arg, "report", "week", "--date", "2025-11-25"])
            .args(["--tz", "UTC", "--post"])
            .env("SLACK_WEBHOOK_URL", &hook)
            .env_remove("ASAKAI_CONFIG")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let first = run.clone();
    let (ok, err) = tokio::task::spawn_blocking(first).await.unwrap();
    assert!(ok, "{err}");
    let posts = slack.received_requests().await.unwrap();
    assert_eq!(posts.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&posts[0].body).unwrap();
    assert!(body["blocks"].is_array(), "Block Kit: {body}");
    let (ok, err) = tokio::task::spawn_blocking(run).await.unwrap();
    assert!(ok, "{err}");
    assert!(err.contains("already posted"), "{err}");
    assert!(!err.contains("WEEKSECRET"));
    assert_eq!(
        slack.received_requests().await.unwrap().len(),
        1,
        "once per week"
    );
}
