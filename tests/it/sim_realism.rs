//! The simulator behaves like Mackerel where a difference could hide a bug:
//! ids that do not sort like opening times, alert logs that page newest first,
//! pages that repeat an alert at their boundary, open UNKNOWN alerts, hosts
//! with displayName/memo/customIdentifier, host list filters, default names.

use std::time::Duration;

use asakai::mackerel::{Client, ClientConfig};
use asakai::sim::{self, RunningSim, SimOptions};
use asakai::sync::{run_pass, SyncOptions};
use serde_json::Value;

use crate::helpers::*;

const KEY: &str = "sim-realism-key";

async fn start(opts: SimOptions) -> RunningSim {
    let opts = SimOptions {
        api_key: KEY.into(),
        anchor: Some(NOW),
        frozen: true,
        ..opts
    };
    sim::start(opts, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

async fn get(sim: &RunningSim, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .header("X-Api-Key", KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn client(sim: &RunningSim) -> Client {
    let mut c = ClientConfig::new(sim.base_url(), KEY);
    c.request_interval = Duration::ZERO;
    Client::new(c).unwrap()
}

/// A full pass against `sim`, then the store compared with the simulator's truth.
async fn pass_matches_truth(sim: &RunningSim, days: i64) {
    let (store, _db) = temp_store().await;
    let opts = SyncOptions {
        since: Some(NOW - (days + 1) * DAY),
        logs_per_pass: 100_000,
        ..SyncOptions::default()
    };
    run_pass(&client(sim), &store, &opts, NOW).await.unwrap();
    let truth = sim.sim.truth();
    let stored = snapshot(&store).await;
    assert_eq!(stored.len(), truth.len(), "every alert once");
    for t in &truth {
        let row = stored.iter().find(|r| r.starts_with(&format!("{} ", t.id)));
        let row = row.unwrap_or_else(|| panic!("{} missing", t.id));
        assert!(
            row.contains(&format!("Some({:?})", t.severity)),
            "{}: severity {} from the logs: {row}",
            t.id,
            t.severity
        );
    }
}

#[tokio::test]
async fn alert_ids_do_not_sort_like_opening_times() {
    let sim = start(SimOptions {
        seed: 4,
        days: 3,
        ..SimOptions::default()
    })
    .await;
    let page = get(&sim, "api/v0/alerts?withClosed=true&limit=50").await;
    let ids: Vec<&str> = page["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    let mut reversed = sorted.clone();
    reversed.reverse();
    assert!(ids != sorted && ids != reversed, "{ids:?}");
    // Still the same alert when asked by id.
    let one = get(&sim, &format!("api/v0/alerts/{}", ids[7])).await;
    assert_eq!(one["id"], ids[7]);
}

#[tokio::test]
async fn alert_logs_page_newest_first_and_a_pass_follows_next_id() {
    let sim = start(SimOptions {
        seed: 6,
        days: 5,
        log_page: Some(1),
        ..SimOptions::default()
    })
    .await;
    let closed = sim
        .sim
        .truth()
        .into_iter()
        .find(|t| t.closed_at.is_some())
        .unwrap();
    let first = get(&sim, &format!("api/v0/alerts/{}/logs?limit=100", closed.id)).await;
    let logs = first["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 1, "a page of one");
    assert_eq!(logs[0]["status"], "OK", "newest first: the close");
    let next = first["nextId"].as_str().unwrap();
    let second = get(
        &sim,
        &format!("api/v0/alerts/{}/logs?limit=100&nextId={next}", closed.id),
    )
    .await;
    assert!(second["logs"][0]["createdAt"].as_i64() <= logs[0]["createdAt"].as_i64());
    // The product's paging loop reads every page: peak severities match the truth.
    pass_matches_truth(&sim, 5).await;
}

#[tokio::test]
async fn pages_that_repeat_an_alert_at_their_boundary_store_each_alert_once() {
    let sim = start(SimOptions {
        seed: 8,
        days: 10,
        repeat_page_boundary: true,
        ..SimOptions::default()
    })
    .await;
    let page = get(&sim, "api/v0/alerts?withClosed=true&limit=5").await;
    let last = page["alerts"][4]["id"].clone();
    let next = page["nextId"].as_str().unwrap();
    let again = get(
        &sim,
        &format!("api/v0/alerts?withClosed=true&limit=5&nextId={next}"),
    )
    .await;
    assert_eq!(again["alerts"][0]["id"], last, "the boundary repeats");
    pass_matches_truth(&sim, 10).await;
}

#[tokio::test]
async fn hosts_look_like_mackerels_and_their_list_filters_work() {
    let sim = start(SimOptions {
        seed: 2,
        days: 1,
        ..SimOptions::default()
    })
    .await;
    let all = get(&sim, "api/v0/hosts").await;
    let hosts = all["hosts"].as_array().unwrap();
    assert!(hosts.iter().any(|h| h["displayName"].is_string()));
    assert!(hosts
        .iter()
        .any(|h| h["memo"].as_str().is_some_and(|m| !m.is_empty())));
    assert!(hosts.iter().any(|h| h["customIdentifier"].is_string()));
    assert!(hosts
        .iter()
        .all(|h| h.get("customIdentifier").is_none_or(Value::is_string)));

    let shop = get(&sim, "api/v0/hosts?service=shop").await;
    let shop = shop["hosts"].as_array().unwrap();
    assert!(!shop.is_empty() && shop.len() < hosts.len());
    assert!(shop.iter().all(|h| h["roles"].get("shop").is_some()));
    let web = get(&sim, "api/v0/hosts?service=shop&role=web").await;
    let web = web["hosts"].as_array().unwrap();
    assert!(!web.is_empty() && web.len() < shop.len());
    assert!(web.iter().all(|h| h["roles"]["shop"]
        .as_array()
        .unwrap()
        .contains(&"web".into())));
}

#[tokio::test]
async fn the_connectivity_monitor_is_named_and_an_open_alert_can_be_unknown() {
    let sim = start(SimOptions {
        seed: 3,
        days: 12,
        ..SimOptions::default()
    })
    .await;
    let monitors = get(&sim, "api/v0/monitors").await;
    let connectivity = monitors["monitors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["type"] == "connectivity")
        .unwrap();
    assert_eq!(connectivity["name"], "connectivity");
    let open = get(&sim, "api/v0/alerts").await;
    assert!(
        open["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["status"] == "UNKNOWN"),
        "{open}"
    );
}

#[tokio::test]
async fn a_monitor_keeps_at_most_one_open_alert_per_host() {
    let sim = start(SimOptions {
        seed: 1,
        days: 30,
        ..SimOptions::default()
    })
    .await;
    let mut truth = sim.sim.truth();
    truth.sort_by_key(|t| t.opened_at);
    let mut open_until: std::collections::HashMap<(Option<String>, Option<String>), i64> =
        Default::default();
    for t in &truth {
        let key = (t.monitor.clone(), t.host.clone());
        if let Some(until) = open_until.get(&key) {
            assert!(
                *until <= t.opened_at,
                "{} ({}..{:?}) opened while another alert of {key:?} was open until {until}",
                t.id,
                t.opened_at,
                t.closed_at
            );
        }
        open_until.insert(key, t.closed_at.unwrap_or(i64::MAX));
    }
    // The disk alert open for nine days is the only one of its scope since it opened.
    let disk = truth
        .iter()
        .find(|t| t.closed_at.is_none() && t.opened_at < NOW - 8 * DAY)
        .unwrap();
    assert!(truth
        .iter()
        .filter(|t| t.monitor == disk.monitor && t.host == disk.host)
        .all(|t| t.opened_at <= disk.opened_at));
}
