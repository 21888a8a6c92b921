//! `GET /tasks` (open and done, with their alerts, recurrences and GitHub links)
//! and `GET /monitors` (the monitor hygiene report of `asakai report monitors`).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::render::{Page, PageError};
use crate::report;
use crate::review::{task, TaskState};
use crate::server::api::query_pairs;
use crate::server::App;

/// The monitor report's default span, as on the command line.
const MONITORS_SINCE_SECS: i64 = 30 * 86_400;

pub async fn tasks(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let page = Page::new(&app, &query_pairs(raw));
    match task_lists(&app).await {
        Ok(b) => page.render(StatusCode::OK, "tasks", page.words.tasks, b),
        Err(e) => page.error(e),
    }
}

async fn task_lists(app: &App) -> Result<Value, PageError> {
    let mut open = Vec::new();
    let mut done = Vec::new();
    for t in task::list(&app.store, None).await? {
        let view = task::view(&app.store, &t).await?;
        match t.state {
            TaskState::Open => open.push(view),
            TaskState::Done => done.push(view),
        }
    }
    Ok(json!({"open": open, "done": done, "back": "/tasks"}))
}

pub async fn monitors(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let page = Page::new(&app, &query_pairs(raw));
    let result = async {
        let now = chrono::Utc::now().timestamp();
        // The page reads stored thresholds: a page view never waits on Mackerel.
        let input = report::load_monitors(
            &app.store,
            app.settings.timezone,
            now - MONITORS_SINCE_SECS,
            now,
            "stored",
        )
        .await
        .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        let r = report::monitors::build(&input);
        let rows: Vec<Value> = r
            .monitors
            .iter()
            .map(|m| {
                json!({
                    "stats": m,
                    "no_action": m.no_action_share.map(|s| format!("{:.0}%", s * 100.0)),
                })
            })
            .collect();
        Ok::<_, PageError>(json!({"report": r, "rows": rows}))
    }
    .await;
    match result {
        Ok(b) => page.render(StatusCode::OK, "monitors", page.words.monitors, b),
        Err(e) => page.error(e),
    }
}
