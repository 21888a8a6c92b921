//! `serve` keeps follow-up tasks in step with GitHub every few minutes, as
//! `asakai task sync` does: failed creates retried, closed issues closing their tasks.

use std::time::Duration;

use super::App;
use crate::review::{issues, task, TaskState};

/// How often tasks are compared with their issues (or every five passes, when sooner).
pub const EVERY: Duration = Duration::from_secs(300);

/// One sync when GitHub is set up and some open task is linked or waiting for an issue.
pub async fn run_once(app: &App, now: i64) {
    let settings = &app.settings;
    let Ok(gh) = settings.github.client() else {
        return;
    };
    let open = match task::list(&app.store, Some(TaskState::Open)).await {
        Ok(open) => open,
        Err(e) => {
            tracing::warn!(error = %e, "could not list tasks for the GitHub sync");
            return;
        }
    };
    if !open
        .iter()
        .any(|t| t.github_number.is_some() || t.github_wanted)
    {
        return;
    }
    match issues::sync(
        &app.store,
        &gh,
        &settings.github.labels,
        settings.timezone,
        now,
    )
    .await
    {
        Ok(report) => {
            // Issues it linked or tasks it closed change the digest's tasks.
            app.digests.synced();
            for (id, error) in &report.failed {
                tracing::warn!(task = id, %error, "GitHub sync of a task failed");
            }
            if !report.closed.is_empty() || !report.created.is_empty() {
                tracing::info!(
                    closed = report.closed.len(),
                    created = report.created.len(),
                    "tasks synced with GitHub"
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "GitHub sync failed; trying again later"),
    }
}
