//! The Mackerel client against the fixtures served on loopback.

use asakai::mackerel::{AlertStatus, MackerelError, MonitorKind};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

async fn serve(route: &str, status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn every_fixture_parses_with_the_typed_models() {
    let server = serve(
        "/api/v0/alerts",
        200,
        fixture("alerts-list-with-closed-nextid.json"),
    )
    .await;
    let page = client_for(&server.uri())
        .alerts_page(true, None)
        .await
        .unwrap();
    assert_eq!(page.next_id.as_deref(), Some("2fsf8jRxFG1"));
    let alerts: Vec<_> = page.alerts.into_iter().map(Result::unwrap).collect();
    assert_eq!(alerts[2].status, AlertStatus::Ok);
    assert_eq!(alerts[2].closed_at, Some(1441940101));

    let server = serve(
        "/api/v0/monitors",
        200,
        fixture("monitors-list-all-types.json"),
    )
    .await;
    let monitors: Vec<_> = client_for(&server.uri())
        .monitors()
        .await
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let kinds: Vec<&str> = monitors.iter().map(|m| m.type_name()).collect();
    assert_eq!(
        kinds,
        [
            "connectivity",
            "host",
            "service",
            "external",
            "anomalyDetection",
            "query",
            "unknown"
        ]
    );
    assert!(
        matches!(&monitors[6].kind, MonitorKind::Other { type_name } if type_name == "unknown")
    );
    assert!(matches!(&monitors[2].kind, MonitorKind::Service(s) if s.service == "SomeService"));
    assert_eq!(monitors[0].display_name().as_deref(), Some("connectivity"));

    let server = serve("/api/v0/monitors", 200, fixture("monitors-list-docs.json")).await;
    let docs = client_for(&server.uri()).monitors().await.unwrap();
    assert!(docs.iter().all(Result::is_ok));

    let server = serve(
        "/api/v0/hosts/9rxGOHfVF8F",
        200,
        fixture("host-single.json"),
    )
    .await;
    let host = client_for(&server.uri())
        .host("9rxGOHfVF8F")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(host.roles["My-Service"], ["db-master", "db-slave"]);

    let server = serve("/api/v0/hosts", 200, fixture("hosts-list.json")).await;
    assert_eq!(
        client_for(&server.uri()).hosts().await.unwrap()[0].name,
        "mydb001"
    );

    let server = serve("/api/v0/services", 200, fixture("services-list.json")).await;
    assert_eq!(
        client_for(&server.uri()).services().await.unwrap()[0].roles,
        ["db-master", "db-slave"]
    );

    let server = serve(
        "/api/v0/monitoring/checks/5rXR3",
        200,
        fixture("check-monitor-single.json"),
    )
    .await;
    assert_eq!(
        client_for(&server.uri())
            .check_monitor("5rXR3")
            .await
            .unwrap()
            .unwrap()
            .name,
        "foo-check-script"
    );

    let server = serve(
        "/api/v0/monitors/2cSZzK3XfmB",
        200,
        fixture("monitor-single.json"),
    )
    .await;
    let m = client_for(&server.uri())
        .monitor("2cSZzK3XfmB")
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        matches!(m.kind, MonitorKind::Host(ref h) if h.exclude_scopes == ["Hatena-Bookmark: db-master"])
    );

    for (name, id) in [
        ("alert-single.json", "2wpLU5fBXbG"),
        ("alert-closed.json", "alert1"),
        ("alert-open-host.json", "alert2"),
    ] {
        let server = serve(&format!("/api/v0/alerts/{id}"), 200, fixture(name)).await;
        let a = client_for(&server.uri())
            .alert(id)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(a.id, id);
    }
}

#[tokio::test]
async fn alert_logs_are_read_to_the_last_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v0/alerts/x/logs"))
        .and(wiremock::matchers::query_param_is_missing("nextId"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("alert-logs.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v0/alerts/x/logs"))
        .and(wiremock::matchers::query_param("nextId", "2fsf8jRxFG1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"logs": [log(1735290000, "CRITICAL", "monitoring")]})),
        )
        .mount(&server)
        .await;
    let logs = client_for(&server.uri()).alert_logs("x").await.unwrap();
    assert_eq!(logs.len(), 3);
    assert_eq!(logs[0].status, AlertStatus::Critical, "oldest first");
}

#[tokio::test]
async fn requests_carry_the_key_and_asakais_user_agent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v0/org"))
        .and(header("X-Api-Key", KEY))
        .and(header(
            "User-Agent",
            concat!("asakai/", env!("CARGO_PKG_VERSION")),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "acme"})))
        .mount(&server)
        .await;
    assert_eq!(client_for(&server.uri()).org().await.unwrap().name, "acme");
}

