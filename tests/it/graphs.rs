//! The series around metric alerts, read by the sync pass from a wiremock Mackerel
//! (design §12): the right endpoint, metric and range per alert type, the bound per
//! pass and its order, what is read again and what never, and alert rows that never
//! depend on a metric read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;

use asakai::digest::{Calendar, Lang, Mode, WindowSpec};
use asakai::graphs::{self, AlertGraph, NoGraph};
use asakai::store::Store;
use asakai::sync::{run_pass, SyncOptions};
use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, Request, ResponseTemplate};

use crate::helpers::*;

fn world() -> World {
    World {
        org: "acme".into(),
        monitors: vec![
            json!({"id": "mConn", "type": "connectivity"}),
            json!({"id": "mCpu", "type": "host", "name": "CPU %", "metric": "cpu.user.percentage",
                   "operator": ">", "warning": 80.0, "critical": 90.0, "duration": 3}),
            json!({"id": "mSvc", "type": "service", "name": "blog - 5xx", "service": "blog",
                   "metric": "access.5xx", "operator": ">", "warning": 1.0, "critical": 5.0}),
            json!({"id": "mExtShop", "type": "external", "name": "shop top", "url": "https://shop.example/",
                   "service": "shop", "responseTimeWarning": 3000, "responseTimeCritical": 5000}),
            json!({"id": "mExtBare", "type": "external", "name": "status page", "url": "https://status.example/"}),
        ],
        hosts: vec![host("hApp", "app01", "working", json!({"blog": ["app"]}))],
        services: vec![
            json!({"name": "blog", "memo": "", "roles": ["app"]}),
            json!({"name": "shop", "memo": "", "roles": ["web"]}),
        ],
        ..World::default()
    }
}

/// A closed CPU alert on app01 opened at `opened`, ten minutes long.
fn cpu(id: &str, opened: i64) -> Value {
    closed(
        alert(id, "host", "mCpu", Some("hApp"), "CRITICAL", opened),
        opened + 600,
        None,
    )
}

fn opts(per_pass: u32) -> SyncOptions {
    SyncOptions {
        backfill: Duration::from_secs(30 * DAY as u64),
        graphs_per_pass: per_pass,
        ..SyncOptions::default()
    }
}

/// Answers every metrics request with a point a minute over its range (at most
/// the last 10), or, while `status` is not 200, with it and Mackerel's error body.
async fn serve_metrics(m: &Mackerel, status: u16) -> Arc<AtomicU16> {
    let shared = Arc::new(AtomicU16::new(status));
    let answer = shared.clone();
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v0/(hosts|services)/[^/]+/metrics$"))
        .respond_with(move |req: &Request| {
            let status = answer.load(Ordering::Relaxed);
            if status != 200 {
                return ResponseTemplate::new(status)
                    .set_body_json(json!({"error": {"message": "Internal Server Error"}}));
            }
            let q = query(req);
            let (from, to): (i64, i64) = (q["from"].parse().unwrap(), q["to"].parse().unwrap());
            let first = (to - 540).max(from);
            let points: Vec<Value> = (first..=to)
                .step_by(60)
                .map(|t| json!({"time": t, "value": 50.0}))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({"metrics": points}))
        })
        .with_priority(1)
        .mount(&m.server)
        .await;
    shared
}

fn query(req: &Request) -> HashMap<String, String> {
    req.url.query_pairs().into_owned().collect()
}

/// The metrics requests Mackerel received, from index `since` on, as
/// `path?name=&from=&to=`.
async fn metric_reads(m: &Mackerel, since: usize) -> Vec<String> {
    m.requests().await[since..]
        .iter()
        .filter(|r| r.url.path().ends_with("/metrics"))
        .map(|r| format!("{}?{}", r.url.path(), r.url.query().unwrap_or("")))
        .collect()
}

