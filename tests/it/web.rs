//! The web pages over real HTTP against `spawn_app`: every page and form, hostile
//! text from Mackerel kept as text, the cross-site refusal and the security headers.

use asakai::config::Env;
use asakai::github::Token;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;
use crate::serve::{spawn_app, TestApp};

/// The meeting whose window holds the test organisation's alerts (an hour before NOW).
pub const MEETING: &str = "2025-11-25";
pub const HOSTILE: &str =
    "<script>alert('x')</script><img src=x onerror=alert(1)> \"quoted\" & more";

/// The server with the test organisation plus one alert whose message is hostile,
/// and a wiremock GitHub that answers an issue create with GitHub's own example.
pub async fn app_with_hostile_alert() -> (TestApp, MockServer) {
    let github = MockServer::start().await;
    let issue: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/github/issue.json"
        ))
        .unwrap(),
    )
    .unwrap();
    Mock::given(method("POST"))
        .and(path("/repos/octocat/Hello-World/issues"))
        .respond_with(ResponseTemplate::new(201).set_body_json(issue))
        .mount(&github)
        .await;
    let config = format!(
        "[github]\nrepo = \"octocat/Hello-World\"\napi_base = \"{}/\"\n",
        github.uri()
    );
    let env = Env {
        github_token: Some(Token::new("ghp_TestToken0123")),
        ..Env::default()
    };
    let app = spawn_app(&config, env).await;
    app.mackerel.update(|w| {
        let mut a = alert(
            "aHostile",
            "host",
            "mCpu",
            Some("hMulti"),
            "CRITICAL",
            NOW - 3000,
        );
        a["message"] = json!(HOSTILE);
        w.alerts.push(a);
        // The same monitor on the same host ten days ago: an earlier occurrence
        // within the alert page's past year.
        let ten_days_ago = chrono::Utc::now().timestamp() - 10 * DAY;
        let again = alert(
            "aAgain",
            "host",
            "mCpu",
            Some("hMulti"),
            "WARNING",
            ten_days_ago,
        );
        w.alerts.push(closed(again, ten_days_ago + 600, None));
        // Two recoveries of one monitor: the digest condenses them behind a toggle.
        for (id, host) in [("aRec1", "hBare"), ("aRec2", "hMaint")] {
            let a = alert(id, "host", "mExpr", Some(host), "WARNING", NOW - 3500);
            w.alerts.push(closed(a, NOW - 3400, None));
        }
    });
    app.wait_for("/api/alerts", |v| {
        v.as_array()
            .is_some_and(|a| a.iter().any(|x| x["id"] == "aHostile"))
    })
    .await;
    (app, github)
}

/// The key of the queue item that holds `alert` on a meeting page.
pub fn item_of(body: &str, alert: &str) -> String {
    body.split("<li class=\"item")
        .skip(1)
        .find(|li| attr(li, "data-alert-ids").split(' ').any(|id| id == alert))
        .map(|li| attr(li, "data-key"))
        .unwrap_or_else(|| panic!("no item holds {alert}"))
}

/// The value of the first `name="..."` in `tag`.
pub fn attr(tag: &str, name: &str) -> String {
    let start = tag.find(&format!("{name}=\"")).expect("the attribute") + name.len() + 2;
    tag[start..start + tag[start..].find('"').unwrap()].to_owned()
}

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    no_redirects()
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

pub async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.get(path).await;
    let status = r.status().as_u16();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"),
        "{path}: {csp}"
    );
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn every_page_answers_under_the_csp_and_hostile_text_stays_text() {
    let (app, _github) = app_with_hostile_alert().await;
    for path in [
        "/".to_owned(),
        format!("/digests/{MEETING}"),
        format!("/digests/{MEETING}?lang=ja"),
        "/alerts".to_owned(),
        "/alerts?search=script&severity=CRITICAL".to_owned(),
        "/alerts/aHostile".to_owned(),
        "/tasks".to_owned(),
        "/monitors".to_owned(),
    ] {
        let (status, body) = page(&app, &path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            !body.contains("<script>alert"),
            "{path} let a script through"
        );
        assert!(!body.contains("<img src=x"), "{path} let markup through");
        assert!(
            !body.contains(" style="),
            "{path} has inline style the CSP forbids"
        );
        assert_eq!(
            body.matches("<script").count(),
            1,
            "{path}: only the static script"
        );
    }
    let (_, digest) = page(&app, &format!("/digests/{MEETING}")).await;
    let key = item_of(&digest, "aHostile");
    let (_, digest) = page(&app, &format!("/digests/{MEETING}?item={key}")).await;
    assert!(
        digest.contains("&lt;script&gt;alert("),
        "the selected item's message shows, escaped"
    );
    assert!(
        digest.contains("0 of 17 reviewed"),
        "progress counts the window's alerts"
    );
    let (_, ja) = page(&app, &format!("/digests/{MEETING}?lang=ja")).await;
    assert!(ja.contains("17件中0件レビュー済み"), "Japanese progress");
    let (_, next_day) = page(&app, "/digests/2025-11-26").await;
    assert!(
        next_day.contains("Still unreviewed from earlier meetings"),
        "the next meeting lists what this one left unreviewed"
    );
    item_of(&next_day, "aHostile");
    let (_, alert) = page(&app, "/alerts/aHostile").await;
    assert!(
        alert.contains("&lt;img src"),
        "the alert page shows the message as text: {alert}"
    );
    for asset in ["/static/asakai.css", "/static/asakai.js"] {
        assert_eq!(app.get(asset).await.status(), 200, "{asset}");
    }
    app.stop().await;
}