#[tokio::test]
async fn errors_carry_the_status_and_mackerels_message_in_both_shapes() {
    let server = serve(
        "/api/v0/services",
        400,
        json!({"error": {"message": "bad request: limit"}}),
    )
    .await;
    let err = client_for(&server.uri()).services().await.unwrap_err();
    assert!(matches!(err, MackerelError::Api { status: 400, .. }));
    assert!(err.to_string().contains("bad request: limit"));
    let server = serve(
        "/api/v0/services",
        400,
        json!({"error": "plain text error"}),
    )
    .await;
    assert!(client_for(&server.uri())
        .services()
        .await
        .unwrap_err()
        .to_string()
        .contains("plain text error"));
    let server = serve("/api/v0/hosts/nope", 404, fixture("error-not-found.json")).await;
    assert_eq!(client_for(&server.uri()).host("nope").await.unwrap(), None);
}

#[tokio::test]
async fn a_cut_off_body_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v0/org"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"name": "ac"#, "application/json"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v0/org"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "acme"})))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    assert_eq!(client.org().await.unwrap().name, "acme");
    assert_eq!(client.request_count(), 2);
}

#[tokio::test]
async fn persistent_server_errors_give_up_after_the_retries() {
    let server = serve(
        "/api/v0/org",
        502,
        json!({"error": {"message": "bad gateway"}}),
    )
    .await;
    let err = client_for(&server.uri()).org().await.unwrap_err();
    assert!(err.to_string().contains("502"), "{err}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        6,
        "one try and five retries"
    );
}

#[tokio::test]
async fn requests_are_paced_by_the_configured_interval() {
    let server = serve("/api/v0/org", 200, json!({"name": "acme"})).await;
    let mut config = asakai::mackerel::ClientConfig::new(server.uri(), KEY);
    config.request_interval = std::time::Duration::from_millis(150);
    let client = asakai::mackerel::Client::new(config).unwrap();
    let started = std::time::Instant::now();
    for _ in 0..3 {
        client.org().await.unwrap();
    }
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}

#[test]
fn the_key_never_shows_in_debug_output_and_an_empty_key_is_refused() {
    let config = asakai::mackerel::ClientConfig::new("http://127.0.0.1:1/", "secret-key-abc");
    assert!(!format!("{config:?}").contains("secret-key-abc"));
    let empty = asakai::mackerel::ClientConfig::new("http://127.0.0.1:1/", " ");
    assert!(matches!(
        asakai::mackerel::Client::new(empty),
        Err(MackerelError::NoKey)
    ));
    let bad = asakai::mackerel::ClientConfig::new("ftp://x", "k");
    assert!(matches!(
        asakai::mackerel::Client::new(bad),
        Err(MackerelError::BadBase(_))
    ));
}

#[tokio::test]
async fn credentials_in_the_api_base_are_never_printed_in_an_error() {
    // Nothing listens on port 9 of loopback: every try fails to connect and is
    // retried, and each retry's warning prints the same error as the final one.
    let base = "http://proxyuser:hunter2@127.0.0.1:9/";
    let mut c = asakai::mackerel::ClientConfig::new(base, KEY);
    c.request_interval = std::time::Duration::ZERO;
    c.backoff_min = std::time::Duration::from_millis(1);
    c.backoff_max = std::time::Duration::from_millis(2);
    c.max_retries = 1;
    let err = asakai::mackerel::Client::new(c)
        .unwrap()
        .org()
        .await
        .unwrap_err();
    assert!(matches!(err, MackerelError::Transport { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains("hunter2") && !text.contains("proxyuser"),
        "{text}"
    );
    assert!(text.contains("127.0.0.1:9"), "still says where: {text}");

    let err = asakai::mackerel::Client::new(asakai::mackerel::ClientConfig::new(
        "ftp://me:hunter2@host/",
        KEY,
    ))
    .err()
    .unwrap();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
