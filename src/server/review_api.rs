//! The review and task API (design §7): `POST /api/reviews`, `GET/POST /api/tasks`,
//! `POST /api/tasks/{id}/done`. The reviewer is the signed-in user, when there is one.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;

use super::access::User;
use super::api::ApiError;
use super::App;
use crate::review::{self, issues, task, NewTask, Outcome, Recorded, TaskState};

/// A JSON body, or a 400 that says what is wrong with it.
fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad("body", e))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewRequest {
    alert_ids: Vec<String>,
    outcome: String,
    #[serde(default)]
    note: Option<String>,
}

/// `POST /api/reviews`: one outcome for one or many alerts, all or nothing.
pub async fn post_review(
    State(app): State<Arc<App>>,
    Extension(User(user)): Extension<User>,
    bytes: Bytes,
) -> Response {
    let result = async {
        let req: ReviewRequest = body(&bytes)?;
        let outcome = Outcome::parse(&req.outcome).map_err(|e| ApiError::bad("outcome", e))?;
        let now = chrono::Utc::now().timestamp();
        let views = review::record(
            &app.store,
            &req.alert_ids,
            outcome,
            req.note.as_deref(),
            user.as_deref(),
            now,
        )
        .await?;
        app.digests.wrote();
        let reviews: Vec<Recorded> = views.into_iter().map(Recorded::from).collect();
        Ok::<_, ApiError>(Json(serde_json::json!({ "reviews": reviews })))
    }
    .await;
    result.map_or_else(|e| e.into_response(), |r| r.into_response())
}

#[derive(Deserialize)]
pub struct TaskQuery {
    state: Option<String>,
}

/// `GET /api/tasks?state=open|done|all` (open by default).
pub async fn list_tasks(State(app): State<Arc<App>>, Query(q): Query<TaskQuery>) -> Response {
    let result = async {
        let state = match q.state.as_deref().unwrap_or("open") {
            "open" => Some(TaskState::Open),
            "done" => Some(TaskState::Done),
            "all" => None,
            other => {
                return Err(ApiError::bad(
                    "state",
                    format!("{other:?}: use open, done or all"),
                ))
            }
        };
        let mut views = Vec::new();
        for t in task::list(&app.store, state).await? {
            views.push(task::view(&app.store, &t).await?);
        }
        Ok(Json(views))
    }
    .await;
    result.map_or_else(|e| e.into_response(), |r| r.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskRequest {
    alert_ids: Vec<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    github: bool,
}

/// `POST /api/tasks`: 201 with a new task, or 200 with the open task of the same key
/// that the alerts joined; 502 when GitHub failed (the task is saved, with the error).
pub async fn post_task(
    State(app): State<Arc<App>>,
    Extension(User(user)): Extension<User>,
    bytes: Bytes,
) -> Response {
    let result = async {
        let req: TaskRequest = body(&bytes)?;
        let now = chrono::Utc::now().timestamp();
        let new = NewTask {
            alert_ids: req.alert_ids,
            title: req.title,
            github: req.github,
            by: user,
        };
        let opened = task::open(&app.store, &new, now).await?;
        app.digests.wrote();
        let github = issues::after_open(&app.store, &app.settings, &opened, req.github, now).await;
        let view = task::view(&app.store, &task::get(&app.store, opened.task.id).await?).await?;
        let status = match github {
            // The task is saved, with the error: say both.
            Err(e) => {
                let body = serde_json::json!({ "error": e.to_string(), "task": view });
                return Ok((StatusCode::BAD_GATEWAY, Json(body)).into_response());
            }
            Ok(()) if opened.joined => StatusCode::OK,
            Ok(()) => StatusCode::CREATED,
        };
        Ok::<_, ApiError>((status, Json(view)).into_response())
    }
    .await;
    result.map_or_else(|e| e.into_response(), |r| r.into_response())
}

/// `POST /api/tasks/{id}/done`.
pub async fn task_done(State(app): State<Arc<App>>, Path(id): Path<i64>) -> Response {
    let result = async {
        let now = chrono::Utc::now().timestamp();
        let (t, _) = task::done(&app.store, id, now).await?;
        app.digests.wrote();
        Ok::<_, ApiError>(Json(task::view(&app.store, &t).await?))
    }
    .await;
    result.map_or_else(|e| e.into_response(), |r| r.into_response())
}
