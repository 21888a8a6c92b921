//! `asakai serve`: the real server on port 0 (zero2prod's `spawn_app`), with its
//! worker polling a wiremock Mackerel; and the built binary for signals and refusals.

use std::sync::Arc;
use std::time::{Duration, Instant};

use asakai::config::{Env, Settings};
use asakai::secret::Secret;
use asakai::server::{self, Access, App};
use asakai::store::{testing, Store};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::sync::org;

pub struct TestApp {
    pub base: String,
    pub app: Arc<App>,
    pub store: Store,
    pub mackerel: Mackerel,
    pub http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// The server's database (a process may open it beside the server); its
    /// directory holds the config file.
    pub db: TestDb,
}

impl TestApp {
    /// The config file the server was started with.
    pub fn config_path(&self) -> std::path::PathBuf {
        self.db.dir().join("asakai.toml")
    }

    /// A POST of `body` as JSON to `path`, ready to send.
    pub fn post_json(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.http.post(format!("{}{path}", self.base)).json(body)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// Waits until `path` answers JSON for which `done` holds; panics after 15 s.
    pub async fn wait_for(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let r = self.get(path).await;
            if let Ok(v) = r.json::<Value>().await {
                if done(&v) {
                    return v;
                }
            }
            assert!(Instant::now() < deadline, "{path} never got there");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the server as a signal would, and says how long it took.
    pub async fn stop(mut self) -> Duration {
        let started = Instant::now();
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
        started.elapsed()
    }
}

/// Waits until `check` holds, asking every 100 ms; fails naming `what` after 10 s.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The config file a test writes; a test server polls every `interval`.
/// `extra` goes on in `[digest]` (and may open other tables); a `timezone` in it
/// replaces the default UTC.
fn settings(dir: &std::path::Path, interval: &str, extra: &str, env: &Env) -> Settings {
    let path = dir.join("asakai.toml");
    let zone = if extra.starts_with("timezone =") {
        ""
    } else {
        "timezone = \"UTC\"\n"
    };
    std::fs::write(
        &path,
        format!(
            "[mackerel]\nrequest_interval = \"0s\"\n[sync]\ninterval = \"{interval}\"\n\
             backfill = \"30d\"\n[digest]\n{zone}holidays = \"none\"\n{extra}"
        ),
    )
    .unwrap();
    Settings::load(Some(&path), env).unwrap()
}

/// The server on a free loopback port, its worker polling a wiremock organisation
/// every second.
pub async fn spawn_app(extra_config: &str, env: Env) -> TestApp {
    spawn_app_polling("1s", extra_config, env).await
}

pub async fn spawn_app_polling(interval: &str, extra_config: &str, env: Env) -> TestApp {
    let mackerel = Mackerel::start(org()).await;
    let db = TestDb::new().await;
    let env = Env {
        api_key: Some(Secret::new(KEY)),
        api_base: Some(mackerel.server.uri()),
        ..env
    };
    let settings = settings(db.dir(), interval, extra_config, &env);
    let store = db.open().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let access = Access::decide(addr, &settings.server).unwrap();
    let client = asakai::mackerel::Client::new(settings.client_config().unwrap()).unwrap();
    let app = Arc::new(App::new(store.clone(), settings, Some(client), access));
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(server::launch_with_tcp_listener(
        app.clone(),
        listener,
        async {
            let _ = rx.await;
        },
    ));
    TestApp {
        base: format!("http://{addr}"),
        app,
        store,
        mackerel,
        http: reqwest::Client::new(),
        stop: Some(tx),
        task: Some(task),
        db,
    }
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_worker_keeps_the_api_current_and_a_new_alert_appears_within_seconds() {
    let app = spawn_app("", Env::default()).await;
    let first = app.wait_for("/api/alerts", |v| ids(v).len() == 14).await;
    assert_eq!(
        first[0]["review"],
        Value::Null,
        "alert objects carry review and task"
    );
    let newest = chrono::Utc::now().timestamp();
    app.mackerel.update(|w| {
        w.alerts.push(alert(
            "aNew",
            "host",
            "mCpu",
            Some("hMulti"),
            "CRITICAL",
            newest,
        ))
    });
    let v = app
        .wait_for("/api/alerts", |v| ids(v).contains(&"aNew".to_owned()))
        .await;
    assert_eq!(ids(&v)[0], "aNew", "newest first");
    assert_eq!(v[0]["services"], json!(["blog", "shop"]));
    app.stop().await;
}

#[tokio::test]
async fn alerts_page_by_before_with_a_link_header_and_bad_filters_name_their_field() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| ids(v).len() == 14).await;
    let r = app.get("/api/alerts?limit=5&service=blog").await;
    let link = r.headers()["link"].to_str().unwrap().to_owned();
    let page1: Value = r.json().await.unwrap();
    assert_eq!(ids(&page1).len(), 5);
    assert!(
        link.contains("rel=\"next\"") && link.contains("before="),
        "{link}"
    );
    let next = link.trim_start_matches('<').split('>').next().unwrap();
    let page2: Value = app.get(next).await.json().await.unwrap();
    assert!(ids(&page2).iter().all(|id| !ids(&page1).contains(id)));
    assert!(page2
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["services"].as_array().unwrap().contains(&json!("blog"))));

