//! `asakai serve` as a process: the morning post reaches Slack once across a SIGKILL
//! and a restart, and SIGTERM stops it cleanly and quickly.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Datelike, Timelike};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;
use crate::sync::org;

/// A zone whose date is a weekday now (the morning post is for business days), with
/// its local time; `None` on the hours of a weekend when no zone has a weekday.
fn weekday_zone() -> Option<(&'static str, chrono::NaiveTime)> {
    let now = chrono::Utc::now();
    [
        "UTC",
        "Etc/GMT+12",
        "Pacific/Kiritimati",
        "Asia/Tokyo",
        "America/New_York",
    ]
    .into_iter()
    .find_map(|name| {
        let tz: chrono_tz::Tz = name.parse().ok()?;
        let local = now.with_timezone(&tz);
        let weekday = local.weekday().number_from_monday() <= 5;
        // Not in the first minutes of the day: post_at is set a minute back.
        (weekday && local.hour() * 60 + local.minute() > 2).then(|| (name, local.time()))
    })
}

fn serve(dir: &Path, mackerel: &str, slack: &str, zone: &str, post_at: &str) -> Child {
    let config = dir.join("asakai.toml");
    std::fs::write(
        &config,
        format!(
            "[mackerel]\nrequest_interval = \"0s\"\n[sync]\ninterval = \"1s\"\nbackfill = \"30d\"\n\
             [digest]\ntimezone = \"{zone}\"\nholidays = \"none\"\npost_at = \"{post_at}\"\n"
        ),
    )
    .unwrap();
    Command::new(env!("CARGO_BIN_EXE_asakai"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("ASAKAI_DB", dir.join("serve.db"))
        .env("ASAKAI_CONFIG", &config)
        .env("MACKEREL_APIBASE", mackerel)
        .env("MACKEREL_APIKEY", KEY)
        .env("SLACK_WEBHOOK_URL", slack)
        .env_remove("ASAKAI_UI_PASSWORD")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

async fn posts(slack: &MockServer) -> usize {
    slack.received_requests().await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_morning_post_arrives_once_across_a_kill_and_a_restart() {
    let mackerel = Mackerel::start(org()).await;
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&slack)
        .await;
    let hook = format!("{}/services/T0/B0/X", slack.uri());
    let dir = tempfile::tempdir().unwrap();
    let Some((zone, local)) = weekday_zone() else {
        // A weekend everywhere: nothing may be posted at all.
        let mut child = serve(dir.path(), &mackerel.server.uri(), &hook, "UTC", "00:00");
        tokio::time::sleep(Duration::from_secs(4)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(posts(&slack).await, 0, "no post on a weekend");
        return;
    };
    let post_at = (local - chrono::Duration::minutes(1))
        .format("%H:%M")
        .to_string();

    let mut first = serve(dir.path(), &mackerel.server.uri(), &hook, zone, &post_at);
    let deadline = Instant::now() + Duration::from_secs(20);
    while posts(&slack).await == 0 {
        assert!(Instant::now() < deadline, "the morning post never came");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();

    let mut second = serve(dir.path(), &mackerel.server.uri(), &hook, zone, &post_at);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        posts(&slack).await,
        1,
        "posted once, across the kill and restart"
    );
    second.kill().unwrap();
    second.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_serve_with_exit_code_zero_within_ten_seconds() {
    let mackerel = Mackerel::start(org()).await;
    let dir = tempfile::tempdir().unwrap();
    let child = serve(dir.path(), &mackerel.server.uri(), "", "UTC", "23:59");
    // Let it start and run a pass or two.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = child.id().to_string();
    let sent = Instant::now();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let took = sent.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {err}", out.status);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(err.contains("stopped"), "{err}");
}
