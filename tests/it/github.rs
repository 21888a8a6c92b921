//! Follow-up tasks as GitHub issues, against a wiremock GitHub answering with the
//! bodies of GitHub's REST description (tests/fixtures/github/).

use std::path::{Path, PathBuf};

use asakai::github::{GithubClient, GithubError, Token};
use asakai::review::{self, issues, task, NewTask, Outcome, TaskState};
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

const TOKEN: &str = "ghp_TestTokenThatMustNeverShow0123";
const REPO: &str = "octocat/Hello-World";
const ISSUES: &str = "/repos/octocat/Hello-World/issues";

fn github_fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/github")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn client(server: &MockServer) -> GithubClient {
    GithubClient::new(&server.uri(), REPO, Token::new(TOKEN)).unwrap()
}

fn answer(status: u16, fixture: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(github_fixture(fixture))
}

fn labels() -> Vec<String> {
    vec!["alert-follow-up".into()]
}

#[tokio::test]
async fn an_issue_is_created_with_the_token_title_body_and_labels() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ISSUES))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("x-github-api-version", "2022-11-28"))
        .and(body_partial_json(
            json!({"title": "Disk", "labels": ["alert-follow-up"]}),
        ))
        .respond_with(answer(201, "issue.json"))
        .expect(1)
        .mount(&server)
        .await;
    let issue = client(&server)
        .create_issue("Disk", "body", &labels())
        .await
        .unwrap();
    assert_eq!(issue.number, 1347);
    assert_eq!(
        issue.html_url,
        "https://github.com/octocat/Hello-World/issues/1347"
    );
    assert_eq!(issue.state, "open");
}

#[tokio::test]
async fn each_github_failure_has_its_own_clear_message_without_the_token() {
    let server = MockServer::start().await;
    let cases: [(u16, ResponseTemplate, &str); 5] = [
        (
            401,
            answer(401, "error-bad-credentials.json"),
            "GITHUB_TOKEN",
        ),
        (
            403,
            ResponseTemplate::new(403).set_body_json(
                json!({"message": format!("Resource not accessible by token {TOKEN}")}),
            ),
            "permission",
        ),
        (404, answer(404, "error-not-found.json"), "[github] repo"),
        (422, answer(422, "error-validation.json"), "labels: invalid"),
        (
            502,
            ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"),
            "server error (502)",
        ),
    ];
    for (status, response, says) in cases {
        server.reset().await;
        Mock::given(method("POST"))
            .and(path(ISSUES))
            .respond_with(response)
            .mount(&server)
            .await;
        let err = client(&server)
            .create_issue("t", "b", &[])
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains(says), "{status}: {text}");
        assert!(
            !text.contains(TOKEN) && !format!("{err:?}").contains(TOKEN),
            "{status}: {text}"
        );
        let expected = match status {
            401 => matches!(err, GithubError::Unauthorized { .. }),
            403 => matches!(err, GithubError::Forbidden { .. }),
            404 => matches!(err, GithubError::NotFound { .. }),
            422 => matches!(err, GithubError::Invalid { .. }),
            _ => matches!(err, GithubError::Server { status: 502 }),
        };
        assert!(expected, "{status}: {err:?}");
    }
}

/// A store with alerts of one key: two before the task opens, one after.
async fn store_with_task() -> (asakai::store::Store, TestDb, i64) {
    let (store, db) = store_with(&[
        stored_alert(
            "a1",
            "disk",
            Some("app01"),
            NOW - 5 * 3600,
            Some(NOW - 4 * 3600),
        ),
        stored_alert("a2", "disk", Some("app01"), NOW + 3600, Some(NOW + 3660)),
        stored_alert("a3", "disk", Some("app01"), NOW + 2 * DAY, None),
    ])
    .await;
    let note = Some("disk fills up @infra-team at night");
    review::record(&store, &["a1".to_owned()], Outcome::Noise, note, None, NOW)
        .await
        .unwrap();
    let req = NewTask {
        alert_ids: vec!["a1".into()],
        title: Some("Tune disk on app01".into()),
        github: true,
        by: None,
    };
    let opened = task::open(&store, &req, NOW).await.unwrap();
    (store, db, opened.task.id)
}