async fn graph(store: &Store, id: &str) -> AlertGraph {
    graphs::svg_for_alert(store, id, chrono_tz::UTC, Lang::En)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn each_metric_alert_reads_its_endpoint_metric_and_range() {
    let at = 1_764_000_000; // the fixture's first point
    let now = at + 2 * 3600;
    let mut w = world();
    w.alerts = vec![
        closed(
            alert("aCpu", "host", "mCpu", Some("hApp"), "CRITICAL", at + 120),
            at + 240,
            None,
        ),
        alert("aSvc", "service", "mSvc", None, "CRITICAL", now - 1800),
        closed(
            alert(
                "aExt",
                "external",
                "mExtShop",
                None,
                "CRITICAL",
                at - 86_400,
            ),
            at,
            None,
        ),
        alert("aBare", "external", "mExtBare", None, "CRITICAL", now - 60),
        alert(
            "aConn",
            "connectivity",
            "mConn",
            Some("hApp"),
            "CRITICAL",
            now - 120,
        ),
    ];
    let m = Mackerel::start(w).await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v0/hosts/hApp/metrics$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("host-metrics.json")))
        .with_priority(1)
        .mount(&m.server)
        .await;
    serve_metrics(&m, 200).await;
    let (store, _db) = temp_store().await;
    let summary = run_pass(&m.client(), &store, &opts(50), now).await.unwrap();

    let mut reads = metric_reads(&m, 0).await;
    reads.sort();
    let ext_opened = at - 86_400;
    assert_eq!(
        reads,
        [
            // An hour either side of the host alert.
            format!("/api/v0/hosts/hApp/metrics?name=cpu.user.percentage&from={}&to={}", at + 120 - 3600, at + 240 + 3600),
            // An open service alert: up to now.
            format!("/api/v0/services/blog/metrics?name=access.5xx&from={}&to={now}", now - 1800 - 3600),
            // An alert of a day: six hours around its opening. The response time of an
            // external monitor is its service's metric.
            format!("/api/v0/services/shop/metrics?name=__externalhttp.responsetime.mExtShop&from={}&to={}", ext_opened - 3600, ext_opened + 5 * 3600),
        ]
    );
    assert_eq!(
        (
            summary.graphs_read,
            summary.graphs_absent,
            summary.graphs_left
        ),
        (3, 1, 0),
        "{summary:?}"
    );
    let stored = store.graph_of("aCpu").await.unwrap().unwrap();
    let points = graphs::series::decode(stored.points.as_deref().unwrap()).unwrap();
    let values: Vec<f64> = points.iter().map(|p| p.v).collect();
    assert_eq!(
        values,
        [42.125, 45.3, 93.75, 91.2, 48.0],
        "the fixture's points, exactly"
    );
    assert_eq!((stored.warning, stored.critical), (Some(80.0), Some(90.0)));
    // Read together, each as read alone; an id that is no alert is left out.
    let mut together = store.graphs_of(&["aBare", "nope", "aCpu"]).await.unwrap();
    together.sort_by(|a, b| a.alert_id.cmp(&b.alert_id));
    let bare = store.graph_of("aBare").await.unwrap().unwrap();
    assert_eq!(together, [bare, stored.clone()]);
    let AlertGraph::Svg(svg) = graph(&store, "aCpu").await else {
        panic!("no graph")
    };
    assert!(
        svg.contains("CPU % on app01") && svg.contains("crossed critical 90 at 16:02"),
        "{svg}"
    );
    assert_eq!(
        graph(&store, "aBare").await,
        AlertGraph::None(NoGraph::NoService)
    );
    assert_eq!(
        graph(&store, "aConn").await,
        AlertGraph::None(NoGraph::Connectivity)
    );
}

#[tokio::test]
async fn a_pass_reads_at_most_per_pass_the_meetings_alerts_first_then_the_newest() {
    // NOW is Monday 2025-11-24 16:00 UTC: the meeting's window is Friday to Sunday.
    let friday = NOW - 3 * DAY - 16 * 3600;
    let mut w = world();
    w.alerts = vec![
        cpu("thursday", friday - 12 * 3600),
        cpu("saturday", friday + DAY + 3600),
        cpu("sunday", friday + 2 * DAY + 3600),
        cpu("monday09", NOW - 7 * 3600),
        cpu("monday12", NOW - 4 * 3600),
        cpu("monday14", NOW - 2 * 3600),
    ];
    let m = Mackerel::start(w).await;
    serve_metrics(&m, 200).await;
    let (store, _db) = temp_store().await;
    let meeting = WindowSpec {
        tz: chrono_tz::UTC,
        mode: Mode::CalendarDay,
        meeting_time: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
        calendar: Calendar::default(),
    };
    let opts = SyncOptions {
        meeting: Some(meeting),
        ..opts(3)
    };
    let first = run_pass(&m.client(), &store, &opts, NOW).await.unwrap();
    let order = |reads: Vec<String>| -> Vec<i64> {
        reads
            .iter()
            .map(|r| {
                r.split("from=")
                    .nth(1)
                    .unwrap()
                    .split('&')
                    .next()
                    .unwrap()
                    .parse::<i64>()
                    .unwrap()
                    + 3600
            })
            .collect()
    };
    let reads = metric_reads(&m, 0).await;
    assert_eq!(
        order(reads.clone()),
        [friday + 2 * DAY + 3600, friday + DAY + 3600, NOW - 2 * 3600],
        "{reads:?}"
    );
    assert_eq!((first.graphs_read, first.graphs_left), (3, 3));
    let before = m.requests().await.len();
    run_pass(&m.client(), &store, &opts, NOW + 60)
        .await
        .unwrap();
    assert_eq!(
        order(metric_reads(&m, before).await),
        [NOW - 4 * 3600, NOW - 7 * 3600, friday - 12 * 3600]
    );
}

