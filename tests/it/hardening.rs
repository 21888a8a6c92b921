//! What an attacker or an unlucky operator tries (issue #19): slow and half-sent
//! requests, requests for another host name, error shapes, writes that wrote nothing,
//! absurd webhook times, and a Slack that fails. Each test fails on the code before
//! its fix.

use std::time::{Duration, Instant};

use asakai::config::Env;
use asakai::secret::Secret;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;
use crate::serve::{eventually, spawn_app, spawn_app_polling, TestApp};

/// `[server]` limits short enough for a test to see them act.
const QUICK: &str = "[server]\nclient_timeout = \"1s\"\nrequest_timeout = \"3s\"\n";

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection (or `limit` passes): what it said,
/// and how long it took.
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut said = Vec::new();
    let mut buf = [0u8; 4096];
    while started.elapsed() < limit {
        match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => said.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    (
        String::from_utf8_lossy(&said).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off() {
    let app = spawn_app(QUICK, Env::default()).await;
    let mut s = connect(&app).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    let trickle = async {
        // A header line every 300 ms: each byte in time, the whole never.
        for i in 0..30 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if s.write_all(format!("X-{i}: y\r\n").as_bytes())
                .await
                .is_err()
            {
                return true;
            }
        }
        false
    };
    let started = Instant::now();
    let cut = tokio::time::timeout(Duration::from_secs(8), trickle).await;
    assert!(
        matches!(cut, Ok(true)),
        "still open after {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    app.stop().await;
}

#[tokio::test]
async fn a_half_sent_body_is_answered_and_closed() {
    let app = spawn_app(QUICK, Env::default()).await;
    let mut s = connect(&app).await;
    s.write_all(
        b"POST /api/reviews HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"alert_ids\"",
    )
    .await
    .unwrap();
    let (said, took) = until_closed(&mut s, Duration::from_secs(10)).await;
    assert!(took < Duration::from_secs(5), "open for {took:?}");
    assert!(said.starts_with("HTTP/1.1 4"), "answered: {said}");
    app.stop().await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let app = spawn_app(QUICK, Env::default()).await;
    let mut s = connect(&app).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let (said, took) = until_closed(&mut s, Duration::from_secs(10)).await;
    assert!(said.starts_with("HTTP/1.1 "), "{said}");
    assert!(took < Duration::from_secs(5), "idle for {took:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_stalled_client_does_not_hold_up_shutdown() {
    // Long client timeouts: only the shutdown's own grace can end this connection.
    let app = spawn_app(
        "[server]\nclient_timeout = \"60s\"\nrequest_timeout = \"60s\"\n",
        Env::default(),
    )
    .await;
    let mut s = connect(&app).await;
    s.write_all(b"POST /api/reviews HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let took = app.stop().await;
    assert!(took < Duration::from_secs(8), "shutdown took {took:?}");
    drop(s);
}

#[tokio::test]
async fn connections_past_the_cap_wait_until_one_is_free() {
    let app = spawn_app(
        "[server]\nmax_connections = 2\nclient_timeout = \"30s\"\n",
        Env::default(),
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = connect(&app).await;
        s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
        held.push(s);
    }
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    let url = format!("{}/healthz", app.base);
    assert!(quick.get(&url).send().await.is_err(), "a third was served");
    drop(held.pop());
    let patient = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    assert!(
        patient.get(&url).send().await.is_ok(),
        "a freed slot serves"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_request_named_for_another_host_cannot_write_on_an_open_server() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    let port = app.base.rsplit(':').next().unwrap().to_owned();
    // What a page on evil.example sends once its name points at 127.0.0.1.
    let r = app
        .http
        .post(format!("{}/api/reviews", app.base))
        .header("host", format!("evil.example:{port}"))
        .header("origin", format!("http://evil.example:{port}"))
        .json(&json!({"alert_ids": ["aMulti"], "outcome": "noise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 421);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("public_url"));
    let a: Value = app.get("/api/alerts/aMulti").await.json().await.unwrap();
    assert_eq!(a["review"], Value::Null, "nothing was written");
    // The machine's own names pass.
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let r = app
            .http
            .get(format!("{}/api/alerts?limit=1", app.base))
            .header("host", host.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{host}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_request_that_wrote_nothing_does_not_throw_the_digest_away() {
    // One pass, at the start: later passes would rebuild the digest by themselves.
    let app = spawn_app_polling("1h", "", Env::default()).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    let digest = || app.get("/api/digest?date=2025-11-25");
    assert_eq!(digest().await.status(), 200);
    let built = app.app.digests.builds();
    for (path, body) in [
        ("/nonexistent", json!({})),
        (
            "/api/reviews",
            json!({"alert_ids": ["aMulti"], "outcome": "meh"}),
        ),
        (
            "/api/reviews",
            json!({"alert_ids": ["nope"], "outcome": "noise"}),
        ),
        ("/api/tasks/999/done", json!({})),
    ] {
        let r = app.post_json(path, &body).send().await.unwrap();
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
        assert_eq!(digest().await.status(), 200);
    }
    // The pass's end may land after the first build and rebuild it once; a rebuild
    // per refused write would show as one more per request.
    let after = app.app.digests.builds();
    assert!(after <= built + 1, "rebuilt {} times", after - built);
    // A write that happened does rebuild it.
    let r = app
        .post_json(
            "/api/reviews",
            &json!({"alert_ids": ["aMulti"], "outcome": "noise"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let before = app.app.digests.builds();
    let d: Value = digest().await.json().await.unwrap();
    assert!(app.app.digests.builds() > before);
    assert!(d["reviewed"].as_u64().unwrap() >= 1);
    app.stop().await;
}

#[tokio::test]
async fn every_api_error_is_json_with_its_status() {
    let app = spawn_app("", Env::default()).await;
    let json_error = |r: reqwest::Response, status: u16| async move {
        assert_eq!(r.status(), status, "{}", r.url());
        let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("application/json"), "{ct}");
        let v: Value = r.json().await.unwrap();
        let error = v["error"].as_str().unwrap().to_owned();
        assert!(!error.is_empty());
        (v, error)
    };
    let r = app
        .post_json("/api/tasks/abc/done", &json!({}))
        .send()
        .await;
    let (_, e) = json_error(r.unwrap(), 400).await;
    assert!(e.contains("abc") || e.contains("parse"), "{e}");
    let big = "x".repeat(3 << 20);
    let r = app
        .post_json(
            "/api/reviews",
            &json!({"alert_ids": [big], "outcome": "noise"}),
        )
        .send()
        .await;
    json_error(r.unwrap(), 413).await;
    let r = app
        .http
        .delete(format!("{}/api/alerts", app.base))
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("allow"));
    json_error(r, 405).await;
    json_error(app.get("/api/nothing-here").await, 404).await;
    app.stop().await;
}

#[tokio::test]
async fn a_github_failure_on_a_new_task_says_both_the_error_and_the_task() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let gh = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&gh)
        .await;
    let env = Env {
        github_token: Some(Secret::new("ghp_hardening")),
        ..Env::default()
    };
    let extra = format!(
        "[github]\nrepo = \"example/infra-tasks\"\napi_base = \"{}/\"\n",
        gh.uri()
    );
    let app = spawn_app(&extra, env).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    let r = app
        .post_json(
            "/api/tasks",
            &json!({"alert_ids": ["aBare"], "github": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502);
    let v: Value = r.json().await.unwrap();
    assert!(v["error"].as_str().unwrap().contains("GitHub"), "{v}");
    assert_eq!(v["task"]["alert_ids"], json!(["aBare"]), "{v}");
    assert!(v["task"]["id"].is_i64());
    app.stop().await;
}

#[tokio::test]
async fn a_webhook_with_an_absurd_time_is_refused_naming_the_field() {
    let env = Env {
        webhook_secret: Some(Secret::new("hook")),
        ..Env::default()
    };
    let app = spawn_app("", env).await;
    for (alert, field) in [
        (
            json!({"id": "aAbsurd", "status": "critical", "openedAt": i64::MAX}),
            "openedAt",
        ),
        (
            json!({"id": "aAbsurd", "status": "ok", "openedAt": NOW, "closedAt": NOW - 60}),
            "closedAt",
        ),
    ] {
        let r = app
            .http
            .post(format!("{}/webhooks/mackerel", app.base))
            .basic_auth("mackerel", Some("hook"))
            .json(&json!({"event": "alert", "alert": alert}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let v: Value = r.json().await.unwrap();
        assert!(v["error"].as_str().unwrap().contains(field), "{v}");
    }
    let r = app.get("/api/alerts/aAbsurd").await;
    assert_eq!(r.status(), 404, "nothing stored");
    app.stop().await;
}

#[tokio::test]
async fn the_csv_with_limit_zero_is_every_match_as_on_the_command_line() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    let r = app.get("/alerts.csv?limit=0").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert_eq!(text.lines().count(), 1 + 14, "{text}");
    app.stop().await;
}

/// A Slack stand-in that takes each request and hangs up without an answer: the
/// post's outcome is unknown. Counts the requests.
async fn slack_that_hangs_up() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/services/T0/B0/X", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf).await;
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    (url, count)
}

/// `[digest]` keys that make the morning post due now, in a zone where today is a
/// weekday; `None` when no zone has a weekday now.
fn due_now() -> Option<String> {
    let (zone, local) = crate::serve_process::weekday_zone()?;
    let post_at = (local - chrono::Duration::minutes(1)).format("%H:%M");
    Some(format!("timezone = \"{zone}\"\npost_at = \"{post_at}\"\n"))
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_post_with_an_unknown_outcome_is_counted_once_not_every_tick() {
    let Some(digest) = due_now() else {
        return;
    };
    let (url, requests) = slack_that_hangs_up().await;
    let env = Env {
        slack_webhook_url: Some(Secret::new(url)),
        ..Env::default()
    };
    let app = spawn_app(&digest, env).await;
    let unknown = "asakai_digest_posts_total{result=\"unknown\"}";
    eventually("the post was tried", || async {
        metric(&app.get("/metrics").await.text().await.unwrap(), unknown) == 1
    })
    .await;
    // Four more ticks of the worker.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(metric(&metrics, unknown), 1, "{metrics}");
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_failed_post_is_not_tried_again_on_every_tick() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let Some(digest) = due_now() else {
        return;
    };
    let slack = MockServer::start().await;
    // 400 is not retried within a try: every request is a tick's try.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string("invalid_blocks"))
        .mount(&slack)
        .await;
    let env = Env {
        slack_webhook_url: Some(Secret::new(format!("{}/services/T/B/X", slack.uri()))),
        ..Env::default()
    };
    let app = spawn_app(&digest, env).await;
    let failed = "asakai_digest_posts_total{result=\"failed\"}";
    eventually("the post was tried", || async {
        metric(&app.get("/metrics").await.text().await.unwrap(), failed) == 1
    })
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(slack.received_requests().await.unwrap().len(), 1);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(metric(&metrics, failed), 1, "{metrics}");
    app.stop().await;
}
