//! The SQL of `store::tasks`, compiled for each backend (see `store`).

use crate::store::{StoreError, Task, TaskRequest, TaskState};

use super::dialect::{same, text};
use super::reviews::{insert_review, latest_outcome_in};
use super::{Backend, Conn};

const COLUMNS: &str = "id, title, body, state, key, monitor_id, host_id, created_at, closed_at, \
     github_wanted <> 0 AS github_wanted, github_number, github_url, github_error, last_commented_at";

/// The open task of `key`, inside the caller's transaction.
async fn open_task_of_key(conn: &mut Conn, key: &str) -> Result<Option<Task>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tasks WHERE key = $1 AND state = 'open'"
    ))
    .bind(key)
    .fetch_optional(conn)
    .await?)
}

/// Task `id`, which is stored, inside the caller's transaction.
async fn task_in(conn: &mut Conn, id: i64) -> Result<Task, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM tasks WHERE id = $1"))
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

/// Adds the open task `req` asks for; its id. A second open task of a key breaks a
/// unique index.
async fn insert_task(conn: &mut Conn, req: &TaskRequest<'_>, now: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO tasks (title, body, state, key, monitor_id, host_id, created_at) \
         VALUES ($1, $2, 'open', $3, $4, $5, $6) RETURNING id",
    )
    .bind(text(req.title))
    .bind(text(req.body))
    .bind(req.key)
    .bind(req.monitor_id)
    .bind(req.host_id)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// Asks for task `id`'s GitHub issue, inside the caller's transaction.
async fn want_issue(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE tasks SET github_wanted = 1 WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Attaches an alert to a task (once), inside the caller's transaction.
async fn attach_alert(
    conn: &mut Conn,
    task_id: i64,
    alert_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO task_alerts (task_id, alert_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(task_id)
        .bind(alert_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

impl Backend {
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

    pub async fn task(&self, id: i64) -> Result<Option<Task>, StoreError> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM tasks WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn tasks(&self, state: Option<TaskState>) -> Result<Vec<Task>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM tasks WHERE $1 IS NULL OR state = $1 ORDER BY id DESC"
        ))
        .bind(state.map(TaskState::as_str))
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn close_task(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        let changed = sqlx::query(
            "UPDATE tasks SET state = 'done', closed_at = $1 WHERE id = $2 AND state = 'open'",
        )
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(changed > 0)
    }

    pub async fn alerts_of_task(&self, t: &Task) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT a.id, a.opened_at FROM alerts a WHERE a.id IN (SELECT alert_id FROM task_alerts WHERE task_id = $1) \
             UNION SELECT a.id, a.opened_at FROM alerts a WHERE a.opened_at > $2 AND a.opened_at < $3 \
               AND {} AND {} \
             ORDER BY 2, 1",
            same("a.monitor_id", "$4"),
            same("a.host_id", "$5")
        ))
        .bind(t.id)
        .bind(t.created_at)
        .bind(t.closed_at.unwrap_or(i64::MAX))
        .bind(&t.monitor_id)
        .bind(&t.host_id)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn task_attachments(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT alert_id, task_id FROM task_alerts ORDER BY task_id")
                .fetch_all(self.pool())
                .await?,
        )
    }
}
