//! Sync against a wiremock Mackerel: completeness, attribution, closes, logs, cost, faults.

use std::time::Duration;

use asakai::store::AlertFilter;
use asakai::sync::{run_pass, SyncError, SyncOptions};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::*;

pub fn opts() -> SyncOptions {
    SyncOptions {
        since: None,
        backfill: Duration::from_secs(30 * DAY as u64),
        ..SyncOptions::default()
    }
}

/// An organisation with every alert type and every host situation of design §3.
pub fn org() -> World {
    let monitors = vec![
        json!({"id": "mConn", "type": "connectivity", "scopes": [], "excludeScopes": []}),
        json!({"id": "mCpu", "type": "host", "name": "cpu.user", "metric": "cpu.user.percentage", "operator": ">", "warning": 80.0, "critical": 90.0, "duration": 3}),
        json!({"id": "mSvc", "type": "service", "name": "blog - 5xx", "service": "blog", "metric": "access.5xx", "operator": ">", "warning": 1.0, "critical": 5.0}),
        json!({"id": "mExtShop", "type": "external", "name": "shop top", "url": "https://shop.example/", "service": "shop"}),
        json!({"id": "mExtBare", "type": "external", "name": "status page", "url": "https://status.example/"}),
        json!({"id": "mExpr", "type": "expression", "name": "role average", "expression": "avg(roleSlots(\"blog:app\",\"loadavg5\"))", "operator": ">"}),
        json!({"id": "mQuery", "type": "query", "name": "otel latency", "query": "http.server.duration", "legend": ""}),
        json!({"id": "mAnom", "type": "anomalyDetection", "name": "anomaly", "scopes": ["blog: app"]}),
        json!({"id": "mFuture", "type": "quantumFlux", "name": "future monitor", "unknownField": 1}),
    ];
    let hosts = vec![
        host(
            "hMulti",
            "app01",
            "working",
            json!({"blog": ["app"], "shop": ["web"]}),
        ),
        host("hBare", "bare01", "standby", json!({})),
        host("hMaint", "db01", "maintenance", json!({"blog": ["db"]})),
        host("hOff", "batch01", "poweroff", json!({"shop": ["batch"]})),
    ];
    let mut retired = host("hRetired", "old01", "working", json!({"blog": ["app"]}));
    retired["isRetired"] = json!(true);
    retired["retiredAt"] = json!(NOW - 3 * DAY);
    let t = NOW - 3600;
    let mut ext = alert("aExtShop", "external", "mExtShop", None, "CRITICAL", t - 5);
    ext["message"] = json!("HTTP request failed - status is 500");
    let mut query = alert("aQuery", "query", "mQuery", None, "WARNING", t - 7);
    query["series"] = json!({"name": "http.server.duration", "labels": {"ip": "127.0.0.1"}});
    query["value"] = json!(1.5);
    World {
        org: "acme".into(),
        monitors,
        checks: vec![("mCheck".into(), "disk-check".into())],
        hosts,
        retired: vec![("hRetired".into(), Some(retired)), ("hGone".into(), None)],
        services: vec![
            json!({"name": "blog", "memo": "", "roles": ["app", "db"]}),
            json!({"name": "shop", "memo": "", "roles": ["web", "batch"]}),
        ],
        alerts: vec![
            alert(
                "aMulti",
                "connectivity",
                "mConn",
                Some("hMulti"),
                "CRITICAL",
                t,
            ),
            alert("aBare", "host", "mCpu", Some("hBare"), "WARNING", t - 1),
            alert("aMaint", "host", "mCpu", Some("hMaint"), "CRITICAL", t - 2),
            alert(
                "aOff",
                "connectivity",
                "mConn",
                Some("hOff"),
                "CRITICAL",
                t - 3,
            ),
            alert("aSvc", "service", "mSvc", None, "CRITICAL", t - 4),
            ext,
            alert("aExtBare", "external", "mExtBare", None, "CRITICAL", t - 6),
            query,
            alert("aExpr", "expression", "mExpr", None, "WARNING", t - 8),
            alert(
                "aCheck",
                "check",
                "mCheck",
                Some("hMulti"),
                "CRITICAL",
                t - 9,
            ),
            alert(
                "aAnom",
                "anomalyDetection",
                "mAnom",
                Some("hMulti"),
                "WARNING",
                t - 10,
            ),
            alert(
                "aRetired",
                "host",
                "mCpu",
                Some("hRetired"),
                "CRITICAL",
                t - 11,
            ),
            alert(
                "aGoneHost",
                "connectivity",
                "mConn",
                Some("hGone"),
                "CRITICAL",
                t - 12,
            ),
            alert("aFuture", "quantumFlux", "mFuture", None, "UNKNOWN", t - 13),
        ],
        logs: Default::default(),
    }
}

