//! One sync pass (design §4): read Mackerel, write the store in one transaction.

mod attribution;
mod closes;
mod fetch;
mod lock;
mod logs;
mod merge;
mod metadata;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

pub use attribution::{attribute, Attribution};
pub use lock::PassLock;

use crate::mackerel::{Client, MackerelError};
use crate::store::{self, PassRecord, Store, StoreError, StoredAlert};
use fetch::Fetched;
use metadata::Metadata;

const HIGH_WATER_KEY: &str = "high_water_mark";
/// Where Mackerel's web pages are, for links in digests.
pub const WEB_BASE_KEY: &str = "web_base";

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Mackerel(#[from] MackerelError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("another sync pass is running on {0}; wait for it to finish (is `asakai serve` running on this database?)")]
    Busy(PathBuf),
    #[error("{0}")]
    Lock(String),
}

impl From<sqlx::Error> for SyncError {
    fn from(e: sqlx::Error) -> Self {
        SyncError::Store(e.into())
    }
}

/// What a pass is doing, for a progress bar: the stage and a count so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Alerts read from the lists so far, and the oldest `openedAt` reached.
    Alerts { read: u64, oldest: i64 },
    /// Alert logs read so far, of how many this pass will read.
    Logs { read: u64, of: u64 },
}

/// A callback told about a pass's progress (the demo's progress bar).
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(Stage) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

impl Progress {
    fn report(progress: &Option<Progress>, stage: Stage) {
        if let Some(p) = progress {
            (p.0)(stage);
        }
    }
}

/// How far and how often a pass reaches.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Reach back this far instead of the high-water mark (`poll --since`).
    pub since: Option<i64>,
    /// How far the first pass reaches back.
    pub backfill: Duration,
    /// Re-read this much before the newest alert already stored.
    pub overlap: Duration,
    /// Most alert-log reads in one pass.
    pub logs_per_pass: u32,
    /// Metadata older than this is refreshed.
    pub metadata_max_age: Duration,
    pub progress: Option<Progress>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            since: None,
            backfill: Duration::from_secs(7 * 86_400),
            overlap: Duration::from_secs(600),
            logs_per_pass: 200,
            metadata_max_age: Duration::from_secs(3600),
            progress: None,
        }
    }
}

/// What a pass did; also recorded in `sync_passes`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PassSummary {
    pub requests: u64,
    pub new_alerts: usize,
    pub changed: usize,
    pub skipped: usize,
    pub logs_read: usize,
    /// Closed alerts whose logs are still to be read in later passes.
    pub logs_pending: bool,
}

impl PassSummary {
    /// The line `sync_passes` keeps of a pass that started at `started_at`.
    fn record(&self, started_at: i64, outcome: &str, message: Option<String>) -> PassRecord {
        PassRecord {
            started_at,
            finished_at: chrono::Utc::now().timestamp(),
            requests: self.requests as i64,
            new_alerts: self.new_alerts as i64,
            changed: self.changed as i64,
            skipped: self.skipped as i64,
            logs_read: self.logs_read as i64,
            outcome: outcome.to_owned(),
            message,
        }
    }
}

impl std::fmt::Display for PassSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} new, {} changed, {} skipped, {} alert logs read, {} requests",
            self.new_alerts, self.changed, self.skipped, self.logs_read, self.requests
        )?;
        if self.logs_pending {
            write!(f, " (more alert logs left for the next passes)")?;
        }
        Ok(())
    }
}

/// Runs one pass at `now` (Unix seconds). Nothing is written unless the whole pass
/// succeeds; a failed pass is recorded as failed and leaves every alert as it was.
pub async fn run_pass(
    client: &Client,
    store: &Store,
    opts: &SyncOptions,
    now: i64,
) -> Result<PassSummary, SyncError> {
    let _lock = PassLock::acquire(store.path())?;
    let before = client.request_count();
    let result = pass(client, store, opts, now, before).await;
    if let Err(e) = &result {
        let requests = client.request_count() - before;
        let failed = PassSummary {
            requests,
            ..PassSummary::default()
        }
        .record(now, "failed", Some(e.to_string()));
        if let Err(record_error) = store.record_pass(&failed).await {
            tracing::warn!(error = %record_error, "could not record the failed pass");
        }
    }
    result
}

