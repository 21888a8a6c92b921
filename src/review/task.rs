//! Follow-up tasks (design §5): one per monitor on one host (the "key"), at most
//! one open per key. Alerts of the key that open while a task is open belong to
//! it ("fired again"); a done task takes no new alerts.

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use super::record::{distinct, insert};
pub use super::task_view::{alert_ids, view, TaskView};
use super::{body, latest_reviews, Outcome, ReviewError};
use crate::store::{Store, StoredAlert};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Open,
    Done,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Done => "done",
        }
    }
}

impl TryFrom<String> for TaskState {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "open" => Ok(TaskState::Open),
            "done" => Ok(TaskState::Done),
            _ => Err(format!("{s:?} is not a task state; use open or done")),
        }
    }
}

/// A task as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub state: TaskState,
    pub key: String,
    pub monitor_id: Option<String>,
    pub host_id: Option<String>,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub github_wanted: bool,
    pub github_number: Option<i64>,
    pub github_url: Option<String>,
    pub github_error: Option<String>,
    pub last_commented_at: Option<i64>,
}

const COLUMNS: &str = "id, title, body, state, key, monitor_id, host_id, created_at, closed_at, \
     github_wanted, github_number, github_url, github_error, last_commented_at";

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

fn default_title(a: &StoredAlert) -> String {
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
        Err(ReviewError::Store(e)) if is_unique_violation(&e) => {
            write_open(store, req, &alerts, &key, &body, now).await
        }
        other => other,
    }
}

fn is_unique_violation(e: &crate::store::StoreError) -> bool {
    matches!(e, crate::store::StoreError::Sql(sqlx::Error::Database(d)) if d.is_unique_violation())
}

async fn write_open(
    store: &Store,
    req: &NewTask,
    alerts: &[StoredAlert],
    key: &str,
    body: &str,
    now: i64,
) -> Result<Opened, ReviewError> {
    let mut tx = store.pool().begin().await?;
    let existing = open_of_key(&mut tx, key).await?;
    let joined = existing.is_some();
    let id = match existing {
        Some(t) => t.id,
        None => {
            let title = req
                .title
                .clone()
                .unwrap_or_else(|| default_title(&alerts[0]));
            insert_task(&mut tx, title.trim(), body, key, &alerts[0], now).await?
        }
    };
    if req.github {
        sqlx::query("UPDATE tasks SET github_wanted = 1 WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    for a in alerts {
        link(&mut tx, id, a, req.by.as_deref(), now).await?;
    }
    let task = fetch(&mut tx, id)
        .await?
        .ok_or(ReviewError::UnknownTask(id))?;
    tx.commit().await?;
    Ok(Opened { task, joined })
}

async fn insert_task(
    conn: &mut SqliteConnection,
    title: &str,
    body: &str,
    key: &str,
    first: &StoredAlert,
    now: i64,
) -> Result<i64, ReviewError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO tasks (title, body, state, key, monitor_id, host_id, created_at) \
         VALUES (?, ?, 'open', ?, ?, ?, ?) RETURNING id",
    )
    .bind(title)
    .bind(body)
    .bind(key)
    .bind(&first.monitor_id)
    .bind(&first.host_id)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// Attaches one alert to a task and makes its outcome `follow_up` (unless it already is).
async fn link(
    conn: &mut SqliteConnection,
    task_id: i64,
    a: &StoredAlert,
    by: Option<&str>,
    now: i64,
) -> Result<(), ReviewError> {
    sqlx::query("INSERT INTO task_alerts (task_id, alert_id, joined_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(task_id)
        .bind(&a.id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let latest: Option<String> = sqlx::query_scalar(
        "SELECT outcome FROM reviews WHERE alert_id = ? ORDER BY id DESC LIMIT 1",
    )
    .bind(&a.id)
    .fetch_optional(&mut *conn)
    .await?;
    if latest.as_deref() != Some(Outcome::FollowUp.as_str()) {
        insert(conn, &a.id, Outcome::FollowUp, None, by, now).await?;
    }
    Ok(())
}

async fn open_of_key(conn: &mut SqliteConnection, key: &str) -> Result<Option<Task>, ReviewError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tasks WHERE key = ? AND state = 'open'"
    ))
    .bind(key)
    .fetch_optional(conn)
    .await?)
}

async fn fetch(conn: &mut SqliteConnection, id: i64) -> Result<Option<Task>, ReviewError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM tasks WHERE id = ?"))
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

/// Task `id`, or an error naming it.
pub async fn get(store: &Store, id: i64) -> Result<Task, ReviewError> {
    let mut conn = store.pool().acquire().await?;
    fetch(&mut conn, id)
        .await?
        .ok_or(ReviewError::UnknownTask(id))
}

/// Tasks in `state` (every task when `None`), newest first.
pub async fn list(store: &Store, state: Option<TaskState>) -> Result<Vec<Task>, ReviewError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tasks WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC"
    ))
    .bind(state.map(TaskState::as_str))
    .fetch_all(store.pool())
    .await?)
}

/// Marks task `id` done; `false` when it already was.
pub async fn done(store: &Store, id: i64, now: i64) -> Result<(Task, bool), ReviewError> {
    let changed = sqlx::query(
        "UPDATE tasks SET state = 'done', closed_at = ? WHERE id = ? AND state = 'open'",
    )
    .bind(now)
    .bind(id)
    .execute(store.pool())
    .await?
    .rows_affected()
        > 0;
    Ok((get(store, id).await?, changed))
}
