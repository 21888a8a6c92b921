//! `GET /healthz` and `GET /metrics`: open to anyone who can reach the port (they
//! show no alert), for load balancers and Prometheus.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::App;

/// 200 while the last good pass is recent (within 10 intervals), else 503 "stale".
pub async fn healthz(State(app): State<Arc<App>>) -> Response {
    let now = chrono::Utc::now().timestamp();
    let last = match app.store.last_good_pass().await {
        Ok(p) => p,
        Err(e) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "error", "error": e.to_string(), "role": app.lead.role()})),
            )
                .into_response()
        }
    };
    let lag = last.as_ref().map(|p| now - p.finished_at);
    let limit = 10 * app.settings.poll_interval.as_secs() as i64;
    let fresh = lag.is_some_and(|l| l <= limit);
    let body = json!({
        "status": if fresh { "ok" } else { "stale" },
        "last_pass": last.as_ref().map(|p| json!({
            "started_at": crate::alert::rfc3339(p.started_at),
            "finished_at": crate::alert::rfc3339(p.finished_at),
            "outcome": p.outcome,
            "requests": p.requests,
            "new_alerts": p.new_alerts,
            "changed": p.changed,
            "logs_left": p.logs_left,
        })),
        "lag_seconds": lag,
        "slack": app.slack_health.to_json(&app.settings),
        "role": app.lead.role(),
    });
    let status = if fresh {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

pub async fn metrics(State(app): State<Arc<App>>) -> Response {
    if let Ok(n) = app.store.count_alerts().await {
        app.metrics.alerts_stored.set(n);
    }
    if let Ok(n) = app.store.count_graphs_stored().await {
        app.metrics.graphs_stored.set(n);
    }
    if let Ok(Some(p)) = app.store.last_good_pass().await {
        app.metrics.last_good_pass.set(p.finished_at as f64);
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.encode(),
    )
        .into_response()
}