async fn pass(
    client: &Client,
    store: &Store,
    opts: &SyncOptions,
    now: i64,
    before: u64,
) -> Result<PassSummary, SyncError> {
    let started = std::time::Instant::now();
    let mut meta = Metadata::load(store).await?;
    if meta.is_stale(now, opts.metadata_max_age.as_secs() as i64) {
        meta.refresh(client).await?;
    }
    // Steps 2 to 4: the lists, then closes nobody listed; then what they name.
    let previous_mark: Option<i64> = store
        .state(HIGH_WATER_KEY)
        .await?
        .and_then(|v| v.parse().ok());
    let boundary = opts
        .since
        .or(previous_mark.map(|h| h - opts.overlap.as_secs() as i64))
        .unwrap_or(now - opts.backfill.as_secs() as i64);
    let mut fetched = Fetched::new(opts.progress.clone());
    fetched.open_alerts(client).await?;
    fetched.recent_alerts(client, boundary).await?;
    let gone = closes::find_closed_since(client, store, &mut fetched).await?;
    meta.resolve(client, fetched.alerts.values()).await?;

    let web_base = client.web_base();
    let (mut rows, mut existing) = merge_rows(store, &mut fetched, &gone, &meta, &web_base).await?;
    let (logs, logs_pending) =
        logs::read_logs(client, store, opts, &mut rows, &mut existing).await?;
    let changed = changed_rows(rows, &existing);
    let new_alerts = changed
        .iter()
        .filter(|r| !existing.contains_key(&r.id))
        .count();
    let mark = [previous_mark, fetched.newest_opened, Some(boundary)]
        .into_iter()
        .flatten()
        .max();

    let mut tx = store.pool().begin().await?;
    meta.save(&mut tx, now).await?;
    store::set_state(&mut tx, WEB_BASE_KEY, &web_base).await?;
    store::alerts::upsert_alerts(&mut tx, &changed, now).await?;
    for (id, entries) in &logs {
        store::alerts::replace_logs(&mut tx, id, entries).await?;
    }
    if let Some(mark) = mark {
        store::set_state(&mut tx, HIGH_WATER_KEY, &mark.to_string()).await?;
    }
    let summary = PassSummary {
        requests: client.request_count() - before,
        new_alerts,
        changed: changed.len() - new_alerts,
        skipped: fetched.skipped.len() + meta.skipped,
        logs_read: logs.len(),
        logs_pending,
    };
    store::passes::record_pass(&mut tx, &summary.record(now, "ok", None)).await?;
    tx.commit().await?;
    tracing::debug!(
        written = changed.len(),
        ms = started.elapsed().as_millis() as u64,
        "pass written"
    );
    Ok(summary)
}

/// The rows this pass would write: each fetched alert merged with what the store
/// held, and alerts Mackerel no longer has marked gone. Also returns the stored rows.
async fn merge_rows(
    store: &Store,
    fetched: &mut Fetched,
    gone: &[String],
    meta: &Metadata,
    web_base: &str,
) -> Result<(HashMap<String, StoredAlert>, HashMap<String, StoredAlert>), SyncError> {
    let ids: Vec<String> = fetched.alerts.keys().chain(gone).cloned().collect();
    let existing: HashMap<String, StoredAlert> = store
        .alerts_by_id(&ids)
        .await?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    // Each fetched alert is dropped once merged: a backfill holds one copy of its alerts, not two.
    let mut rows: HashMap<String, StoredAlert> = std::mem::take(&mut fetched.alerts)
        .into_values()
        .map(|a| {
            (
                a.id.clone(),
                merge::merge(existing.get(&a.id), &a, meta, web_base),
            )
        })
        .collect();
    for id in gone {
        if let Some(mut r) = existing.get(id).cloned() {
            r.gone = true;
            rows.insert(id.clone(), r);
        }
    }
    Ok((rows, existing))
}

/// The rows that differ from the store, in time order, so that rows and index
/// entries are appended rather than scattered.
fn changed_rows(
    rows: HashMap<String, StoredAlert>,
    existing: &HashMap<String, StoredAlert>,
) -> Vec<StoredAlert> {
    let mut changed: Vec<StoredAlert> = rows
        .into_values()
        .filter(|r| existing.get(&r.id) != Some(r))
        .collect();
    changed.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
    changed
}