pub async fn stored(store: &asakai::store::Store, id: &str) -> asakai::store::StoredAlert {
    store
        .alerts_by_id(&[id.to_owned()])
        .await
        .unwrap()
        .pop()
        .unwrap_or_else(|| panic!("{id} not stored"))
}

#[tokio::test]
async fn every_alert_type_is_filed_under_the_right_services() {
    let mackerel = Mackerel::start(org()).await;
    let (store, _db) = temp_store().await;
    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();

    type Expected<'a> = (&'a str, &'a [&'a str], Option<&'a str>, Option<&'a str>);
    let expect: &[Expected] = &[
        (
            "aMulti",
            &["blog", "shop"],
            Some("connectivity"),
            Some("app01"),
        ),
        ("aBare", &[], Some("cpu.user"), Some("bare01")),
        ("aMaint", &["blog"], Some("cpu.user"), Some("db01")),
        ("aOff", &["shop"], Some("connectivity"), Some("batch01")),
        ("aSvc", &["blog"], Some("blog - 5xx"), None),
        ("aExtShop", &["shop"], Some("shop top"), None),
        ("aExtBare", &[], Some("status page"), None),
        ("aQuery", &[], Some("otel latency"), None),
        ("aExpr", &[], Some("role average"), None),
        (
            "aCheck",
            &["blog", "shop"],
            Some("disk-check"),
            Some("app01"),
        ),
        ("aAnom", &["blog", "shop"], Some("anomaly"), Some("app01")),
        ("aRetired", &["blog"], Some("cpu.user"), Some("old01")),
        ("aGoneHost", &[], Some("connectivity"), None),
        ("aFuture", &[], Some("future monitor"), None),
    ];
    for (id, services, monitor, host) in expect {
        let a = stored(&store, id).await;
        assert_eq!(a.services, *services, "services of {id}");
        assert_eq!(a.monitor_name.as_deref(), *monitor, "monitor of {id}");
        assert_eq!(a.host_name.as_deref(), *host, "host of {id}");
        assert_eq!(
            a.url.as_deref(),
            Some(format!("{}/orgs/acme/alerts/{id}", mackerel.server.uri()).as_str())
        );
    }
    assert_eq!(
        stored(&store, "aMulti").await.roles,
        ["blog:app", "shop:web"]
    );
    assert_eq!(stored(&store, "aQuery").await.value, Some(1.5));
    assert_eq!(store.count_alerts().await.unwrap(), 14);
}

#[tokio::test]
async fn the_check_monitor_is_named_through_its_own_endpoint_and_hosts_of_all_statuses_are_asked_for(
) {
    let mackerel = Mackerel::start(org()).await;
    let (store, _db) = temp_store().await;
    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    let reqs = mackerel.requests().await;
    assert!(reqs
        .iter()
        .any(|r| r.url.path() == "/api/v0/monitoring/checks/mCheck"));
    let hosts = reqs
        .iter()
        .find(|r| r.url.path() == "/api/v0/hosts")
        .unwrap();
    let statuses: Vec<String> = hosts
        .url
        .query_pairs()
        .filter(|(k, _)| k == "status")
        .map(|(_, v)| v.into())
        .collect();
    assert_eq!(statuses, ["working", "standby", "maintenance", "poweroff"]);
    // The retired hosts are looked up one by one: 200 with isRetired, and 404.
    assert!(reqs
        .iter()
        .any(|r| r.url.path() == "/api/v0/hosts/hRetired"));
    assert!(reqs.iter().any(|r| r.url.path() == "/api/v0/hosts/hGone"));
}