    for (query, field) in [
        ("state=sleepy", "state"),
        ("limit=0", "limit"),
        ("from=yesterday", "from"),
        ("before=nope", "before"),
    ] {
        let r = app.get(&format!("/api/alerts?{query}")).await;
        assert_eq!(r.status(), 400, "{query}");
        let e: Value = r.json().await.unwrap();
        assert!(
            e["error"].as_str().unwrap().starts_with(field),
            "{query}: {e}"
        );
    }
    let missing = app.get("/api/alerts/nope").await;
    assert_eq!(missing.status(), 404);
    assert!(missing.json::<Value>().await.unwrap()["error"].is_string());
    app.stop().await;
}

#[tokio::test]
async fn reviews_and_tasks_through_the_api_show_on_the_alert() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| ids(v).len() == 14).await;
    let post = |path: &str, body: Value| app.post_json(path, &body).send();
    let bad = post(
        "/api/reviews",
        json!({"alert_ids": ["aMulti"], "outcome": "meh"}),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("outcome"));
    let ok = post(
        "/api/reviews",
        json!({"alert_ids": ["aMulti"], "outcome": "noise", "note": "<b>backup</b>"}),
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.json::<Value>().await.unwrap()["reviews"][0]["outcome"],
        "noise"
    );
    let detail: Value = app.get("/api/alerts/aMulti").await.json().await.unwrap();
    assert_eq!(detail["review"]["note"], "<b>backup</b>");
    assert_eq!(detail["reviews"].as_array().unwrap().len(), 1);
    assert!(detail["logs"].is_array());

    let created = post(
        "/api/tasks",
        json!({"alert_ids": ["aBare"], "title": "Tune cpu on bare01"}),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let t: Value = created.json().await.unwrap();
    let joined = post("/api/tasks", json!({"alert_ids": ["aBare"]}))
        .await
        .unwrap();
    assert_eq!(joined.status(), 200, "the open task of the same key");
    let open: Value = app.get("/api/tasks").await.json().await.unwrap();
    assert_eq!(open.as_array().unwrap().len(), 1);
    let done = post(&format!("/api/tasks/{}/done", t["id"]), json!({}))
        .await
        .unwrap();
    assert_eq!(done.json::<Value>().await.unwrap()["state"], "done");
    app.stop().await;
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_pages_carry_the_security_headers() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| ids(v).len() == 14).await;
    let r = app
        .http
        .post(format!("{}/api/reviews", app.base))
        .header("Origin", "https://evil.example")
        .json(&json!({"alert_ids": ["aMulti"], "outcome": "noise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .http
        .post(format!("{}/api/reviews", app.base))
        .header("Sec-Fetch-Site", "cross-site")
        .json(&json!({"alert_ids": ["aMulti"], "outcome": "noise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let detail: Value = app.get("/api/alerts/aMulti").await.json().await.unwrap();
    assert_eq!(detail["review"], Value::Null, "nothing was recorded");

    let r = app.get("/api/alerts").await;
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    app.stop().await;
}

#[tokio::test]
async fn with_a_password_pages_need_basic_auth_but_health_and_metrics_do_not() {
    let env = Env {
        ui_password: Some(Secret::new("s3cret")),
        ..Env::default()
    };
    let app = spawn_app("", env).await;
    let r = app.get("/api/alerts").await;
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let wrong = app
        .http
        .get(format!("{}/api/alerts", app.base))
        .basic_auth("sato", Some("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = app
        .http
        .get(format!("{}/api/alerts", app.base))
        .basic_auth("sato", Some("s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    // The reviewer is the user who signed in.
    app.wait_for("/healthz", |v| v["status"] == "ok").await;
    let posted: Value = app
        .http
        .post(format!("{}/api/reviews", app.base))
        .basic_auth("sato", Some("s3cret"))
        .json(&json!({"alert_ids": ["aMulti"], "outcome": "fixed"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posted["reviews"][0]["by"], "sato");
    assert_eq!(app.get("/metrics").await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn healthz_is_ok_after_a_pass_and_metrics_count_passes_and_requests() {
    let app = spawn_app("", Env::default()).await;
    let h = app.wait_for("/healthz", |v| v["status"] == "ok").await;
    assert!(h["lag_seconds"].as_i64().unwrap() <= 10);
    assert_eq!(h["last_pass"]["outcome"], "ok");
    assert_eq!(h["role"], "leader", "a lone serve leads");
    let text = app.get("/metrics").await.text().await.unwrap();
    for name in [
        "asakai_sync_passes_total{outcome=\"ok\"}",
        "asakai_mackerel_requests_total{status=\"200\"}",
        "asakai_alerts_stored 14",
        "asakai_last_successful_pass_timestamp_seconds",
        "asakai_webhook_events_total",
        "asakai_digest_posts_total",
    ] {
        assert!(text.contains(name), "{name} in {text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn healthz_turns_stale_when_mackerel_is_down() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/healthz", |v| v["status"] == "ok").await;
    // Mackerel goes down, and the last good pass is long ago.
    app.mackerel.server.reset().await;
    testing::execute(
        &app.store,
        "UPDATE sync_passes SET finished_at = finished_at - 3600, started_at = started_at - 3600",
        &[],
    )
    .await
    .unwrap();
    eventually("healthz never turned stale", || async {
        app.get("/healthz").await.status() == 503
    })
    .await;
    let v: Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(v["status"], "stale");
    assert!(v["lag_seconds"].as_i64().unwrap() >= 3600);
    eventually("no failed pass counted", || async {
        let metrics = app.get("/metrics").await.text().await.unwrap();
        metrics.contains("asakai_sync_passes_total{outcome=\"failed\"}")
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn the_csv_streams_every_matching_alert() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| ids(v).len() == 14).await;
    let r = app.get("/alerts.csv?service=shop").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("id,type,status"));
    let rows: Vec<&str> = lines.collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|l| l.contains("shop")),
        "{text}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_csv_neutralises_a_formula_and_the_api_keeps_it_exact() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| ids(v).len() == 14).await;
    let formula = "=HYPERLINK(\"http://x.example\",\"y\")";
    app.mackerel.update(|w| {
        let mut a = alert(
            "aFormula",
            "host",
            "mCpu",
            Some("hMulti"),
            "CRITICAL",
            chrono::Utc::now().timestamp(),
        );
        a["message"] = json!(formula);
        w.alerts.push(a);
    });
    let v = app
        .wait_for("/api/alerts", |v| ids(v).contains(&"aFormula".to_owned()))
        .await;
    assert_eq!(v[0]["message"], formula, "the JSON stays exact");
    let text = app.get("/alerts.csv").await.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let row = reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "aFormula")
        .unwrap();
    assert_eq!(&row[14], format!("'{formula}"));
    app.stop().await;
}

#[tokio::test]
async fn serving_beyond_loopback_without_a_password_or_proxy_is_refused() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_asakai"))
        .args(["serve", "--listen", "0.0.0.0:0"])
        .env("MACKEREL_APIKEY", KEY)
        .env_remove("ASAKAI_UI_PASSWORD")
        .env_remove("ASAKAI_CONFIG")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("ASAKAI_UI_PASSWORD") && err.contains("user_header"),
        "{err}"
    );
}

#[tokio::test]
async fn the_digest_api_answers_a_meetings_json_and_names_a_bad_date() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| ids(v).len() == 14).await;
    let today = chrono::Utc::now().date_naive();
    let v: Value = app
        .get(&format!("/api/digest?date={today}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["window"]["timezone"], "UTC");
    assert!(v["totals"]["open"].as_u64().is_some(), "{v}");
    let bad = app.get("/api/digest?date=2026-13-40").await;
    assert_eq!(bad.status(), 400);
    assert!(bad.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .starts_with("date"));
    app.stop().await;
}

async fn push(app: &TestApp, body: Vec<u8>, password: Option<&str>) -> reqwest::Response {
    let mut req = app
        .http
        .post(format!("{}/webhooks/mackerel", app.base))
        .header("content-type", "application/json")
        .body(body);
    if let Some(p) = password {
        req = req.basic_auth("mackerel", Some(p));
    }
    req.send().await.unwrap()
}

fn hook_env() -> Env {
    Env {
        webhook_secret: Some(Secret::new("hook-s3cret")),
        ..Env::default()
    }
}

#[tokio::test]
async fn every_webhook_fixture_is_accepted_and_an_alert_is_visible_at_once() {
    // No tick during the test (the first one runs at start): a pass would mark the
    // webhook's alerts gone, since this Mackerel stand-in does not list them.
    let app = spawn_app_polling("1h", "", hook_env()).await;
    app.wait_for("/healthz", |v| v["status"] == "ok").await;
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mackerel/webhooks");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    // A new alert event, then at once in the API: webhook to visible.
    let mut event = fixture("webhooks/alert-docs-example.json");
    event["alert"]["id"] = json!("aHook1");
    let sent = Instant::now();
    let r = push(
        &app,
        serde_json::to_vec(&event).unwrap(),
        Some("hook-s3cret"),
    )
    .await;
    assert_eq!(r.status(), 204);
    let v: Value = app.get("/api/alerts/aHook1").await.json().await.unwrap();
    let visible = sent.elapsed();
    assert_eq!(v["id"], "aHook1", "{v}");
    assert_eq!(v["severity"], "CRITICAL");
    assert!(visible < Duration::from_secs(1), "{visible:?}");

    // Redelivered: nothing changes.
    let before = app.get("/api/alerts/aHook1").await.text().await.unwrap();
    let r = push(
        &app,
        serde_json::to_vec(&event).unwrap(),
        Some("hook-s3cret"),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.get("/api/alerts/aHook1").await.text().await.unwrap(),
        before
    );

    // Then every fixture (the reconciling pass they ask for comes 2 s later).
    for path in &names {
        let r = push(&app, std::fs::read(path).unwrap(), Some("hook-s3cret")).await;
        assert_eq!(r.status(), 204, "{}: {:?}", path.display(), r.text().await);
    }
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("asakai_webhook_events_total{result=\"accepted\"} 17"),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_webhook_without_credentials_bad_or_too_big_is_refused_and_changes_nothing() {
    let app = spawn_app("", hook_env()).await;
    let body = serde_json::to_vec(&fixture("webhooks/alert-docs-example.json")).unwrap();
    assert_eq!(push(&app, body.clone(), None).await.status(), 401);
    assert_eq!(push(&app, body.clone(), Some("guess")).await.status(), 401);
    let bad = push(
        &app,
        b"{\"event\": \"alert\", \"alert\": 42}".to_vec(),
        Some("hook-s3cret"),
    )
    .await;
    assert_eq!(bad.status(), 400);
    assert!(bad.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("not a Mackerel webhook"));
    assert_eq!(
        push(&app, b"<html>".to_vec(), Some("hook-s3cret"))
            .await
            .status(),
        400
    );
    let huge = vec![b' '; 2 * 1024 * 1024];
    assert_eq!(push(&app, huge, Some("hook-s3cret")).await.status(), 413);
    let stored = testing::int(
        &app.store,
        "SELECT count(*) FROM alerts WHERE id = '2bj...'",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(stored, 0, "nothing was stored from refused bodies");
    app.stop().await;
}

#[tokio::test]
async fn without_a_webhook_secret_the_endpoint_does_not_exist() {
    let app = spawn_app("", Env::default()).await;
    let body = serde_json::to_vec(&fixture("webhooks/alert-docs-example.json")).unwrap();
    assert_eq!(push(&app, body, Some("anything")).await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn an_alert_webhook_asks_for_a_reconciling_pass_within_seconds() {
    let app = spawn_app_polling("1h", "", hook_env()).await;
    app.wait_for("/healthz", |v| v["status"] == "ok").await;
    let passes = || async {
        testing::int(&app.store, "SELECT count(*) FROM sync_passes", &[])
            .await
            .unwrap()
    };
    assert_eq!(
        passes().await,
        1,
        "the first tick only; the next is an hour away"
    );
    let mut event = fixture("webhooks/alert-docs-example.json");
    event["alert"]["id"] = json!("aHook2");
    let r = push(
        &app,
        serde_json::to_vec(&event).unwrap(),
        Some("hook-s3cret"),
    )
    .await;
    assert_eq!(r.status(), 204);
    eventually("no reconciling pass after the webhook", || async {
        passes().await >= 2
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn the_digest_shows_outcomes_tasks_and_the_reviewed_count() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| ids(v).len() == 14).await;
    let post = |path: &str, body: Value| app.post_json(path, &body).send();
    post(
        "/api/reviews",
        json!({"alert_ids": ["aMulti", "aSvc"], "outcome": "expected", "note": "deploy"}),
    )
    .await
    .unwrap();
    post(
        "/api/tasks",
        json!({"alert_ids": ["aBare"], "title": "Tune cpu"}),
    )
    .await
    .unwrap();
    // The world's alerts opened on 2025-11-24 (UTC): the meeting of the 25th reviews them.
    let d: Value = app
        .get("/api/digest?date=2025-11-25")
        .await
        .json()
        .await
        .unwrap();
    let total = d["totals"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_i64().unwrap())
        .sum::<i64>();
    assert_eq!(d["reviewed"], 3, "two reviewed, one follow-up: {d}");
    assert_eq!(d["unreviewed"].as_i64().unwrap(), total - 3);
    let all: Vec<&Value> = d["services"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["alerts"].as_array().unwrap())
        .collect();
    let multi = all.iter().find(|a| a["id"] == "aMulti").unwrap();
    assert_eq!(multi["review"]["outcome"], "expected");
    assert_eq!(multi["review"]["note"], "deploy");
    let bare = all.iter().find(|a| a["id"] == "aBare").unwrap();
    assert_eq!(bare["task"]["title"], "Tune cpu");
    assert_eq!(d["open_tasks"].as_array().unwrap().len(), 1);
    // The next meeting still lists what nobody reviewed in the week before it.
    let next: Value = app
        .get("/api/digest?date=2025-11-26")
        .await
        .json()
        .await
        .unwrap();
    let earlier = ids(&next["unreviewed_earlier"]);
    assert!(
        earlier.contains(&"aExpr".to_owned()) && !earlier.contains(&"aMulti".to_owned()),
        "{earlier:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn serve_links_a_follow_up_to_github_and_closes_it_when_the_issue_closes() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let gh = MockServer::start().await;
    let issue: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/github/issue.json"),
        )
        .unwrap(),
    )
    .unwrap();
    Mock::given(method("POST"))
        .and(path("/repos/example/infra-tasks/issues"))
        .respond_with(ResponseTemplate::new(201).set_body_json(issue.clone()))
        .mount(&gh)
        .await;
    let mut closed = issue.clone();
    closed["state"] = json!("closed");
    Mock::given(method("GET"))
        .and(path(format!(
            "/repos/example/infra-tasks/issues/{}",
            issue["number"]
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(closed))
        .mount(&gh)
        .await;
    let env = Env {
        github_token: Some(Secret::new("ghp_servetest")),
        ..Env::default()
    };
    let extra = format!(
        "[github]\nrepo = \"example/infra-tasks\"\napi_base = \"{}/\"\n",
        gh.uri()
    );
    let app = spawn_app(&extra, env).await;
    app.wait_for("/api/alerts", |v| ids(v).len() == 14).await;
    let r = app
        .http
        .post(format!("{}/api/tasks", app.base))
        .json(&json!({"alert_ids": ["aBare"], "github": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let t: Value = r.json().await.unwrap();
    assert_eq!(
        t["url"], issue["html_url"],
        "linked once GitHub answered 201"
    );
    // Within a few passes the worker reads the issue, closed on GitHub: the task is done.
    app.wait_for("/api/tasks?state=done", |v| {
        v.as_array().is_some_and(|a| a.len() == 1)
    })
    .await;
    app.stop().await;
}

/// The digest is built once for every client, and built again after anything the
/// server writes: a review through the API, and a pass that brought a new alert.
#[tokio::test]
async fn the_shared_digest_is_rebuilt_after_a_review_and_after_a_pass() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| ids(v).len() == 14).await;
    let digest = || async {
        app.get("/api/digest?date=2025-11-25")
            .await
            .json::<Value>()
            .await
            .unwrap()
    };
    let before = digest().await;
    assert_eq!(before["reviewed"], 0);
    app.post_json(
        "/api/reviews",
        &json!({"alert_ids": ["aMulti"], "outcome": "expected"}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(digest().await["reviewed"], 1, "the review shows at once");

    let all = |d: &Value| -> Vec<String> {
        d["services"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| ids(&s["alerts"]))
            .collect()
    };
    assert!(!all(&before).contains(&"aLate".to_owned()));
    app.mackerel.update(|w| {
        w.alerts.push(alert(
            "aLate",
            "host",
            "mCpu",
            Some("hMulti"),
            "CRITICAL",
            NOW + 3600,
        ))
    });
    app.wait_for("/api/alerts", |v| ids(v).contains(&"aLate".to_owned()))
        .await;
    // The pass that stored it has ended (its record is what marks the store written).
    eventually("the digest shows the new alert", || async {
        all(&digest().await).contains(&"aLate".to_owned())
    })
    .await;
    app.stop().await;
}

/// Today's digest is built as the server starts, before anyone asks: the first
/// people to open the meeting screen do not wait for a million alerts to be read.
#[tokio::test]
async fn a_server_builds_todays_digest_as_it_starts() {
    let app = spawn_app_polling("1h", "", Env::default()).await;
    let settings = &app.app.settings;
    let spec = asakai::digest::meeting::spec(settings, settings.timezone);
    let today = chrono::Utc::now().date_naive();
    let window = spec.for_meeting(today);
    eventually("today's digest is built without a request", || async {
        app.app.digests.holds(&window, None)
    })
    .await;
    assert!(!app
        .app
        .digests
        .holds(&spec.for_meeting(today.pred_opt().unwrap()), None));
    app.stop().await;
}

/// A review and a task wait for a pass's write to finish
/// instead of failing with "database is locked": their transactions take the write
/// lock first, then read (a soak found reviews failing while passes wrote).
#[tokio::test]
async fn writes_through_the_api_wait_for_a_pass_holding_the_database() {
    let app = spawn_app_polling("1h", "", Env::default()).await;
    let other = app.db.open().await;
    app.wait_for("/api/alerts", |v| ids(v).len() == 14).await;
    for (path, body) in [
        (
            "/api/reviews",
            json!({"alert_ids": ["aMulti"], "outcome": "expected"}),
        ),
        (
            "/api/tasks",
            json!({"alert_ids": ["aBare"], "title": "Tune cpu"}),
        ),
    ] {
        // Another writer (a pass) holds the write lock for a moment, then commits.
        let mut tx = testing::hold_writer(&other).await.unwrap();
        tx.execute("UPDATE alerts SET updated_at = updated_at + 1", &[])
            .await
            .unwrap();
        let held = async move {
            tokio::time::sleep(Duration::from_millis(700)).await;
            tx.commit().await.unwrap();
        };
        let post = app.post_json(path, &body).send();
        let ((), response) = tokio::join!(held, post);
        let response = response.unwrap();
        let status = response.status();
        assert!(
            status.is_success(),
            "{path}: {status} {}",
            response.text().await.unwrap()
        );
    }
    app.stop().await;
}

/// A page of alerts carries each alert's latest review, read for that page alone:
/// a second review replaces the first, and alerts nobody reviewed stay `null`.
#[tokio::test]
async fn a_page_of_alerts_shows_each_alerts_latest_review() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| ids(v).len() == 14).await;
    for outcome in ["noise", "expected"] {
        app.post_json(
            "/api/reviews",
            &json!({"alert_ids": ["aMulti"], "outcome": outcome}),
        )
        .send()
        .await
        .unwrap();
    }
    let page: Value = app.get("/api/alerts").await.json().await.unwrap();
    let by_id = |id: &str| {
        page.as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("aMulti")["review"]["outcome"], "expected");
    assert_eq!(by_id("aSvc")["review"], Value::Null);
    let one: Value = app.get("/api/alerts/aMulti").await.json().await.unwrap();
    assert_eq!(one["review"]["outcome"], "expected", "{one}");
    app.stop().await;
}
