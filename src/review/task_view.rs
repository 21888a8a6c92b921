//! The task object of design §7: a task with its alerts and how often its key
//! fired again since it opened.

use serde::Serialize;

use super::task::{Task, TaskState};
use crate::alert::rfc3339;
use crate::store::{Store, StoreError};

/// The task object of design §7.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskView {
    pub id: i64,
    pub title: String,
    pub state: TaskState,
    pub key: String,
    pub alert_ids: Vec<String>,
    /// The GitHub issue, once GitHub answered 201.
    pub url: Option<String>,
    pub github_error: Option<String>,
    pub created_at: String,
    pub closed_at: Option<String>,
    /// Alerts of the key opened after the task was (and while it is) open.
    pub fired_again: i64,
    pub last_fired_at: Option<String>,
}

/// The alerts of a task: those attached by hand, and those of its key that opened
/// while it was open. Oldest first.
pub async fn alert_ids(store: &Store, t: &Task) -> Result<Vec<(String, i64)>, StoreError> {
    store.alerts_of_task(t).await
}

/// The task object, with its alerts and how often its key fired again.
pub async fn view(store: &Store, t: &Task) -> Result<TaskView, StoreError> {
    let alerts = alert_ids(store, t).await?;
    let again: Vec<i64> = alerts
        .iter()
        .map(|(_, at)| *at)
        .filter(|at| *at > t.created_at)
        .collect();
    Ok(TaskView {
        id: t.id,
        title: t.title.clone(),
        state: t.state,
        key: t.key.clone(),
        alert_ids: alerts.into_iter().map(|(id, _)| id).collect(),
        url: t.github_url.clone(),
        github_error: t.github_error.clone(),
        created_at: rfc3339(t.created_at),
        closed_at: t.closed_at.map(rfc3339),
        fired_again: again.len() as i64,
        last_fired_at: again.iter().max().copied().map(rfc3339),
    })
}