#[tokio::test]
async fn a_kept_series_is_never_read_again_and_an_open_one_every_ten_minutes() {
    let mut w = world();
    w.alerts = vec![
        cpu("done", NOW - 3 * 3600),
        alert("open", "host", "mCpu", Some("hApp"), "CRITICAL", NOW - 600),
    ];
    let m = Mackerel::start(w).await;
    serve_metrics(&m, 200).await;
    let (store, _db) = temp_store().await;
    let client = m.client();
    run_pass(&client, &store, &opts(50), NOW).await.unwrap();
    assert_eq!(metric_reads(&m, 0).await.len(), 2);
    let before = m.requests().await.len();
    run_pass(&client, &store, &opts(50), NOW + 60)
        .await
        .unwrap();
    assert_eq!(
        metric_reads(&m, before).await,
        Vec::<String>::new(),
        "nothing is due a minute later"
    );
    let before = m.requests().await.len();
    run_pass(&client, &store, &opts(50), NOW + 601)
        .await
        .unwrap();
    let reads = metric_reads(&m, before).await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert!(
        reads[0].ends_with(&format!("to={}", NOW + 601)),
        "the open alert, up to now: {reads:?}"
    );
    assert_eq!(
        store
            .graph_of("done")
            .await
            .unwrap()
            .unwrap()
            .state
            .as_deref(),
        Some("kept")
    );
    assert_eq!(
        store
            .graph_of("open")
            .await
            .unwrap()
            .unwrap()
            .state
            .as_deref(),
        Some("partial")
    );
}

#[tokio::test]
async fn a_metric_mackerel_does_not_have_is_remembered_as_absent() {
    let mut w = world();
    w.alerts = vec![cpu("gone", NOW - 3 * 3600)];
    let m = Mackerel::start(w).await;
    Mock::given(method("GET"))
        .and(path_regex(r"/metrics$"))
        .respond_with(ResponseTemplate::new(404).set_body_json(fixture("error-not-found.json")))
        .with_priority(1)
        .mount(&m.server)
        .await;
    let (store, _db) = temp_store().await;
    let client = m.client();
    let first = run_pass(&client, &store, &opts(50), NOW).await.unwrap();
    assert_eq!(first.graphs_absent, 1);
    for later in [NOW + 3600, NOW + 30 * DAY] {
        let before = m.requests().await.len();
        run_pass(&client, &store, &opts(50), later).await.unwrap();
        assert!(
            metric_reads(&m, before).await.is_empty(),
            "asked again at {later}"
        );
    }
    assert_eq!(
        graph(&store, "gone").await,
        AlertGraph::None(NoGraph::MetricGone)
    );
}

#[tokio::test]
async fn a_failed_read_is_tried_again_later_not_every_pass() {
    let mut w = world();
    w.alerts = vec![cpu("flaky", NOW - 3 * 3600), cpu("waiting", NOW - 4 * 3600)];
    let m = Mackerel::start(w).await;
    let status = serve_metrics(&m, 500).await;
    let (store, _db) = temp_store().await;
    let client = m.client();
    let first = run_pass(&client, &store, &opts(50), NOW).await.unwrap();
    // The client retried the first read; then the step stopped: Mackerel is failing.
    assert_eq!(
        (first.graphs_failed, first.graphs_left),
        (1, 1),
        "{first:?}"
    );
    let reads = metric_reads(&m, 0).await;
    assert!(
        reads.iter().all(|r| r == &reads[0]) && reads.len() == 6,
        "{reads:?}"
    );
    assert_eq!(
        graph(&store, "flaky").await,
        AlertGraph::None(NoGraph::ReadFailed)
    );

    status.store(200, Ordering::Relaxed);
    let before = m.requests().await.len();
    run_pass(&client, &store, &opts(50), NOW + 60)
        .await
        .unwrap();
    let reads = metric_reads(&m, before).await;
    assert_eq!(reads.len(), 1, "only the one never tried: {reads:?}");
    assert!(
        reads[0].contains(&format!("from={}", NOW - 5 * 3600)),
        "{reads:?}"
    );
    let before = m.requests().await.len();
    run_pass(&client, &store, &opts(50), NOW + 301)
        .await
        .unwrap();
    assert_eq!(
        metric_reads(&m, before).await.len(),
        1,
        "five minutes on: once more"
    );
    assert!(matches!(graph(&store, "flaky").await, AlertGraph::Svg(_)));
}

