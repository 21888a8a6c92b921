//! The background worker of `serve`: a plain loop that runs a sync pass every
//! `[sync] interval` (never two at once, a failed pass tried again on the next tick),
//! a reconciling pass soon after a webhook asks for one, and the morning post; all of
//! it only while this process leads (see `leader`), which it asks once a tick.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::App;
use crate::sync::{run_pass, SyncError};

/// How long after a webhook the reconciling pass starts: webhooks of one incident
/// come in bursts, and one pass serves them all.
const DEBOUNCE: Duration = Duration::from_secs(2);
/// How long a pass in flight may go on after shutdown is asked for, to reach a checkpoint.
const WIND_DOWN: Duration = Duration::from_secs(5);

pub async fn run(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(app.settings.poll_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_github_sync: Option<tokio::time::Instant> = None;
    loop {
        let ticked = tokio::select! {
            _ = ticks.tick() => true,
            _ = app.reconcile.notified() => {
                tokio::select! {
                    _ = tokio::time::sleep(DEBOUNCE) => {}
                    _ = stop.changed() => return,
                }
                false
            }
            _ = stop.changed() => return,
        };
        if *stop.borrow() {
            return;
        }
        // The lead is asked for once a tick, not on every webhook. A follower's
        // webhook asks it for a reconciling pass in vain: the leader's next tick
        // reconciles.
        if ticked {
            app.lead.refresh(&app.store).await;
        }
        if !app.lead.leading() {
            continue;
        }
        if !pass_until_stopped(&app, &mut stop).await {
            return;
        }
        let now = chrono::Utc::now().timestamp();
        super::morning::post_if_due(&app, now).await;
        super::morning::post_week_if_due(&app, now).await;
        // Reviews made anywhere since show in the posted messages.
        crate::slack::refresh::all(&app, now).await;
        let every = super::github_sync::EVERY.min(5 * app.settings.poll_interval);
        if last_github_sync.is_none_or(|t| t.elapsed() >= every) {
            last_github_sync = Some(tokio::time::Instant::now());
            super::github_sync::run_once(&app, now).await;
        }
    }
}

/// Runs one pass; on shutdown, lets it go on a little to reach a checkpoint, then
/// drops it (every batch it wrote is committed; the next start resumes). Returns
/// whether the worker should go on.
async fn pass_until_stopped(app: &App, stop: &mut watch::Receiver<bool>) -> bool {
    let Some(client) = &app.client else {
        return true;
    };
    let now = chrono::Utc::now().timestamp();
    let pass = run_pass(client, &app.store, &app.settings.sync, now);
    tokio::pin!(pass);
    let result = tokio::select! {
        r = &mut pass => r,
        _ = stop.changed() => {
            match tokio::time::timeout(WIND_DOWN, &mut pass).await {
                Ok(r) => { record(app, &r); }
                Err(_) => tracing::info!("stopped a pass mid-way; what it wrote is kept"),
            }
            return false;
        }
    };
    record(app, &result);
    crate::memory::release();
    true
}

fn record(app: &App, result: &Result<crate::sync::PassSummary, SyncError>) {
    // Even a failed pass may have written the batches it read.
    app.digests.synced();
    match result {
        Ok(summary) => {
            app.metrics.pass("ok");
            app.metrics.graphs(summary);
            tracing::info!(%summary, "sync pass");
        }
        Err(SyncError::Busy(_)) => {
            app.metrics.pass("busy");
            tracing::warn!("another process is syncing this database; skipping this tick");
        }
        Err(e) => {
            app.metrics.pass("failed");
            tracing::warn!(error = %e, "sync pass failed; trying again on the next tick");
        }
    }
}
