//! The simulator's metrics endpoints (`GET /hosts/{id}/metrics`, `GET /services/{name}/metrics`):
//! series that agree with its alerts. While an alert of a scope is open its metric is
//! beyond the monitor's threshold (beyond critical once the alert is CRITICAL), and
//! back below when it closes; the rest is deterministic noise under the threshold.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::api::{error, query};
use super::history::{long_open_alerts, SimAlert, DAY};
use super::Simulation;

type Sim = State<Arc<Simulation>>;

/// The host metric every simulated host monitor watches, and the service metric
/// of the service monitors (as `org::SimMonitor::to_json` writes them).
pub const HOST_METRIC: &str = "cpu.user.percentage";
pub const SERVICE_METRIC: &str = "custom.access.5xx";
const RESPONSE_TIME: &str = "__externalhttp.responsetime.";
/// No simulated alert lasts longer (see `history::make_alert`), but those that stay open.
const LONGEST: i64 = 7 * DAY;
/// The most points one answer holds: longer ranges come back at a coarser step.
const MOST_POINTS: i64 = 1_440;

/// Which alerts a series follows, and its thresholds (`warning`, `critical`).
struct Scope {
    monitors: Vec<u8>,
    host: Option<u8>,
    warning: f64,
    critical: f64,
    key: u64,
}

pub async fn host_metrics(
    State(sim): Sim,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some(h) = sim.org.hosts.iter().position(|h| h.id == id && !h.gone) else {
        return error(StatusCode::NOT_FOUND, "Host Not Found.");
    };
    let q = query(raw);
    if q.get("name").and_then(|v| v.first()).map(String::as_str) != Some(HOST_METRIC) {
        return error(StatusCode::NOT_FOUND, "Metric Not Found.");
    }
    let monitors = monitors_of(&sim, |kind, _| kind == "host");
    let scope = Scope {
        monitors,
        host: Some(h as u8),
        warning: 80.0,
        critical: 95.0,
        key: h as u64 + 1,
    };
    series(&sim, &scope, &q)
}

pub async fn service_metrics(
    State(sim): Sim,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = query(raw);
    let metric = q
        .get("name")
        .and_then(|v| v.first())
        .cloned()
        .unwrap_or_default();
    let scope = if metric == SERVICE_METRIC {
        Scope {
            monitors: monitors_of(&sim, |kind, s| {
                kind == "service" && s == Some(name.as_str())
            }),
            host: None,
            warning: 10.0,
            critical: 50.0,
            key: 100,
        }
    } else if let Some(id) = metric.strip_prefix(RESPONSE_TIME) {
        Scope {
            monitors: monitors_of(&sim, |kind, s| {
                kind == "external" && s == Some(name.as_str())
            })
            .into_iter()
            .filter(|m| sim.org.monitors[*m as usize].id == id)
            .collect(),
            host: None,
            warning: 3000.0,
            critical: 5000.0,
            key: 200,
        }
    } else {
        return error(StatusCode::NOT_FOUND, "Metric Not Found.");
    };
    if scope.monitors.is_empty() {
        return error(StatusCode::NOT_FOUND, "Metric Not Found.");
    }
    series(&sim, &scope, &q)
}

fn monitors_of(sim: &Simulation, wanted: impl Fn(&str, Option<&str>) -> bool) -> Vec<u8> {
    (0..sim.org.monitors.len() as u8)
        .filter(|&i| {
            let m = &sim.org.monitors[i as usize];
            wanted(m.kind, m.service)
        })
        .collect()
}

fn series(
    sim: &Simulation,
    scope: &Scope,
    q: &std::collections::HashMap<String, Vec<String>>,
) -> Response {
    let number = |k: &str| {
        q.get(k)
            .and_then(|v| v.first())
            .and_then(|v| v.parse::<i64>().ok())
    };
    let (Some(from), Some(to)) = (number("from"), number("to")) else {
        return error(StatusCode::BAD_REQUEST, "from and to must be unix times");
    };
    let now = sim.now();
    let to = to.min(now);
    let step = 60 * ((to - from).max(0) / (60 * MOST_POINTS) + 1);
    let alerts = alerts_of(sim, scope, from, to);
    let points: Vec<_> = (from.div_euclid(step) * step..=to)
        .step_by(step as usize)
        .filter(|t| *t >= from)
        .map(|t| json!({"time": t, "value": value_at(sim.shape.seed, scope, &alerts, t)}))
        .collect();
    Json(json!({"metrics": points})).into_response()
}

/// The scope's alerts that may be open in `[from, to]`.
fn alerts_of(sim: &Simulation, scope: &Scope, from: i64, to: i64) -> Vec<SimAlert> {
    let ours = |a: &SimAlert| a.host == scope.host && scope.monitors.contains(&a.monitor);
    sim.ensure(to);
    let tl = sim.timeline.read().unwrap();
    let end = tl.alerts.partition_point(|a| a.opened_at <= to);
    let start = tl.alerts.partition_point(|a| a.opened_at < from - LONGEST);
    let mut found: Vec<SimAlert> = tl.alerts[start..end]
        .iter()
        .filter(|a| ours(a))
        .copied()
        .collect();
    // The alerts that never close opened long before: they are found by their rule.
    found.extend(
        (0..=sim.shape.history_days)
            .flat_map(|day| long_open_alerts(&sim.shape, day))
            .filter(|a| ours(a) && a.opened_at < from - LONGEST),
    );
    found
}

/// The value at `t`: beyond the threshold the alert open then has reached, else noise below.
fn value_at(seed: u64, scope: &Scope, alerts: &[SimAlert], t: i64) -> f64 {
    let noise = noise(seed, scope.key, t);
    let band = scope.critical - scope.warning;
    let open = alerts
        .iter()
        .filter(|a| a.opened_at <= t && a.closed_at.is_none_or(|c| t < c))
        .map(|a| a.first == 2 || a.critical_from.is_some_and(|c| c <= t))
        .reduce(|a, b| a || b);
    let v = match open {
        // Just over critical: a CPU percentage stays under 100.
        Some(true) => scope.critical + band * (0.05 + 0.15 * noise),
        Some(false) => scope.warning + band * (0.2 + 0.5 * noise),
        None => scope.warning * (0.35 + 0.25 * noise),
    };
    (v * 100.0).round() / 100.0
}

/// A number in `[0, 1)` from the seed, the series and the minute: the same every time.
fn noise(seed: u64, key: u64, t: i64) -> f64 {
    let mut x = seed
        ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (t.div_euclid(60) as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 29;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_is_beyond_its_threshold_exactly_while_an_alert_is_open() {
        let scope = Scope {
            monitors: vec![1],
            host: Some(0),
            warning: 80.0,
            critical: 95.0,
            key: 1,
        };
        let a = SimAlert {
            opened_at: 6_000,
            closed_at: Some(9_000),
            monitor: 1,
            host: Some(0),
            critical_from: Some(7_200),
            first: 1,
            close: super::super::history::Close::Monitoring,
            text: 0,
            value: 0.0,
        };
        for t in (0..12_000).step_by(60) {
            let v = value_at(1, &scope, &[a], t);
            match t {
                0..6_000 | 9_000.. => assert!(v < 80.0, "{t}: {v}"),
                6_000..7_200 => assert!((80.0..95.0).contains(&v), "{t}: {v}"),
                _ => assert!(v > 95.0, "{t}: {v}"),
            }
        }
        assert_eq!(value_at(1, &scope, &[a], 60), value_at(1, &scope, &[a], 60));
    }
}