#[tokio::test]
async fn a_failed_create_leaves_the_task_unlinked_and_a_retry_links_it_once() {
    let server = MockServer::start().await;
    let (store, _db, id) = store_with_task().await;
    Mock::given(method("POST"))
        .and(path(ISSUES))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let gh = client(&server);
    let err = issues::create_issue(&store, &gh, &labels(), id, NOW)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("500"), "{err}");
    let t = task::get(&store, id).await.unwrap();
    assert_eq!((t.github_number, t.github_url.as_deref()), (None, None));
    assert!(t.github_error.as_deref().unwrap().contains("500"));

    server.reset().await;
    Mock::given(method("POST"))
        .and(path(ISSUES))
        .respond_with(answer(201, "issue.json"))
        .expect(1)
        .mount(&server)
        .await;
    let report = issues::sync(&store, &gh, &labels(), chrono_tz::Asia::Tokyo, NOW + 60)
        .await
        .unwrap();
    assert_eq!(report.created, [id]);
    let t = task::get(&store, id).await.unwrap();
    assert_eq!(t.github_number, Some(1347));
    assert_eq!(t.github_error, None);
    let sent: Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(sent["title"], "Tune disk on app01");
    assert_eq!(sent["labels"], json!(["alert-follow-up"]));
    let body = sent["body"].as_str().unwrap();
    for part in [
        "[a1](https://mackerel.io/orgs/acme/alerts/a1)",
        "disk on app01",
        "(blog)",
        "opened 2025-11-24T11:00:00Z",
        "closed 2025-11-24T12:00:00Z",
    ] {
        assert!(body.contains(part), "{part} missing from {body}");
    }
    assert!(
        body.contains("note: disk fills up @\u{200B}infra-team at night"),
        "a note never pings: {body}"
    );
    // Linked now: another create or sync opens no second issue.
    issues::create_issue(&store, &gh, &labels(), id, NOW + 120)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_recurrence_comments_at_most_once_a_day_and_a_closed_issue_closes_the_task() {
    let server = MockServer::start().await;
    let (store, _db, id) = store_with_task().await;
    let gh = client(&server);
    Mock::given(method("POST"))
        .and(path(ISSUES))
        .respond_with(answer(201, "issue.json"))
        .mount(&server)
        .await;
    issues::create_issue(&store, &gh, &labels(), id, NOW)
        .await
        .unwrap();
    let mut open_issue = github_fixture("issue.json");
    let issue_mock = |issue: Value| {
        Mock::given(method("GET"))
            .and(path(format!("{ISSUES}/1347")))
            .respond_with(ResponseTemplate::new(200).set_body_json(issue))
    };
    issue_mock(open_issue.clone()).mount(&server).await;
    Mock::given(method("POST"))
        .and(path(format!("{ISSUES}/1347/comments")))
        .respond_with(answer(201, "issue-comment.json"))
        .mount(&server)
        .await;
    let tokyo = chrono_tz::Asia::Tokyo;

    // a2 fired an hour after the task opened: one comment; a second sync that day adds none.
    let first = issues::sync(&store, &gh, &labels(), tokyo, NOW + 2 * 3600)
        .await
        .unwrap();
    assert_eq!(first.commented, [id]);
    let again = issues::sync(&store, &gh, &labels(), tokyo, NOW + 3 * 3600)
        .await
        .unwrap();
    assert!(again.commented.is_empty());
    // Two days later a3 fired: a new day, a new comment naming only a3.
    let later = issues::sync(&store, &gh, &labels(), tokyo, NOW + 2 * DAY + 60)
        .await
        .unwrap();
    assert_eq!(later.commented, [id]);
    let comments: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path().ends_with("/comments"))
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["body"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(comments.len(), 2);
    assert!(comments[0].contains("alerts/a2"), "{}", comments[0]);
    assert!(
        !comments[0].contains("alerts/a1") && !comments[0].contains("alerts/a3"),
        "{}",
        comments[0]
    );
    assert!(
        comments[1].contains("alerts/a3") && !comments[1].contains("alerts/a2"),
        "{}",
        comments[1]
    );

    server.reset().await;
    open_issue["state"] = json!("closed");
    issue_mock(open_issue).mount(&server).await;
    let closing = issues::sync(&store, &gh, &labels(), tokyo, NOW + 3 * DAY)
        .await
        .unwrap();
    assert_eq!(closing.closed, [id]);
    assert_eq!(task::get(&store, id).await.unwrap().state, TaskState::Done);
}

// The command line, with the config file naming the stand-in as GitHub Enterprise.

fn config(dir: &Path, server: &MockServer) -> PathBuf {
    let path = dir.join("asakai.toml");
    let text = format!(
        "[digest]\ntimezone = \"Asia/Tokyo\"\n\n[github]\nrepo = \"{REPO}\"\napi_base = \"{}/\"\nlabels = [\"alert-follow-up\"]\n",
        server.uri()
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn asakai_gh(db: &TestDb, config: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--config", config.to_str().unwrap()];
    all.extend(args);
    let out = run_asakai(db, &all, &[("GITHUB_TOKEN", TOKEN)]);
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !String::from_utf8_lossy(stream).contains(TOKEN),
            "the token leaked: {args:?}"
        );
    }
    out
}

