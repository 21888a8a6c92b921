//! Follow-up tasks (design §5): one per monitor on one host (the "key"), at most
//! one open per key. Alerts of the key that open while a task is open belong to
//! it ("fired again"); a done task takes no new alerts.

use super::record::{distinct, reviewer};
pub use super::task_view::{alert_ids, view, TaskView};
use super::{body, latest_reviews, Outcome, ReviewError};
use crate::store::{NewReview, Store, StoreError, StoredAlert, TaskRequest};
pub use crate::store::{Task, TaskState};

/// What `task new` and `POST /api/tasks` ask for.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    pub alert_ids: Vec<String>,
    pub title: Option<String>,
    pub github: bool,
    pub by: Option<String>,
}

/// The task the alerts now belong to, and whether it existed already.
#[derive(Debug, Clone)]
pub struct Opened {
    pub task: Task,
    pub joined: bool,
}

/// What "the same alert again" means for tasks: the monitor on the host, or the
/// monitor alone when the alert has no host.
pub fn key_of(a: &StoredAlert) -> String {
    let monitor = a
        .monitor_id
        .clone()
        .unwrap_or_else(|| format!("type:{}", a.kind));
    match &a.host_id {
        Some(h) => format!("{monitor}/{h}"),
        None => monitor,
    }
}

/// The title asakai gives a task nobody named (in English: it is also the GitHub
/// issue's title); the pages show it in their own language.
pub fn default_title(a: &StoredAlert) -> String {
    let monitor = a
        .monitor_name
        .as_deref()
        .or(a.monitor_id.as_deref())
        .unwrap_or(&a.kind);
    match a.host_name.as_deref().or(a.host_id.as_deref()) {
        Some(h) => format!("Follow up: {monitor} on {h}"),
        None => format!("Follow up: {monitor}"),
    }
}

/// Opens a task for these alerts, or joins them to the open task of their key.
/// Their outcome becomes `follow_up`. All or nothing.
pub async fn open(store: &Store, req: &NewTask, now: i64) -> Result<Opened, ReviewError> {
    let ids = distinct(&req.alert_ids);
    if ids.is_empty() {
        return Err(ReviewError::NoAlerts);
    }
    if req.title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(ReviewError::EmptyTitle);
    }
    let mut alerts = store.alerts_by_id(&ids).await?;
    let unknown: Vec<String> = ids
        .iter()
        .filter(|id| !alerts.iter().any(|a| &a.id == *id))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(ReviewError::UnknownAlerts(unknown));
    }
    alerts.sort_by_key(|a| ids.iter().position(|i| *i == a.id));
    let key = key_of(&alerts[0]);
    if let Some(other) = alerts.iter().find(|a| key_of(a) != key) {
        return Err(ReviewError::MixedKeys {
            first: alerts[0].id.clone(),
            other: other.id.clone(),
        });
    }
    let notes = latest_reviews(store).await?;
    let body = body::markdown(&alerts, &notes);
    // A concurrent `task new` for the same key may win the insert; then this one joins it.
    match write_open(store, req, &alerts, &key, &body, now).await {
        Err(ReviewError::Store(StoreError::Conflict(_))) => {
            write_open(store, req, &alerts, &key, &body, now).await
        }
        other => other,
    }
}

async fn write_open(
    store: &Store,
    req: &NewTask,
    alerts: &[StoredAlert],
    key: &str,
    body: &str,
    now: i64,
) -> Result<Opened, ReviewError> {
    let title = req
        .title
        .clone()
        .unwrap_or_else(|| default_title(&alerts[0]));
    let alert_ids: Vec<String> = alerts.iter().map(|a| a.id.clone()).collect();
    let (task, joined) = store
        .open_task(TaskRequest {
            key,
            monitor_id: alerts[0].monitor_id.as_deref(),
            host_id: alerts[0].host_id.as_deref(),
            title: title.trim(),
            body,
            alert_ids: &alert_ids,
            github: req.github,
            review: NewReview {
                outcome: Outcome::FollowUp.as_str(),
                note: None,
                by: reviewer(req.by.as_deref()),
                at: now,
            },
        })
        .await?;
    Ok(Opened { task, joined })
}

/// Task `id`, or an error naming it.
pub async fn get(store: &Store, id: i64) -> Result<Task, ReviewError> {
    store.task(id).await?.ok_or(ReviewError::UnknownTask(id))
}

/// Tasks in `state` (every task when `None`), newest first.
pub async fn list(store: &Store, state: Option<TaskState>) -> Result<Vec<Task>, StoreError> {
    store.tasks(state).await
}

/// Marks task `id` done; `false` when it already was.
pub async fn done(store: &Store, id: i64, now: i64) -> Result<(Task, bool), ReviewError> {
    let changed = store.close_task(id, now).await?;
    Ok((get(store, id).await?, changed))
}
