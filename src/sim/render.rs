//! Simulated alerts as Mackerel shows them at a moment: only the fields each type has.

use serde_json::{json, Value};

use super::history::{Close, SimAlert, CHECK_MESSAGES, EXTERNAL_MESSAGES, REASONS};
use super::Simulation;

const STATUS: [&str; 3] = ["UNKNOWN", "WARNING", "CRITICAL"];

fn closed_by(a: &SimAlert, now: i64) -> Option<i64> {
    a.closed_at.filter(|c| *c <= now)
}

/// The status an open alert shows at `now`, or the peak a closed one reached.
fn severity_at(a: &SimAlert, now: i64) -> &'static str {
    let until = closed_by(a, now).unwrap_or(now);
    if a.critical_from.is_some_and(|t| t <= until) {
        "CRITICAL"
    } else {
        STATUS[a.first as usize]
    }
}

fn is_host_bound(kind: &str) -> bool {
    matches!(kind, "connectivity" | "host" | "check" | "anomalyDetection")
}

pub fn alert_json(sim: &Simulation, index: usize, a: &SimAlert, now: i64) -> Value {
    let m = &sim.org.monitors[a.monitor as usize];
    let closed = closed_by(a, now);
    let status = if closed.is_some() {
        "OK"
    } else {
        severity_at(a, now)
    };
    let mut v = json!({"id": sim.alert_id(index), "status": status, "monitorId": m.id, "type": m.kind, "openedAt": a.opened_at});
    if is_host_bound(m.kind) {
        if let Some(h) = a.host {
            v["hostId"] = json!(sim.org.hosts[h as usize].id);
        }
    }
    match m.kind {
        "host" | "service" | "query" => {
            v["value"] = json!((a.value as f64 * 100.0).round() / 100.0)
        }
        "external" if m.service.is_some() => {
            v["value"] = json!(3000.0 + (a.value as f64 * 40.0).round())
        }
        _ => {}
    }
    match m.kind {
        "check" => v["message"] = json!(CHECK_MESSAGES[a.text as usize % CHECK_MESSAGES.len()]),
        "external" => {
            v["message"] = json!(EXTERNAL_MESSAGES[a.text as usize % EXTERNAL_MESSAGES.len()])
        }
        _ => {}
    }
    if m.kind == "query" {
        v["series"] = json!({"name": "http.server.request.duration", "labels": {"service.name": "api", "http.route": "/v1/orders"}});
    }
    if let Some(c) = closed {
        v["closedAt"] = json!(c);
        if let Some(reason) = reason(a) {
            v["reason"] = json!(reason);
        }
    }
    v
}

fn reason(a: &SimAlert) -> Option<&'static str> {
    match a.close {
        Close::Monitoring => None,
        Close::Manual(r) => Some(REASONS[r as usize % REASONS.len()]),
        Close::HostRetire => Some("host retired"),
        Close::MonitorDelete => Some("monitor deleted"),
    }
}

fn trigger(close: Close) -> &'static str {
    match close {
        Close::Monitoring => "monitoring",
        Close::Manual(_) => "manual",
        Close::HostRetire => "hostRetire",
        Close::MonitorDelete => "monitorDelete",
    }
}

/// The alert's log at `now`, oldest first: opened, escalated, closed.
pub fn logs_json(sim: &Simulation, index: usize, a: &SimAlert, now: i64) -> Vec<Value> {
    let m = &sim.org.monitors[a.monitor as usize];
    let monitor_id = if m.deleted { Value::Null } else { json!(m.id) };
    let detail = (m.kind == "check").then(|| {
        json!({"type": "check", "detail": {"message": CHECK_MESSAGES[a.text as usize % CHECK_MESSAGES.len()], "memo": ""}})
    });
    let target = matches!(m.kind, "host" | "service" | "query").then(|| a.value as f64);
    let entry = |n: u8, at: i64, status: &str, trigger: &str| {
        json!({"id": format!("{}L{n}", sim.alert_id(index)), "createdAt": at, "status": status, "trigger": trigger,
               "monitorId": monitor_id, "targetValue": target, "statusDetail": detail})
    };
    let mut logs = vec![entry(
        0,
        a.opened_at,
        STATUS[a.first as usize],
        "monitoring",
    )];
    let until = closed_by(a, now).unwrap_or(now);
    if let Some(t) = a.critical_from.filter(|t| *t <= until && a.first != 2) {
        logs.push(entry(1, t, "CRITICAL", "monitoring"));
    }
    if let Some(c) = closed_by(a, now) {
        logs.push(entry(2, c, "OK", trigger(a.close)));
    }
    logs
}

/// What asakai should hold for one alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthAlert {
    pub id: String,
    pub kind: String,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    /// open, recovered, closed_manually or closed_by_system.
    pub state: &'static str,
    pub severity: &'static str,
    /// As Mackerel can tell them: a host that answers 404 has none.
    pub services: Vec<String>,
    pub monitor: Option<String>,
    pub host: Option<String>,
}

pub fn truth(sim: &Simulation, index: usize, a: &SimAlert, now: i64) -> TruthAlert {
    let m = &sim.org.monitors[a.monitor as usize];
    let host = a
        .host
        .map(|h| &sim.org.hosts[h as usize])
        .filter(|h| !h.gone && is_host_bound(m.kind));
    let services = match (host, m.kind) {
        (Some(h), _) => h.services(),
        (None, "service" | "external") => m.service.map(|s| vec![s.to_owned()]).unwrap_or_default(),
        _ => Vec::new(),
    };
    let state = match (closed_by(a, now), a.close) {
        (None, _) => "open",
        (Some(_), Close::Monitoring) => "recovered",
        (Some(_), Close::Manual(_)) => "closed_manually",
        (Some(_), _) => "closed_by_system",
    };
    TruthAlert {
        id: sim.alert_id(index),
        kind: m.kind.to_owned(),
        opened_at: a.opened_at,
        closed_at: closed_by(a, now),
        state,
        severity: severity_at(a, now),
        services,
        monitor: if m.deleted { None } else { m.display_name() },
        // asakai names a host by its displayName when it has one (sync/attribution.rs).
        host: host.map(|h| h.display_name.map_or_else(|| h.name.clone(), str::to_owned)),
    }
}