#[tokio::test]
async fn task_new_github_links_only_after_201_and_task_sync_retries() {
    let server = MockServer::start().await;
    let (store, db) = store_with(&[stored_alert("a1", "disk", Some("app01"), NOW, None)]).await;
    store.close().await;
    let config = config(db.dir(), &server);
    Mock::given(method("POST"))
        .and(path(ISSUES))
        .respond_with(answer(401, "error-bad-credentials.json"))
        .mount(&server)
        .await;

    let failed = asakai_gh(
        &db,
        &config,
        &[
            "task", "new", "--alert", "a1", "--github", "--format", "json",
        ],
    );
    assert!(!failed.status.success());
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(err.contains("401"), "{err}");
    assert_eq!(
        err.matches("rejected the token").count(),
        1,
        "said once: {err}"
    );
    let printed: Value = serde_json::from_slice(&failed.stdout).unwrap();
    assert_eq!(printed["url"], Value::Null);
    assert!(printed["github_error"]
        .as_str()
        .unwrap()
        .contains("GITHUB_TOKEN"));
    let alerts = json_out(&asakai_gh(&db, &config, &["alerts", "--format", "json"]));
    assert_eq!(
        alerts[0]["task"]["url"],
        Value::Null,
        "not shown as linked before a 201"
    );

    server.reset().await;
    Mock::given(method("POST"))
        .and(path(ISSUES))
        .respond_with(answer(201, "issue.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ISSUES}/1347")))
        .respond_with(answer(200, "issue.json"))
        .mount(&server)
        .await;
    let synced = asakai_gh(&db, &config, &["task", "sync"]);
    assert!(
        synced.status.success(),
        "{}",
        String::from_utf8_lossy(&synced.stderr)
    );
    let shown = json_out(&asakai_gh(
        &db,
        &config,
        &["task", "show", "1", "--format", "json"],
    ));
    assert_eq!(
        shown["url"],
        "https://github.com/octocat/Hello-World/issues/1347"
    );
    assert_eq!(shown["github_error"], Value::Null);
    // A second sync reads the issue but creates nothing (the create mock expects one call).
    let again = asakai_gh(&db, &config, &["task", "sync"]);
    assert!(again.status.success());
}

#[tokio::test]
async fn task_new_github_without_a_token_says_how_to_set_it_up() {
    let (store, db) = store_with(&[stored_alert("a1", "disk", Some("app01"), NOW, None)]).await;
    store.close().await;
    let server = MockServer::start().await;
    let config = config(db.dir(), &server);
    let out = run_asakai(
        &db,
        &[
            "--config",
            config.to_str().unwrap(),
            "task",
            "new",
            "--alert",
            "a1",
            "--github",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("export GITHUB_TOKEN"));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_create_in_flight_elsewhere_is_not_repeated() {
    let server = MockServer::start().await;
    let (store, _db, id) = store_with_task().await;
    // Another process claimed the create a minute ago and has not answered yet.
    asakai::store::testing::execute(
        &store,
        "UPDATE tasks SET github_claimed_at = ? WHERE id = ?",
        &[(NOW - 60).into(), id.into()],
    )
    .await
    .unwrap();
    let err = issues::create_issue(&store, &client(&server), &labels(), id, NOW)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another asakai"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_issue_that_cannot_be_read_keeps_its_task_open_and_says_why() {
    let server = MockServer::start().await;
    let (store, _db, id) = store_with_task().await;
    let gh = client(&server);
    Mock::given(method("POST"))
        .and(path(ISSUES))
        .respond_with(answer(201, "issue.json"))
        .mount(&server)
        .await;
    issues::create_issue(&store, &gh, &labels(), id, NOW)
        .await
        .unwrap();
    Mock::given(method("GET"))
        .and(path(format!("{ISSUES}/1347")))
        .respond_with(answer(404, "error-not-found.json"))
        .mount(&server)
        .await;
    let report = issues::sync(&store, &gh, &labels(), chrono_tz::Asia::Tokyo, NOW + 60)
        .await
        .unwrap();
    assert_eq!(report.failed.len(), 1);
    assert!(
        report.failed[0]
            .1
            .contains("issue #1347 in octocat/Hello-World"),
        "{:?}",
        report.failed
    );
    let t = task::get(&store, id).await.unwrap();
    assert_eq!((t.state, t.github_number), (TaskState::Open, Some(1347)));
    assert!(t.github_error.unwrap().contains("404"));
}

#[tokio::test]
async fn task_sync_with_nothing_linked_needs_no_github() {
    let (store, db) = store_with(&[stored_alert("a1", "disk", Some("app01"), NOW, None)]).await;
    store.close().await;
    json_out(&run_asakai(
        &db,
        &["task", "new", "--alert", "a1", "--format", "json"],
        &[],
    ));
    let out = run_asakai(&db, &["task", "sync"], &[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to sync"));
}
