//! Follow-up tasks in the store (design §5): one per monitor on one host (the
//! "key"), at most one open per key, and the alerts attached to each by hand.

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use super::reviews::{insert_review, latest_outcome_in, NewReview};
use super::{Store, StoreError};

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

/// What opening a task asks for (see [`Store::open_task`]).
#[derive(Debug, Clone, Copy)]
pub struct TaskRequest<'a> {
    pub key: &'a str,
    /// The monitor and host the key names.
    pub monitor_id: Option<&'a str>,
    pub host_id: Option<&'a str>,
    /// The title and body a new task gets; a task joined keeps its own.
    pub title: &'a str,
    pub body: &'a str,
    /// The alerts it takes.
    pub alert_ids: &'a [String],
    /// Ask for the task's GitHub issue.
    pub github: bool,
    /// The review each alert gets, unless its latest outcome already is this one.
    pub review: NewReview<'a>,
}

const COLUMNS: &str = "id, title, body, state, key, monitor_id, host_id, created_at, closed_at, \
     github_wanted, github_number, github_url, github_error, last_commented_at";

/// The open task of `key`, inside the caller's transaction.
async fn open_task_of_key(
    conn: &mut SqliteConnection,
    key: &str,
) -> Result<Option<Task>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tasks WHERE key = ? AND state = 'open'"
    ))
    .bind(key)
    .fetch_optional(conn)
    .await?)
}

/// Task `id`, which is stored, inside the caller's transaction.
async fn task_in(conn: &mut SqliteConnection, id: i64) -> Result<Task, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM tasks WHERE id = ?"))
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

/// Adds the open task `req` asks for; its id. A second open task of a key breaks a
/// unique index.
async fn insert_task(
    conn: &mut SqliteConnection,
    req: &TaskRequest<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO tasks (title, body, state, key, monitor_id, host_id, created_at) \
         VALUES (?, ?, 'open', ?, ?, ?, ?) RETURNING id",
    )
    .bind(req.title)
    .bind(req.body)
    .bind(req.key)
    .bind(req.monitor_id)
    .bind(req.host_id)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// Asks for task `id`'s GitHub issue, inside the caller's transaction.
async fn want_issue(conn: &mut SqliteConnection, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE tasks SET github_wanted = 1 WHERE id = ?")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Attaches an alert to a task (once), inside the caller's transaction.
async fn attach_alert(
    conn: &mut SqliteConnection,
    task_id: i64,
    alert_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO task_alerts (task_id, alert_id, joined_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(task_id)
        .bind(alert_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    /// Opens a task of `req.key`, or joins the open one, in one transaction: its
    /// alerts attached, each reviewed as asked. The task, and whether it was open
    /// already. Two at once for a key with no open task: one of them gets
    /// [`StoreError::Conflict`] (the key's unique index) and may try again, to join.
    pub async fn open_task(&self, req: TaskRequest<'_>) -> Result<(Task, bool), StoreError> {
        let mut tx = self.begin().await?;
        let existing = open_task_of_key(&mut tx, req.key).await?;
        let joined = existing.is_some();
        let id = match existing {
            Some(t) => t.id,
            None => insert_task(&mut tx, &req, req.review.at).await?,
        };
        if req.github {
            want_issue(&mut tx, id).await?;
        }
        for alert_id in req.alert_ids {
            attach_alert(&mut tx, id, alert_id, req.review.at).await?;
            let latest = latest_outcome_in(&mut tx, alert_id).await?;
            if latest.as_deref() != Some(req.review.outcome) {
                insert_review(&mut tx, alert_id, req.review).await?;
            }
        }
        let task = task_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok((task, joined))
    }

    /// Task `id`, if there is one.
    pub async fn task(&self, id: i64) -> Result<Option<Task>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM tasks WHERE id = ?"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Tasks in `state` (every task when `None`), newest first.
    pub async fn tasks(&self, state: Option<TaskState>) -> Result<Vec<Task>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM tasks WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC"
        ))
        .bind(state.map(TaskState::as_str))
        .fetch_all(self.pool())
        .await?)
    }

    /// Marks task `id` done; `false` when it was not open.
    pub async fn close_task(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let changed = sqlx::query(
            "UPDATE tasks SET state = 'done', closed_at = ? WHERE id = ? AND state = 'open'",
        )
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(changed > 0)
    }

    /// The alerts of a task: those attached by hand, and those of its key that opened
    /// while it was open. Ids and opening times, oldest first.
    pub async fn alerts_of_task(&self, t: &Task) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT a.id, a.opened_at FROM alerts a WHERE a.id IN (SELECT alert_id FROM task_alerts WHERE task_id = ?1) \
             UNION SELECT a.id, a.opened_at FROM alerts a WHERE a.opened_at > ?2 AND a.opened_at < ?3 \
               AND a.monitor_id IS ?4 AND a.host_id IS ?5 \
             ORDER BY 2, 1",
        )
        .bind(t.id)
        .bind(t.created_at)
        .bind(t.closed_at.unwrap_or(i64::MAX))
        .bind(&t.monitor_id)
        .bind(&t.host_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Every alert attached to a task by hand, as `(alert id, task id)`, by task id.
    pub async fn task_attachments(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT alert_id, task_id FROM task_alerts ORDER BY task_id")
                .fetch_all(self.pool())
                .await?,
        )
    }
}
