//! The simulator's HTTP surface: the endpoints asakai uses, as Mackerel answers them.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::faults::Fault;
use super::render::{alert_json, logs_json};
use super::Simulation;

type Sim = State<Arc<Simulation>>;

pub fn router(sim: Arc<Simulation>) -> Router {
    Router::new()
        .route("/api/v0/alerts", get(list_alerts))
        .route("/api/v0/alerts/{id}", get(one_alert))
        .route("/api/v0/alerts/{id}/logs", get(alert_logs))
        .route("/api/v0/monitors", get(monitors))
        .route("/api/v0/monitors/{id}", get(one_monitor))
        .route("/api/v0/monitoring/checks", get(checks))
        .route("/api/v0/monitoring/checks/{id}", get(one_check))
        .route("/api/v0/hosts", get(hosts))
        .route("/api/v0/hosts.json", get(hosts))
        .route("/api/v0/hosts/{id}", get(one_host))
        .route(
            "/api/v0/hosts/{id}/metrics",
            get(super::metrics::host_metrics),
        )
        .route(
            "/api/v0/services/{name}/metrics",
            get(super::metrics::service_metrics),
        )
        .route("/api/v0/services", get(services))
        .route("/api/v0/org", get(org))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Not Found.") })
        .layer(middleware::from_fn_with_state(sim.clone(), faults))
        .layer(middleware::from_fn_with_state(sim.clone(), api_key))
        // Added after the layers: web pages need no API key and see no faults.
        .merge(super::web::routes())
        .with_state(sim)
}

pub(super) fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": {"message": message}}))).into_response()
}

async fn api_key(State(sim): Sim, req: Request, next: Next) -> Response {
    let given = req.headers().get("x-api-key").and_then(|v| v.to_str().ok());
    if given != Some(sim.api_key.as_str()) {
        return error(
            StatusCode::FORBIDDEN,
            "Authentication failed. Please try again after making sure your API key is valid.",
        );
    }
    next.run(req).await
}

async fn faults(State(sim): Sim, req: Request, next: Next) -> Response {
    let (fault, delay) = sim.faults.draw();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match fault {
        Fault::None => next.run(req).await,
        Fault::Error(code) => error(StatusCode::from_u16(code).unwrap(), "Internal Server Error"),
        Fault::Throttle => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
            r.headers_mut()
                .insert("retry-after", HeaderValue::from_static("1"));
            r
        }
        Fault::Truncate => {
            let (parts, body) = next.run(req).await.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let mut parts = parts;
            parts.headers.remove("content-length");
            Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2)))
        }
    }
}

/// Query pairs; repeated keys (`status=a&status=b`) keep every value.
pub(super) fn query(raw: Option<String>) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        out.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    out
}

/// The page size asked for; `None` when it is out of Mackerel's range (a 400).
fn limit(q: &HashMap<String, Vec<String>>) -> Option<usize> {
    match q.get("limit").and_then(|v| v.first()) {
        None => Some(100),
        Some(text) => text.parse::<usize>().ok().filter(|n| (1..=100).contains(n)),
    }
}

fn bad_limit() -> Response {
    error(StatusCode::BAD_REQUEST, "limit must be between 1 and 100")
}

/// Newest opened first, `limit` a page, `nextId` naming the first alert of the next page.
async fn list_alerts(State(sim): Sim, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw);
    let Some(limit) = limit(&q) else {
        return bad_limit();
    };
    let with_closed = q
        .get("withClosed")
        .and_then(|v| v.first())
        .is_some_and(|v| v == "true");
    let now = sim.now();
    sim.ensure(now);
    let tl = sim.timeline.read().unwrap();
    let visible = tl.alerts.partition_point(|a| a.opened_at <= now);
    let start = match q.get("nextId").and_then(|v| v.first()) {
        None => visible,
        Some(id) => match sim.index_of(id).filter(|i| *i < visible) {
            // Repeating the boundary: the page also holds the newer alert before nextId.
            Some(i) if sim.repeat_page_boundary => (i + 2).min(visible),
            Some(i) => i + 1,
            None => return error(StatusCode::BAD_REQUEST, "invalid nextId"),
        },
    };
    let wanted = |i: &usize| {
        let a = &tl.alerts[*i];
        sim.listed(*i, a, now) && (with_closed || a.closed_at.is_none_or(|c| c > now))
    };
    let mut matching = (0..start).rev().filter(wanted);
    let page: Vec<Value> = matching
        .by_ref()
        .take(limit)
        .map(|i| alert_json(&sim, i, &tl.alerts[i], now))
        .collect();
    let mut body = json!({"alerts": page});
    if let Some(next) = matching.next() {
        body["nextId"] = json!(sim.alert_id(next));
    }
    Json(body).into_response()
}

