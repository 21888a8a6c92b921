//! Stand-ins for the Mackerel web pages a digest links to (an alert, a host), so
//! the demo's links open something while the simulator runs. No API key: a
//! browser following a link sends none.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use super::api::find_alert;
use super::render::alert_json;
use super::Simulation;

type Sim = State<Arc<Simulation>>;

pub fn routes() -> Router<Arc<Simulation>> {
    Router::new()
        .route("/orgs/{org}/alerts/{id}", get(alert_page))
        .route("/orgs/{org}/hosts/{id}", get(host_page))
}

async fn alert_page(State(sim): Sim, Path((_, id)): Path<(String, String)>) -> Response {
    match find_alert(&sim, &id) {
        Some((i, a, now)) => page("alert", &id, &alert_json(&sim, i, &a, now)),
        None => (StatusCode::NOT_FOUND, "no such alert in the simulator").into_response(),
    }
}

async fn host_page(State(sim): Sim, Path((_, id)): Path<(String, String)>) -> Response {
    match sim.org.host(&id) {
        Some(h) => page("host", &id, &h.to_json(sim.shape.anchor)),
        None => (StatusCode::NOT_FOUND, "no such host in the simulator").into_response(),
    }
}

fn page(kind: &str, id: &str, v: &Value) -> Response {
    let body = serde_json::to_string_pretty(v).unwrap_or_default();
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>simulated {kind} {id}</title></head>\
         <body><h1>Simulated Mackerel {kind} {id}</h1><pre>{}</pre></body></html>",
        handlebars::html_escape(&body)
    ))
    .into_response()
}
