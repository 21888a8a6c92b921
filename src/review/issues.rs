//! Tasks as GitHub issues: created once (a task is linked only after GitHub
//! answered 201, and a failed create is retried), a comment when the alert fires
//! again (at most one a day), and a closed issue closing its task.

use chrono::TimeZone;
use chrono_tz::Tz;
use serde::Serialize;

use super::task::{self, Task, TaskState};
use super::{alert_line, ReviewError};
use crate::alert::rfc3339;
use crate::github::{GithubClient, GithubError};
use crate::store::Store;

/// A create older than this whose outcome was never written (a killed process)
/// no longer blocks another try.
const CLAIM_SECS: i64 = 600;

/// What one `task sync` did, task by task.
#[derive(Debug, Default, Serialize)]
pub struct SyncReport {
    pub created: Vec<i64>,
    pub commented: Vec<i64>,
    pub closed: Vec<i64>,
    /// Task id and what went wrong.
    pub failed: Vec<(i64, String)>,
}

/// Creates the GitHub issue of task `id` unless it has one. Only one create per
/// task runs at a time (a claim in the row), so a key never gets two issues from
/// two processes.
pub async fn create_issue(
    store: &Store,
    gh: &GithubClient,
    labels: &[String],
    id: i64,
    now: i64,
) -> Result<Task, ReviewError> {
    let claimed = store.claim_issue_create(id, now, CLAIM_SECS).await?;
    let t = task::get(store, id).await?;
    if !claimed {
        return match t.github_number {
            Some(_) => Ok(t),
            None => Err(ReviewError::CreateInFlight(id)),
        };
    }
    match gh.create_issue(&t.title, &t.body, labels).await {
        Ok(issue) => {
            store.link_issue(id, issue.number, &issue.html_url).await?;
            task::get(store, id).await
        }
        Err(e) => Err(record_failure(store, id, e).await),
    }
}

/// Keeps the error on the task (shown by `task show` and the task object), lifts
/// any claim, and gives the error back for the caller to report.
pub async fn record_failure(store: &Store, id: i64, e: GithubError) -> ReviewError {
    let saved = store.record_issue_error(id, &e.to_string()).await;
    match saved {
        Ok(_) => ReviewError::Github { task: id, error: e },
        Err(db) => db.into(),
    }
}

/// Comments on a linked open task's issue about alerts of its key that fired
/// since the last comment (or since it opened) — at most once a day in `tz`.
/// `true` when a comment was posted.
pub async fn comment_recurrence(
    store: &Store,
    gh: &GithubClient,
    t: &Task,
    tz: Tz,
    now: i64,
) -> Result<bool, ReviewError> {
    let Some(number) = t.github_number.filter(|_| t.state == TaskState::Open) else {
        return Ok(false);
    };
    let day = |at: i64| tz.timestamp_opt(at, 0).single().map(|d| d.date_naive());
    if t.last_commented_at.is_some_and(|at| day(at) == day(now)) {
        return Ok(false);
    }
    let since = t.created_at.max(t.last_commented_at.unwrap_or(0));
    let fresh: Vec<String> = task::alert_ids(store, t)
        .await?
        .into_iter()
        .filter(|(_, opened)| *opened > since && *opened <= now)
        .map(|(id, _)| id)
        .collect();
    if fresh.is_empty() {
        return Ok(false);
    }
    let body = recurrence_body(&store.alerts_by_id(&fresh).await?, since);
    if let Err(e) = gh.comment(number, &body).await {
        return Err(record_failure(store, t.id, e).await);
    }
    store.mark_commented(t.id, now).await?;
    Ok(true)
}

fn recurrence_body(alerts: &[crate::store::StoredAlert], since: i64) -> String {
    let mut body = format!(
        "Fired again: {} alert(s) since {} (recorded by asakai):\n\n",
        alerts.len(),
        rfc3339(since)
    );
    for a in alerts {
        body.push_str(&alert_line(a, None));
        body.push('\n');
    }
    body
}

/// One pass over the open tasks: retries creates that failed, closes tasks whose
/// issue was closed on GitHub, and comments on recurrences. A failure on one task
/// does not stop the others.
pub async fn sync(
    store: &Store,
    gh: &GithubClient,
    labels: &[String],
    tz: Tz,
    now: i64,
) -> Result<SyncReport, ReviewError> {
    let mut report = SyncReport::default();
    for t in task::list(store, Some(TaskState::Open)).await? {
        let outcome = sync_one(store, gh, labels, &t, tz, now, &mut report).await;
        match outcome {
            Ok(()) => {}
            Err(ReviewError::Github { task, error }) => {
                report.failed.push((task, error.to_string()))
            }
            Err(other) => return Err(other),
        }
    }
    Ok(report)
}

async fn sync_one(
    store: &Store,
    gh: &GithubClient,
    labels: &[String],
    t: &Task,
    tz: Tz,
    now: i64,
    report: &mut SyncReport,
) -> Result<(), ReviewError> {
    let Some(number) = t.github_number else {
        if t.github_wanted {
            create_issue(store, gh, labels, t.id, now).await?;
            report.created.push(t.id);
        }
        return Ok(());
    };
    let issue = match gh.issue(number).await {
        Ok(issue) => issue,
        Err(e) => return Err(record_failure(store, t.id, e).await),
    };
    if issue.state == "closed" {
        task::done(store, t.id, now).await?;
        report.closed.push(t.id);
    } else if comment_recurrence(store, gh, t, tz, now).await? {
        report.commented.push(t.id);
    }
    Ok(())
}

/// After a task is saved: create its issue when asked (and not linked yet), or tell
/// the linked issue that the alert fired again. The task is kept whatever GitHub
/// answers; a failed create is recorded on it and returned.
pub async fn after_open(
    store: &Store,
    settings: &crate::config::Settings,
    opened: &super::Opened,
    wanted: bool,
    now: i64,
) -> Result<(), ReviewError> {
    let t = &opened.task;
    let linked = t.github_number.is_some();
    let create = wanted && !linked;
    let recurrence = opened.joined && linked;
    if !create && !recurrence {
        return Ok(());
    }
    let gh = match settings.github.client() {
        Ok(gh) => gh,
        Err(e) if create => return Err(record_failure(store, t.id, e).await),
        Err(e) => {
            tracing::warn!(task = t.id, error = %e, "not commenting on the task's issue");
            return Ok(());
        }
    };
    if create {
        create_issue(store, &gh, &settings.github.labels, t.id, now).await?;
    } else if let Err(e) = comment_recurrence(store, &gh, t, settings.timezone, now).await {
        tracing::warn!(task = t.id, error = %e, "could not comment on the task's issue");
    }
    Ok(())
}