pub(super) fn find_alert(sim: &Simulation, id: &str) -> Option<(usize, super::SimAlert, i64)> {
    let now = sim.now();
    sim.ensure(now);
    let tl = sim.timeline.read().unwrap();
    let i = sim.index_of(id)?;
    tl.alerts
        .get(i)
        .filter(|a| a.opened_at <= now)
        .map(|a| (i, *a, now))
}

async fn one_alert(State(sim): Sim, Path(id): Path<String>) -> Response {
    match find_alert(&sim, &id) {
        Some((i, a, now)) => Json(alert_json(&sim, i, &a, now)).into_response(),
        None => error(StatusCode::NOT_FOUND, "Alert Not Found."),
    }
}

/// Newest first, `limit` entries a page (fewer with `log_page`), `nextId`
/// naming the first entry of the next (older) page.
async fn alert_logs(State(sim): Sim, Path(id): Path<String>, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw);
    let Some(limit) = limit(&q) else {
        return bad_limit();
    };
    let Some((i, a, now)) = find_alert(&sim, &id) else {
        return error(StatusCode::NOT_FOUND, "Alert Not Found.");
    };
    let mut logs = logs_json(&sim, i, &a, now);
    logs.reverse();
    let skip = match q.get("nextId").and_then(|v| v.first()) {
        None => 0,
        Some(next) => match logs.iter().position(|l| l["id"] == json!(next)) {
            Some(p) => p,
            None => return error(StatusCode::BAD_REQUEST, "invalid nextId"),
        },
    };
    let size = limit.min(sim.log_page.unwrap_or(limit)).max(1);
    let page: Vec<Value> = logs.iter().skip(skip).take(size).cloned().collect();
    let mut body = json!({"logs": page});
    if let Some(next) = logs.get(skip + size) {
        body["nextId"] = next["id"].clone();
    }
    Json(body).into_response()
}

async fn monitors(State(sim): Sim) -> Response {
    let list: Vec<Value> = sim
        .org
        .monitors
        .iter()
        .filter(|m| !m.deleted && m.kind != "check")
        .map(|m| m.to_json())
        .collect();
    Json(json!({"monitors": list})).into_response()
}

async fn one_monitor(State(sim): Sim, Path(id): Path<String>) -> Response {
    match sim.org.monitor(&id).filter(|m| m.kind != "check") {
        Some(m) => Json(json!({"monitor": m.to_json()})).into_response(),
        None => error(StatusCode::NOT_FOUND, "Monitor Not Found."),
    }
}

async fn checks(State(sim): Sim, RawQuery(raw): RawQuery) -> Response {
    if limit(&query(raw)).is_none() {
        return bad_limit();
    }
    let mut list: Vec<Value> = sim
        .org
        .monitors
        .iter()
        .filter(|m| m.kind == "check" && !m.deleted)
        .map(|m| json!({"id": m.id, "name": m.name}))
        .collect();
    list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    Json(json!({"checks": list})).into_response()
}

async fn one_check(State(sim): Sim, Path(id): Path<String>) -> Response {
    match sim.org.monitor(&id).filter(|m| m.kind == "check") {
        Some(m) => Json(json!({"check": {"id": m.id, "name": m.name}})).into_response(),
        None => error(StatusCode::NOT_FOUND, "Check Monitor Not Found."),
    }
}

async fn hosts(State(sim): Sim, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw);
    let statuses = q
        .get("status")
        .cloned()
        .unwrap_or_else(|| vec!["working".into(), "standby".into()]);
    let anchor = sim.shape.anchor;
    let service = q.get("service").and_then(|v| v.first()).map(String::as_str);
    let roles = q.get("role").cloned().unwrap_or_default();
    let list: Vec<Value> = sim
        .org
        .listed_hosts(&statuses, service, &roles)
        .iter()
        .map(|h| h.to_json(anchor))
        .collect();
    Json(json!({"hosts": list})).into_response()
}

async fn one_host(State(sim): Sim, Path(id): Path<String>) -> Response {
    match sim.org.host(&id) {
        Some(h) => Json(json!({"host": h.to_json(sim.shape.anchor)})).into_response(),
        None => error(StatusCode::NOT_FOUND, "Host Not Found."),
    }
}

async fn services(State(sim): Sim) -> Response {
    let list: Vec<Value> = sim
        .org
        .services
        .iter()
        .map(|(name, roles)| json!({"name": name, "memo": "", "roles": roles}))
        .collect();
    Json(json!({"services": list})).into_response()
}

async fn org(State(sim): Sim) -> Response {
    Json(json!({"name": sim.org.name})).into_response()
}
