//! The graph figure of design §9: `GET /alerts/{id}/graph.svg` with its series
//! stored, < 20 ms. The simulator's three days are synced with their graphs, then
//! the server (in this process) answers 200 requests one after another.

use std::sync::Arc;
use std::time::{Duration, Instant};

use asakai::config::{Env, Settings};
use asakai::server::{self, Access, App};
use asakai::sim::DAY;
use asakai::store::{AlertFilter, Store};
use asakai::sync::{run_pass, SyncOptions};

const REQUESTS: usize = 200;

/// Prints the graph figures with `row`.
pub async fn run(anchor: i64, dir: &std::path::Path, row: &dyn Fn(&str, String, &str, bool)) {
    let store = synced_store(anchor, &dir.join("graphs.db")).await;
    let id = alert_with_series(&store).await;
    let settings = Settings::load(None, &Env::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let access = Access::decide(addr, &settings.server).unwrap();
    let app = Arc::new(App::new(store, settings, None, access));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::launch_with_tcp_listener(app, listener, async {
        let _ = stopped.await;
    }));
    let base = format!("http://{addr}");
    for (what, path, target) in [
        (
            "graph.svg, series stored",
            format!("/alerts/{id}/graph.svg"),
            20,
        ),
        (
            "graph.svg of an unknown alert (404)",
            "/alerts/none/graph.svg".to_owned(),
            20,
        ),
    ] {
        let (p50, p99) = sequential(&format!("{base}{path}")).await;
        row(
            &format!("{what}, {REQUESTS} requests: median {p50:.1?}, p99"),
            format!("{p99:.1?}"),
            &format!("< {target} ms"),
            p99 < Duration::from_millis(target),
        );
    }
    let _ = stop.send(());
    let _ = task.await;
}

/// The simulator's last three days backfilled with every graph.
async fn synced_store(anchor: i64, db: &std::path::Path) -> Store {
    let (_running, client) = crate::frozen_simulator(anchor, None, 3).await;
    let store = Store::open(db).await.unwrap();
    let sync = SyncOptions {
        since: Some(anchor - 4 * DAY),
        graphs_per_pass: 100_000,
        budget: Duration::from_secs(600),
        ..SyncOptions::default()
    };
    let summary = run_pass(&client, &store, &sync, anchor).await.unwrap();
    eprintln!("  graphs: {} series read", summary.graphs_read);
    store
}

/// A host-metric alert whose series is stored.
async fn alert_with_series(store: &Store) -> String {
    for a in store.find_alerts(&AlertFilter::default()).await.unwrap() {
        let g = store.graph_of(&a.id).await.unwrap().unwrap();
        if a.kind == "host" && g.points.as_ref().is_some_and(|p| p.len() > 100) {
            return a.id;
        }
    }
    panic!("no alert with a stored series")
}

/// Median and p99 of `REQUESTS` GETs of `url`, one after another; each must answer.
async fn sequential(url: &str) -> (Duration, Duration) {
    let http = reqwest::Client::new();
    let mut times = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let started = Instant::now();
        let r = http.get(url).send().await.unwrap();
        let status = r.status();
        let body = r.bytes().await.unwrap();
        times.push(started.elapsed());
        assert!(status.is_success() || status == 404, "{url}: {status}");
        assert!(!body.is_empty());
    }
    times.sort();
    (times[times.len() / 2], times[times.len() * 99 / 100])
}
