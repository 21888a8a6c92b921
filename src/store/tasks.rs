//! Follow-up tasks in the store (design §5): one per monitor on one host (the
//! "key"), at most one open per key, and the alerts attached to each by hand.

use serde::{Deserialize, Serialize};

use super::reviews::NewReview;
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

impl Store {
    /// Opens a task of `req.key`, or joins the open one, in one transaction: its
    /// alerts attached, each reviewed as asked. The task, and whether it was open
    /// already. Two at once for a key with no open task: one of them gets
    /// [`StoreError::Conflict`] (the key's unique index) and may try again, to join.
    pub async fn open_task(&self, req: TaskRequest<'_>) -> Result<(Task, bool), StoreError> {
        on_backend!(self, b => b.open_task(req).await)
    }

    /// Task `id`, if there is one.
    pub async fn task(&self, id: i64) -> Result<Option<Task>, StoreError> {
        on_backend!(self, b => b.task(id).await)
    }

    /// Tasks in `state` (every task when `None`), newest first.
    pub async fn tasks(&self, state: Option<TaskState>) -> Result<Vec<Task>, StoreError> {
        on_backend!(self, b => b.tasks(state).await)
    }

    /// Marks task `id` done; `false` when it was not open.
    pub async fn close_task(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        on_backend!(self, b => b.close_task(id, now).await)
    }

    /// The alerts of a task: those attached by hand, and those of its key that opened
    /// while it was open. Ids and opening times, oldest first.
    pub async fn alerts_of_task(&self, t: &Task) -> Result<Vec<(String, i64)>, StoreError> {
        on_backend!(self, b => b.alerts_of_task(t).await)
    }

    /// Every alert attached to a task by hand, as `(alert id, task id)`, by task id.
    pub async fn task_attachments(&self) -> Result<Vec<(String, i64)>, StoreError> {
        on_backend!(self, b => b.task_attachments().await)
    }
}