#[tokio::test]
async fn an_unknown_monitor_type_is_kept_and_the_rest_of_the_list_is_used() {
    let mut world = org();
    // The unknown type first, as in mackerel-client-go's test, so a client that stops there would lose the rest.
    world.monitors.insert(
        0,
        json!({"id": "mNew", "type": "unknown", "unknownField": "unknownValue"}),
    );
    world.alerts.push(alert(
        "aNew",
        "unknown",
        "mNew",
        None,
        "CRITICAL",
        NOW - 100,
    ));
    let mackerel = Mackerel::start(world).await;
    let (store, _db) = temp_store().await;
    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    let monitors = store.monitors().await.unwrap();
    assert_eq!(monitors["mNew"].kind, "unknown");
    assert_eq!(monitors["mSvc"].service.as_deref(), Some("blog"));
    assert_eq!(stored(&store, "aNew").await.kind, "unknown");
    assert_eq!(stored(&store, "aSvc").await.services, ["blog"]);
}

#[tokio::test]
async fn pagination_follows_next_id_to_the_end_with_pages_of_at_most_100() {
    let mut world = org();
    world.alerts = (0..250)
        .map(|i| {
            closed(
                alert(
                    &format!("p{i:03}"),
                    "host",
                    "mCpu",
                    Some("hMulti"),
                    "OK",
                    NOW - 10 * DAY + i * 60,
                ),
                NOW - 9 * DAY,
                None,
            )
        })
        .collect();
    let mackerel = Mackerel::start(world).await;
    let (store, _db) = temp_store().await;
    let summary = run_pass(
        &mackerel.client(),
        &store,
        &SyncOptions {
            logs_per_pass: 0,
            ..opts()
        },
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(summary.new_alerts, 250);
    assert_eq!(store.count_alerts().await.unwrap(), 250);
    let pages: Vec<_> = mackerel
        .requests()
        .await
        .into_iter()
        .filter(|r| r.url.path() == "/api/v0/alerts")
        .collect();
    let with_closed = pages
        .iter()
        .filter(|r| r.url.query().unwrap_or("").contains("withClosed=true"))
        .count();
    assert_eq!(with_closed, 3, "250 alerts are three pages");
    for r in &pages {
        let limit: u32 = r
            .url
            .query_pairs()
            .find(|(k, _)| k == "limit")
            .unwrap()
            .1
            .parse()
            .unwrap();
        assert!(limit <= 100);
    }
}

#[tokio::test]
async fn paging_stops_once_it_reaches_back_past_the_backfill_horizon() {
    let mut world = org();
    world.alerts = (0..300)
        .map(|i| {
            closed(
                alert(
                    &format!("q{i:03}"),
                    "host",
                    "mCpu",
                    Some("hMulti"),
                    "OK",
                    NOW - i * 3600,
                ),
                NOW - i * 3600 + 60,
                None,
            )
        })
        .collect();
    let mackerel = Mackerel::start(world).await;
    let (store, _db) = temp_store().await;
    let two_days = SyncOptions {
        since: Some(NOW - 2 * DAY),
        logs_per_pass: 0,
        ..opts()
    };
    run_pass(&mackerel.client(), &store, &two_days, NOW)
        .await
        .unwrap();
    // The first page (100 hours back) already reaches past two days: nothing older is read.
    assert_eq!(store.count_alerts().await.unwrap(), 100);
}

#[tokio::test]
async fn an_old_alert_closed_since_the_last_pass_is_found_with_its_state_from_logs() {
    let opened = NOW - 20 * DAY;
    let old = |id: &str, kind: &str, monitor: &str, host: &str, at: i64| {
        alert(id, kind, monitor, Some(host), "CRITICAL", at)
    };
    // Closed alerts of last week, already stored: the next pass's paging stops among them.
    let mids: Vec<_> = (0..150)
        .map(|i| {
            closed(
                alert(
                    &format!("mid{i}"),
                    "host",
                    "mCpu",
                    Some("hMulti"),
                    "OK",
                    NOW - 5 * DAY + i,
                ),
                NOW - 4 * DAY,
                None,
            )
        })
        .collect();
    let mut world = org();
    world.alerts = vec![
        old("old1", "host", "mCpu", "hMulti", opened),
        old("old2", "host", "mCpu", "hMulti", opened + 1),
        old("old3", "connectivity", "mConn", "hRetired", opened + 2),
        closed(
            alert("recent", "host", "mCpu", Some("hMulti"), "OK", NOW - 100),
            NOW - 50,
            None,
        ),
    ];
    world.alerts.extend(mids.clone());
    let mackerel = Mackerel::start(world).await;
    let (store, _db) = temp_store().await;
    run_pass(
        &mackerel.client(),
        &store,
        &SyncOptions {
            logs_per_pass: 0,
            ..opts()
        },
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(store.open_alert_ids().await.unwrap().len(), 3);

    let later = NOW + 3600;
    mackerel.update(|w| {
        w.alerts = vec![
            closed(
                old("old1", "host", "mCpu", "hMulti", opened),
                later - 60,
                None,
            ),
            closed(
                old("old2", "host", "mCpu", "hMulti", opened + 1),
                later - 50,
                Some("disk cleaned by hand"),
            ),
            closed(
                old("old3", "connectivity", "mConn", "hRetired", opened + 2),
                later - 40,
                Some("host retired"),
            ),
            closed(
                alert("recent", "host", "mCpu", Some("hMulti"), "OK", NOW - 100),
                NOW - 50,
                None,
            ),
        ];
        w.alerts.extend(mids);
        // 200 newer alerts push the old ones past where paging stops.
        for i in 0..200 {
            w.alerts.push(alert(
                &format!("n{i}"),
                "host",
                "mCpu",
                Some("hMulti"),
                "WARNING",
                NOW + 100 + i,
            ));
        }
        w.logs.insert(
            "old1".into(),
            vec![
                log(opened, "WARNING", "monitoring"),
                log(later - 60, "OK", "monitoring"),
            ],
        );
        w.logs.insert(
            "old2".into(),
            vec![
                log(opened + 1, "CRITICAL", "monitoring"),
                log(later - 50, "OK", "manual"),
            ],
        );
        w.logs.insert(
            "old3".into(),
            vec![
                log(opened + 2, "CRITICAL", "monitoring"),
                log(later - 40, "OK", "hostRetire"),
            ],
        );
    });
    run_pass(&mackerel.client(), &store, &opts(), later)
        .await
        .unwrap();

    let reqs = mackerel.requests().await;
    for id in ["old1", "old2", "old3"] {
        assert!(
            reqs.iter()
                .any(|r| r.url.path() == format!("/api/v0/alerts/{id}")),
            "{id} fetched by id"
        );
    }
    let by_state = |state| {
        let store = store.clone();
        async move {
            let f = AlertFilter {
                state: Some(state),
                from: Some(opened - 1),
                to: Some(opened + 10),
                ..Default::default()
            };
            ids(&store, f).await
        }
    };
    use asakai::alert::State;
    assert_eq!(by_state(State::Recovered).await, ["old1"]);
    assert_eq!(by_state(State::ClosedManually).await, ["old2"]);
    assert_eq!(by_state(State::ClosedBySystem).await, ["old3"]);
    assert_eq!(
        stored(&store, "old2").await.reason.as_deref(),
        Some("disk cleaned by hand")
    );
    assert!(store
        .open_alert_ids()
        .await
        .unwrap()
        .iter()
        .all(|id| id.starts_with('n')));
}

#[tokio::test]
async fn an_alert_opened_and_closed_between_passes_gets_its_peak_severity_from_its_logs() {
    let mackerel = Mackerel::start(World {
        alerts: vec![],
        ..org()
    })
    .await;
    let (store, _db) = temp_store().await;
    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    mackerel.update(|w| {
        w.alerts = vec![closed(
            alert("brief", "host", "mCpu", Some("hMulti"), "OK", NOW + 60),
            NOW + 600,
            None,
        )];
        w.logs.insert(
            "brief".into(),
            vec![
                log(NOW + 60, "WARNING", "monitoring"),
                log(NOW + 120, "CRITICAL", "monitoring"),
                log(NOW + 600, "OK", "monitoring"),
            ],
        );
    });
    run_pass(&mackerel.client(), &store, &opts(), NOW + 900)
        .await
        .unwrap();
    let a = stored(&store, "brief").await;
    assert_eq!(a.severity.as_deref(), Some("CRITICAL"));
    assert_eq!(a.close_cause.as_deref(), Some("monitoring"));
    assert_eq!(a.status, "OK");
}

/// Pages are fetched ahead of the writes, but never past where the read stops: on a
/// long list, the next pass reads one page of closed alerts, not the pages after it.
#[tokio::test]
async fn fetching_ahead_stops_at_the_horizon_on_a_long_list() {
    let mut world = org();
    for i in 0..350 {
        let opened = NOW - 20 * DAY + i * 3600;
        let a = alert(
            &format!("long{i:03}"),
            "host",
            "mCpu",
            Some("hWeb"),
            "CRITICAL",
            opened,
        );
        world.alerts.push(closed(a, opened + 600, None));
    }
    let mackerel = Mackerel::start(world).await;
    let (store, _db) = temp_store().await;
    let client = mackerel.client();
    let first = run_pass(&client, &store, &opts(), NOW).await.unwrap();
    assert!(first.new_alerts >= 350, "{first:?}");
    let before = mackerel.requests().await.len();
    run_pass(&client, &store, &opts(), NOW + 60).await.unwrap();
    let lists: Vec<String> = mackerel.requests().await[before..]
        .iter()
        .map(|r| r.url.to_string())
        .filter(|u| u.contains("/api/v0/alerts?"))
        .collect();
    assert_eq!(lists.len(), 2, "{lists:?}");
}

#[tokio::test]
async fn a_pass_with_nothing_new_makes_exactly_two_requests() {
    let mackerel = Mackerel::start(org()).await;
    let (store, _db) = temp_store().await;
    let client = mackerel.client();
    run_pass(&client, &store, &opts(), NOW).await.unwrap();
    let before = mackerel.requests().await.len();
    let summary = run_pass(&client, &store, &opts(), NOW + 60).await.unwrap();
    let after = mackerel.requests().await;
    assert_eq!(
        after.len() - before,
        2,
        "requests: {:?}",
        after[before..]
            .iter()
            .map(|r| r.url.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(summary.requests, 2);
    assert_eq!((summary.new_alerts, summary.changed), (0, 0));
    let last = &store.passes(1).await.unwrap()[0];
    assert_eq!((last.requests, last.outcome.as_str()), (2, "ok"));
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_and_the_pass_succeeds() {
    let mackerel = Mackerel::start(org()).await;
    Mock::given(method("GET"))
        .and(path("/api/v0/alerts"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&mackerel.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v0/monitors"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": "maintenance"})))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&mackerel.server)
        .await;
    let (store, _db) = temp_store().await;
    let started = std::time::Instant::now();
    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    assert_eq!(store.count_alerts().await.unwrap(), 14);
}

#[tokio::test]
async fn a_rejected_key_stops_the_pass_with_a_clear_message_and_changes_nothing() {
    let mackerel = Mackerel::start(org()).await;
    let (store, _db) = temp_store().await;
    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    let before = snapshot(&store).await;
    mackerel.update(|w| {
        w.alerts.push(alert(
            "late",
            "host",
            "mCpu",
            Some("hMulti"),
            "CRITICAL",
            NOW + 10,
        ))
    });

    let mut bad = asakai::mackerel::ClientConfig::new(mackerel.server.uri(), "wrong-key-5678");
    bad.request_interval = Duration::ZERO;
    let client = asakai::mackerel::Client::new(bad).unwrap();
    let err = run_pass(&client, &store, &opts(), NOW + 60)
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(
        err,
        SyncError::Mackerel(asakai::mackerel::MackerelError::KeyRejected { status: 403, .. })
    ));
    assert!(
        message.contains("rejected the API key") && message.contains("Read permission"),
        "{message}"
    );
    assert!(
        !message.contains("wrong-key-5678"),
        "the key never appears: {message}"
    );
    assert_eq!(snapshot(&store).await, before);
    assert_eq!(store.passes(1).await.unwrap()[0].outcome, "failed");
}

#[tokio::test]
async fn a_malformed_alert_is_skipped_and_counted_while_the_rest_are_stored() {
    let mut world = org();
    world.alerts.push(
        json!({"id": "broken", "status": "CRITICAL", "type": "host", "openedAt": "yesterday"}),
    );
    world.alerts.push(
        json!({"id": "broken2", "status": "SORT_OF_BAD", "type": "host", "openedAt": NOW - 50}),
    );
    let mackerel = Mackerel::start(world).await;
    let (store, _db) = temp_store().await;
    let summary = run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    assert_eq!(summary.skipped, 2 * 2, "each broken alert is in both lists");
    assert_eq!(store.count_alerts().await.unwrap(), 14);
    assert!(store
        .alerts_by_id(&["broken".into()])
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_pass_cut_off_midway_keeps_what_it_wrote_and_the_next_pass_converges() {
    // The same history, synced without interruption.
    let reference = Mackerel::start(org()).await;
    let (ref_store, _d1) = temp_store().await;
    run_pass(&reference.client(), &ref_store, &opts(), NOW)
        .await
        .unwrap();

    let mackerel = Mackerel::start(World {
        alerts: org().alerts[..3].to_vec(),
        ..org()
    })
    .await;
    let (store, _d2) = temp_store().await;
    run_pass(&mackerel.client(), &store, &opts(), NOW - 600)
        .await
        .unwrap();
    let before = snapshot(&store).await;
    mackerel.update(|w| w.alerts = org().alerts);

    // Dropped mid-flight: the list with closed alerts answers too slowly and the
    // future is abandoned after the open alerts were written.
    Mock::given(method("GET"))
        .and(path("/api/v0/alerts"))
        .and(wiremock::matchers::query_param("withClosed", "true"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(5))
                .set_body_json(json!({"alerts": []})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&mackerel.server)
        .await;
    let dropped = tokio::time::timeout(
        Duration::from_millis(800),
        run_pass(&mackerel.client(), &store, &opts(), NOW),
    )
    .await;
    assert!(dropped.is_err(), "the pass was cut off");
    let kept = snapshot(&store).await;
    assert!(
        kept.len() > before.len(),
        "the open alerts read before the cut are kept"
    );

    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    let mut got = snapshot(&store).await;
    let mut want = snapshot(&ref_store).await;
    let strip = |rows: &mut Vec<String>, base: &str| {
        rows.iter_mut().for_each(|r| *r = r.replace(base, "BASE"))
    };
    strip(&mut got, &mackerel.server.uri());
    strip(&mut want, &reference.server.uri());
    assert_eq!(got, want);
}

#[tokio::test]
async fn a_second_pass_on_the_same_database_is_refused_while_one_runs() {
    let (store, _db) = temp_store().await;
    let _held = store
        .try_lock_passes()
        .await
        .unwrap()
        .expect("no pass holds it yet");
    let mackerel = Mackerel::start(org()).await;
    let err = run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Busy(_)));
    assert!(err.to_string().contains("another sync pass is running"));
    assert!(
        mackerel.requests().await.is_empty(),
        "nothing was asked of Mackerel"
    );
}

#[tokio::test]
async fn alerts_that_mackerel_no_longer_has_are_kept_and_marked_gone() {
    let mackerel = Mackerel::start(World {
        alerts: vec![alert(
            "vanish",
            "host",
            "mCpu",
            Some("hMulti"),
            "CRITICAL",
            NOW - 100,
        )],
        ..org()
    })
    .await;
    let (store, _db) = temp_store().await;
    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    mackerel.update(|w| w.alerts.clear());
    run_pass(&mackerel.client(), &store, &opts(), NOW + 60)
        .await
        .unwrap();
    let a = stored(&store, "vanish").await;
    assert!(a.gone);
    assert_eq!(
        a.closed_at,
        Some(NOW + 60),
        "no longer open: closed when found gone"
    );
    let view = asakai::alert::AlertView::at(&a, NOW + 120);
    assert_eq!(view.state, asakai::alert::State::ClosedBySystem);
    assert_eq!(serde_json::to_value(&view).unwrap()["gone"], json!(true));
    // A later pass does not ask for it again.
    let asked = mackerel.requests().await.len();
    run_pass(&mackerel.client(), &store, &opts(), NOW + 180)
        .await
        .unwrap();
    assert_eq!(mackerel.requests().await.len() - asked, 2);
}

#[tokio::test]
async fn host_status_changes_are_recorded_and_hosts_gone_from_the_list_count_as_retired() {
    let mackerel = Mackerel::start(org()).await;
    let (store, _db) = temp_store().await;
    let refresh_always = SyncOptions {
        metadata_max_age: Duration::ZERO,
        ..opts()
    };
    run_pass(&mackerel.client(), &store, &refresh_always, NOW)
        .await
        .unwrap();
    mackerel.update(|w| {
        w.hosts.retain(|h| h["id"] != "hMaint");
        for h in &mut w.hosts {
            if h["id"] == "hBare" {
                h["status"] = json!("maintenance");
            }
        }
    });
    run_pass(&mackerel.client(), &store, &refresh_always, NOW + 3600)
        .await
        .unwrap();
    let hosts = store.hosts().await.unwrap();
    assert!(hosts["hMaint"].is_retired, "no longer listed in any status");
    assert_eq!(hosts["hBare"].status.as_deref(), Some("maintenance"));
    assert!(!hosts["hMulti"].is_retired);

    let spec = asakai::digest::WindowSpec {
        tz: chrono_tz::UTC,
        mode: asakai::digest::Mode::CalendarDay,
        meeting_time: asakai::digest::parse_meeting_time("09:00").unwrap(),
        calendar: Default::default(),
    };
    let window = asakai::digest::Window {
        start: NOW,
        end: NOW + 7200,
        tz: chrono_tz::UTC,
        meeting: None,
    };
    let input = asakai::digest::load::input(&store, &window, &spec.previous(&window))
        .await
        .unwrap();
    let names: Vec<&str> = input.maintenance.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        names,
        ["bare01"],
        "the retired host is not left in maintenance forever"
    );
    assert_eq!(
        input.maintenance[0].since,
        Some(NOW + 3600),
        "since it was seen to change"
    );
}

#[tokio::test]
async fn closing_the_store_after_a_pass_leaves_no_wal_file_behind() {
    // Connections given back just before closing used to be closed on several threads
    // at once, and SQLite then kept the WAL file (each close saw another still open).
    // SQLite only: its WAL file.
    let mackerel = Mackerel::start(org()).await;
    for _ in 0..10 {
        let db = TestDb::sqlite();
        let store = db.open().await;
        run_pass(&mackerel.client(), &store, &opts(), NOW)
            .await
            .unwrap();
        store.close().await;
        assert!(!db.dir().join("asakai.db-wal").exists());
    }
}