#[tokio::test]
async fn bad_input_shows_an_error_page_with_its_status() {
    let app = spawn_app("", Env::default()).await;
    let (status, _) = page(&app, "/digests/yesterday").await;
    assert_eq!(status, 400);
    let (status, body) = page(&app, "/alerts?state=sleepy").await;
    assert_eq!(status, 400);
    assert!(
        body.contains("State: “sleepy” is not a state; choose one from the list."),
        "{body}"
    );
    let (status, _) = page(&app, "/alerts/nope").await;
    assert_eq!(status, 404);
    app.stop().await;
}

#[tokio::test]
async fn the_date_picker_and_the_meeting_links_lead_to_other_meetings() {
    let app = spawn_app("", Env::default()).await;
    let r = no_redirects()
        .get(format!("{}/?date=2025-11-20", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/digests/2025-11-20");
    let (_, body) = page(&app, &format!("/digests/{MEETING}")).await;
    assert!(
        body.contains("href=\"/digests/2025-11-24?\""),
        "previous business day"
    );
    assert!(
        body.contains("href=\"/digests/2025-11-26?\""),
        "next business day"
    );
    app.stop().await;
}

#[tokio::test]
async fn review_forms_record_outcomes_for_an_alert_and_a_group_then_go_back() {
    let (app, _github) = app_with_hostile_alert().await;
    let back = format!("/digests/{MEETING}");
    let r = post_form(
        &app,
        "/review",
        &[
            ("ids", "aMulti"),
            ("outcome", "noise"),
            ("note", "tune <it>"),
            ("back", &back),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], back.as_str());
    let r = post_form(
        &app,
        "/review",
        &[
            ("ids", "aBare,aMaint"),
            ("outcome", "expected"),
            ("back", &back),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let one: Value = app.get("/api/alerts/aMulti").await.json().await.unwrap();
    assert_eq!(one["review"]["outcome"], "noise");
    assert_eq!(one["review"]["note"], "tune <it>");
    let group: Value = app.get("/api/alerts/aMaint").await.json().await.unwrap();
    assert_eq!(group["review"]["outcome"], "expected");
    let (_, body) = page(&app, &back).await;
    assert!(body.contains("3 of 17 reviewed"), "progress moved");
    let key = item_of(&body, "aMulti");
    let (_, body) = page(&app, &format!("{back}?item={key}")).await;
    assert!(body.contains("tune &lt;it&gt;"), "the note shows, escaped");
    let (_, ja) = page(&app, &format!("{back}?lang=ja")).await;
    assert!(
        ja.contains("✓ ノイズ</span>"),
        "the outcome in the page's language"
    );
    let bad = post_form(&app, "/review", &[("ids", "aMulti"), ("outcome", "meh")]).await;
    assert_eq!(bad.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn a_task_form_opens_a_task_the_tasks_page_lists_and_done_closes_it() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    let r = post_form(
        &app,
        "/task",
        &[("ids", "aMulti"), ("back", "/alerts/aMulti")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/alerts/aMulti");
    let (_, tasks) = page(&app, "/tasks").await;
    assert!(
        tasks.contains("id=\"task-1\"") && tasks.contains("/alerts/aMulti"),
        "{tasks}"
    );
    let (_, alert) = page(&app, "/alerts/aMulti").await;
    assert!(alert.contains("#1 "), "the alert page names its task");
    let (_, digest) = page(&app, &format!("/digests/{MEETING}")).await;
    assert!(digest.contains("Open follow-up tasks") && digest.contains("id=\"task-1\""));
    let r = post_form(&app, "/tasks/1/done", &[("back", "/tasks")]).await;
    assert_eq!(r.status(), 303);
    let open: Value = app.get("/api/tasks").await.json().await.unwrap();
    assert_eq!(open, json!([]));
    app.stop().await;
}

#[tokio::test]
async fn a_task_form_with_github_ticked_links_the_new_issue() {
    let (app, github) = app_with_hostile_alert().await;
    let (_, digest) = page(&app, &format!("/digests/{MEETING}")).await;
    assert!(
        digest.contains("name=\"github\" checked"),
        "GitHub is offered when configured"
    );
    let r = post_form(
        &app,
        "/task",
        &[("ids", "aHostile"), ("github", "on"), ("back", "/tasks")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(github.received_requests().await.unwrap().len(), 1);
    let (_, tasks) = page(&app, "/tasks").await;
    assert!(
        tasks.contains("https://github.com/octocat/Hello-World/issues/1347"),
        "{tasks}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_cross_site_form_post_is_refused_and_records_nothing() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    let form = "ids=aMulti&outcome=noise&back=%2F";
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let r = no_redirects()
            .post(format!("{}/review", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(name, value)
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{name}: {value}");
    }
    let a: Value = app.get("/api/alerts/aMulti").await.json().await.unwrap();
    assert_eq!(a["review"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn the_search_pages_by_before_and_links_the_same_query_as_csv_and_json() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    let (status, body) = page(&app, "/alerts?service=blog&limit=3&host=&state=").await;
    assert_eq!(status, 200);
    // Handlebars escapes `=` too; the browser reads the same URL.
    let same_query = "?limit&#x3D;3&amp;service&#x3D;blog\"";
    assert!(
        body.contains(&format!("href=\"/alerts.csv{same_query}")),
        "{body}"
    );
    assert!(body.contains(&format!("href=\"/api/alerts{same_query}")));
    assert!(body.contains("id=\"older\""), "a next page");
    assert_eq!(body.matches("<tr class=\"alert\"").count(), 3);
    assert!(
        body.contains("href=\"?limit&#x3D;3&amp;service&#x3D;blog&amp;lang&#x3D;ja\""),
        "switching language keeps the search"
    );
    app.stop().await;
}

#[tokio::test]
async fn with_a_password_the_pages_ask_for_it_and_record_the_reviewer() {
    let env = Env {
        ui_password: Some(asakai::secret::Secret::new("s3cret")),
        ..Env::default()
    };
    let app = spawn_app("", env).await;
    let r = app.get(&format!("/digests/{MEETING}")).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let authed = |req: reqwest::RequestBuilder| req.basic_auth("sato", Some("s3cret"));
    let http = no_redirects();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while authed(http.get(format!("{}/api/alerts", app.base)))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .ok()
        .and_then(|v| v.as_array().map(|a| a.len()))
        != Some(14)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the sync never finished"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let page = authed(http.get(format!("{}/digests/{MEETING}", app.base)));
    assert_eq!(page.send().await.unwrap().status(), 200);
    let post = authed(http.post(format!("{}/review", app.base)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("ids=aMulti&outcome=fixed&back=%2F");
    assert_eq!(post.send().await.unwrap().status(), 303);
    let alert = authed(http.get(format!("{}/alerts/aMulti", app.base)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        alert.contains("(sato)"),
        "the reviewer is the signed-in user"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_search_sorts_by_time_either_way_and_pages_in_that_order() {
    let app = spawn_app("", Env::default()).await;
    app.wait_for("/api/alerts", |v| {
        v.as_array().is_some_and(|a| a.len() == 14)
    })
    .await;
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let newest: serde_json::Value = app.get("/api/alerts?limit=14").await.json().await.unwrap();
    let oldest: serde_json::Value = app
        .get("/api/alerts?limit=14&order=oldest")
        .await
        .json()
        .await
        .unwrap();
    let mut reversed = ids(&newest);
    reversed.reverse();
    assert_eq!(ids(&oldest), reversed);
    // Paging oldest first continues with newer alerts.
    let r = app.get("/api/alerts?limit=5&order=oldest").await;
    let link = r.headers()["link"].to_str().unwrap().to_owned();
    let first = ids(&r.json().await.unwrap());
    let next = link
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .to_owned();
    let second = ids(&app.get(&next).await.json().await.unwrap());
    assert_eq!([first, second].concat(), reversed[..10].to_vec());
    assert_eq!(app.get("/api/alerts?order=sideways").await.status(), 400);

    // The page: the opened column's link flips the order; the results follow it.
    let (status, html) = page(&app, "/alerts").await;
    assert_eq!(status, 200);
    // Handlebars escapes `=` in attributes; the browser reads it back as `=`.
    let html = html.replace("&#x3D;", "=");
    assert!(html.contains("order=oldest"), "a link to sort oldest first");
    let (_, html) = page(&app, "/alerts?order=oldest").await;
    let html = html.replace("&#x3D;", "=");
    let at = |id: &str| {
        html.find(&format!("data-id=\"{id}\""))
            .unwrap_or(usize::MAX)
    };
    assert!(
        at(&reversed[0]) < at(&reversed[13]),
        "oldest first on the page"
    );
    assert!(html.contains("order=newest"), "and a link back");
}

#[tokio::test]
async fn the_alert_page_names_who_closed_it_when_a_webhook_told() {
    let env = Env {
        webhook_secret: Some(asakai::secret::Secret::new("hook")),
        ..Env::default()
    };
    let app = spawn_app("", env).await;
    let mut event = fixture("webhooks/alert-expression-manual-close.json");
    event["alert"]["id"] = json!("aClosedBy");
    event["user"]["screenName"] = json!("sato<script>");
    let r = app
        .http
        .post(format!("{}/webhooks/mackerel", app.base))
        .basic_auth("mackerel", Some("hook"))
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (status, html) = page(&app, "/alerts/aClosedBy").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("sato&lt;script&gt;"),
        "the closing user, as text"
    );
}
