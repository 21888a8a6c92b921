//! `asakai serve` as a process: the morning post reaches Slack once across a SIGKILL
//! and a restart, and SIGTERM stops it cleanly and quickly.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Datelike, Timelike};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;
use crate::sync::org;

/// A zone whose date is a weekday now (the morning post is for business days), with
/// its local time; `None` on the hours of a weekend when no zone has a weekday.
pub(crate) fn weekday_zone() -> Option<(&'static str, chrono::NaiveTime)> {
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

fn serve(db: &TestDb, mackerel: &str, slack: &str, zone: &str, post_at: &str) -> Child {
    let config = db.dir().join("asakai.toml");
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
        .env("ASAKAI_DB", db.arg())
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
    let db = TestDb::new().await;
    let Some((zone, local)) = weekday_zone() else {
        // A weekend everywhere: nothing may be posted at all.
        let mut child = serve(&db, &mackerel.server.uri(), &hook, "UTC", "00:00");
        tokio::time::sleep(Duration::from_secs(4)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(posts(&slack).await, 0, "no post on a weekend");
        return;
    };
    let post_at = (local - chrono::Duration::minutes(1))
        .format("%H:%M")
        .to_string();

    let mut first = serve(&db, &mackerel.server.uri(), &hook, zone, &post_at);
    let deadline = Instant::now() + Duration::from_secs(20);
    while posts(&slack).await == 0 {
        assert!(Instant::now() < deadline, "the morning post never came");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();

    let mut second = serve(&db, &mackerel.server.uri(), &hook, zone, &post_at);
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
    let db = TestDb::new().await;
    let child = serve(&db, &mackerel.server.uri(), "", "UTC", "23:59");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_serve_on_the_simulator_and_posts_to_a_local_slack() {
    use std::io::BufRead;
    // The demo keeps its alerts in a SQLite file of its own, whatever the tests run on.
    let db = TestDb::sqlite();
    let mut child = Command::new(env!("CARGO_BIN_EXE_asakai"))
        .args(["demo", "--days", "3", "--db", db.arg()])
        .env_remove("ASAKAI_CONFIG")
        .env_remove("MACKEREL_APIKEY")
        .env_remove("SLACK_WEBHOOK_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    // Killed however the test ends: a demo left running would hold port 8080.
    struct Reap(u32);
    impl Drop for Reap {
        fn drop(&mut self) {
            let _ = Command::new("kill").arg(self.0.to_string()).status();
        }
    }
    let _reap = Reap(child.id());
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    let url = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the demo went quiet");
        seen.push(line.clone());
        if let Some(at) = line.find("Open http://") {
            let rest = &line[at + "Open ".len()..];
            break rest[..rest.find("/ ").unwrap()].to_owned();
        }
        assert!(Instant::now() < deadline, "no URL: {seen:?}");
    };
    let health: serde_json::Value = reqwest::get(format!("{url}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(health["last_pass"].is_object(), "{health}");
    let digest: serde_json::Value = reqwest::get(format!("{url}/api/digest"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(digest["window"].is_object());
    let page = reqwest::get(format!("{url}/")).await.unwrap();
    assert_eq!(page.status(), 200, "the digest page to review");
    // Two teams, each its own post in its own channel (on a day off, the last
    // business day's), with outcome menus and the command that chooses one.
    let mut channels = std::collections::BTreeSet::new();
    let mut click = None;
    while channels.len() < 2 || click.is_none() {
        let l = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("posts: {channels:?}, click: {click:?}"));
        if let Some(rest) = l.split("[Slack stand-in] new post in ").nth(1) {
            channels.insert(rest.trim_end_matches(':').to_owned());
        }
        if let Some(at) = l.find("curl -X POST ") {
            click.get_or_insert(l[at + "curl -X POST ".len()..].trim().to_owned());
        }
    }
    let want: std::collections::BTreeSet<String> =
        ["#blog".to_owned(), "#shop-api".to_owned()].into();
    assert_eq!(
        channels, want,
        "each team's morning post reached its channel"
    );
    // A person in Slack chooses "expected": recorded under their Slack name, and
    // the post updated to say so.
    let click = click.unwrap();
    let r = reqwest::Client::new().post(&click).send().await.unwrap();
    let said = r.text().await.unwrap();
    assert!(said.contains("recorded"), "{click}: {said}");
    loop {
        let l = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the post was not updated");
        if l.contains("updated:") {
            break;
        }
    }
    let line = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(line.contains("1 of "), "the count of reviewed: {line}");
    let alerts: serde_json::Value = reqwest::get(format!("{url}/api/alerts?limit=1000"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reviewed: Vec<&serde_json::Value> = alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["review"]["by"] == "you-in-slack")
        .collect();
    assert!(!reviewed.is_empty(), "the review is on the page's data too");
    assert!(reviewed
        .iter()
        .all(|a| a["review"]["outcome"] == "expected"));
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    assert!(child.wait().unwrap().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_serve_within_ten_seconds_with_stalled_clients_connected() {
    use std::io::{BufRead, Read, Write};
    let mackerel = Mackerel::start(org()).await;
    let db = TestDb::new().await;
    let mut child = serve(&db, &mackerel.server.uri(), "", "UTC", "23:59");
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "serve said nothing");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    // One client trickles its headers, one holds a half-sent body.
    let mut trickling = std::net::TcpStream::connect(&addr).unwrap();
    trickling
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut half = std::net::TcpStream::connect(&addr).unwrap();
    half.write_all(
        b"POST /api/reviews HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n{",
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = Instant::now();
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = tokio::task::spawn_blocking(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
        (child.wait().unwrap(), rest)
    })
    .await
    .unwrap();
    let took = sent.elapsed();
    assert!(status.0.success(), "exit {:?}: {}", status.0, status.1);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    drop((trickling, half));
}