#[tokio::test]
async fn a_pass_whose_metric_reads_all_fail_stores_every_alert_exactly() {
    let mut w = world();
    w.alerts = (0..30)
        .map(|i| cpu(&format!("a{i:02}"), NOW - DAY + i * 1800))
        .collect();
    w.alerts.push(alert(
        "aSvc",
        "service",
        "mSvc",
        None,
        "CRITICAL",
        NOW - 300,
    ));
    w.alerts.push(alert(
        "aConn",
        "connectivity",
        "mConn",
        Some("hApp"),
        "CRITICAL",
        NOW - 200,
    ));

    let failing = Mackerel::start(w.clone()).await;
    serve_metrics(&failing, 503).await;
    let (store, _db) = temp_store().await;
    let summary = run_pass(&failing.client(), &store, &opts(50), NOW)
        .await
        .unwrap();
    assert_eq!(summary.new_alerts, 32);
    assert!(
        summary.graphs_failed >= 1 && summary.graphs_read == 0,
        "{summary:?}"
    );

    let quiet = Mackerel::start(w).await;
    let (reference, _db2) = temp_store().await;
    run_pass(&quiet.client(), &reference, &opts(0), NOW)
        .await
        .unwrap();
    assert!(
        metric_reads(&quiet, 0).await.is_empty(),
        "per_pass 0 reads no graph"
    );
    assert_eq!(snapshot(&store).await, snapshot(&reference).await);
}

/// The simulator's series agree with its alerts: a host-metric alert's series is
/// under the warning threshold before it opened, over it while open, under it again
/// once closed; and every metric alert of the demo gets a graph.
#[tokio::test]
async fn the_simulators_series_cross_their_thresholds_where_its_alerts_open_and_close() {
    let opts = asakai::sim::SimOptions {
        seed: 5,
        days: 3,
        api_key: KEY.into(),
        anchor: Some(NOW),
        frozen: true,
        ..asakai::sim::SimOptions::default()
    };
    let sim = asakai::sim::start(opts, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let (store, _db) = temp_store().await;
    let sync = SyncOptions {
        since: Some(NOW - 4 * DAY),
        graphs_per_pass: 10_000,
        budget: Duration::from_secs(600),
        ..SyncOptions::default()
    };
    let summary = run_pass(&client_for(&sim.base_url()), &store, &sync, NOW)
        .await
        .unwrap();
    assert!(
        summary.graphs_read >= 20 && summary.graphs_left == 0,
        "{summary:?}"
    );
    let alerts = store
        .find_alerts(&asakai::store::AlertFilter::default())
        .await
        .unwrap();
    let mut checked = 0;
    for a in alerts
        .iter()
        .filter(|a| a.kind == "host" && a.closed_at.is_some())
    {
        let g = store.graph_of(&a.id).await.unwrap().unwrap();
        let Some(bytes) = g.points else { continue };
        let closed_at = a.closed_at.unwrap();
        for p in graphs::series::decode(&bytes).unwrap() {
            // Minute points: the first one at or after the opening is over the line.
            let open = p.t >= a.opened_at && p.t < closed_at;
            let other_alert = alerts.iter().any(|b| {
                b.id != a.id
                    && b.host_id == a.host_id
                    && b.kind == "host"
                    && b.opened_at <= p.t
                    && b.closed_at.is_none_or(|c| p.t < c)
            });
            if !other_alert {
                assert_eq!(p.v > 80.0, open, "{} at {}: {}", a.id, p.t, p.v);
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "{checked} host alerts checked");
    assert!(matches!(
        graph(
            &store,
            &alerts.iter().find(|a| a.kind == "host").unwrap().id
        )
        .await,
        AlertGraph::Svg(_)
    ));
}

/// Graphs are queued by row number, which holds only if alerts commit in the order
/// they take their numbers: a write that began first (a webhook's) and a later one
/// (a pass's) both reach the queue, whatever the queue saw in between. Writers take
/// turns on both backends (on PostgreSQL, by an advisory lock), which is what this
/// checks.
#[tokio::test]
async fn an_alert_written_while_another_write_is_open_is_still_queued_for_its_graph() {
    let (store, _db) = temp_store().await;
    let mut first = asakai::store::testing::hold_writer(&store).await.unwrap();
    first
        .execute(
            "INSERT INTO alerts (id, type, status, host_id, opened_at, ingested_at, updated_at) \
             VALUES ('first', 'host', 'CRITICAL', 'h-web', ?, ?, ?)",
            &[NOW.into(), NOW.into(), NOW.into()],
        )
        .await
        .unwrap();
    let later = tokio::spawn({
        let store = store.clone();
        let alert = stored_alert("later", "cpu", Some("web"), NOW + 60, None);
        async move { store.write_alerts(&[alert], NOW + 60).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let queueing = tokio::spawn({
        let store = store.clone();
        async move { store.queue_graphs().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    first.commit().await.unwrap();
    later.await.unwrap().unwrap();
    queueing.await.unwrap().unwrap();
    store.queue_graphs().await.unwrap();

    let queued = asakai::store::testing::strings(
        &store,
        "SELECT alert_id FROM alert_graphs ORDER BY alert_id",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(queued, ["first", "later"]);
}
