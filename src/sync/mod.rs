//! One sync pass (design §4): read Mackerel and write the store, checkpointing as it
//! goes. Every batch is its own short transaction, so a pass killed at any moment
//! keeps what it wrote, and the next pass resumes where it stopped.

mod attribution;
mod checkpoint;
mod closes;
mod graphs;
mod lists;
mod logs;
mod merge;
mod metadata;
mod reattribute;
mod summary;

use std::time::{Duration, Instant};

pub use attribution::{attribute, Attribution};
pub use summary::PassSummary;

use crate::mackerel::{Client, MackerelError};
use crate::store::{Location, PassLock, Store, StoreError};
use checkpoint::Pass;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Mackerel(#[from] MackerelError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("another sync pass is running on {0}; wait for it to finish (is another `asakai poll` or the demo running on this database?)")]
    Busy(Location),
    #[error("{0}")]
    Lock(String),
    #[error("--since {0} is in the future; give a time in the past, or a duration such as 30d")]
    FutureSince(String),
}

/// What a pass is doing, for a progress bar: the stage and a count so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Alerts read from the lists so far, and the oldest `openedAt` reached.
    Alerts { read: u64, oldest: i64 },
    /// Alert logs read so far, of how many this pass will read at most.
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
    /// Reach back at least this far (`poll --since`); never moves the mark forward.
    pub since: Option<i64>,
    /// How far the first pass reaches back.
    pub backfill: Duration,
    /// Re-read this much before the newest alert already stored.
    pub overlap: Duration,
    /// Most alert-log reads in one pass.
    pub logs_per_pass: u32,
    /// After this long, a pass reads no more logs (nor re-attributes): it ends and
    /// says what is left for the next passes.
    pub budget: Duration,
    /// Metadata older than this is refreshed.
    pub metadata_max_age: Duration,
    /// How often a pass reads the list back `deep_window` rather than to the mark:
    /// an alert that shows in the list later than `overlap` after it opened sits
    /// below the mark, and only such a read finds it once it has closed.
    pub deep_every: Duration,
    pub deep_window: Duration,
    /// Most metric-series reads in one pass (`[graphs] per_pass`; 0: none).
    pub graphs_per_pass: u32,
    /// The team's meetings: the current meeting's alerts get their graphs first.
    pub meeting: Option<crate::digest::WindowSpec>,
    pub progress: Option<Progress>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            since: None,
            backfill: Duration::from_secs(7 * 86_400),
            overlap: Duration::from_secs(600),
            logs_per_pass: 200,
            budget: Duration::from_secs(45),
            metadata_max_age: Duration::from_secs(3600),
            deep_every: Duration::from_secs(3600),
            deep_window: Duration::from_secs(86_400),
            graphs_per_pass: 50,
            meeting: None,
            progress: None,
        }
    }
}

/// Runs one pass at `now` (Unix seconds). What it wrote before a failure stays written
/// (each batch is its own transaction), and the pass is recorded either way.
pub async fn run_pass(
    client: &Client,
    store: &Store,
    opts: &SyncOptions,
    now: i64,
) -> Result<PassSummary, SyncError> {
    if opts.since.is_some_and(|s| s > now) {
        let since = crate::alert::rfc3339(opts.since.unwrap_or_default());
        return Err(SyncError::FutureSince(since));
    }
    let lock = acquire_pass_lock(store).await?;
    let mut pass = Pass::new(client, store, opts, now).await?;
    let result = phases(&mut pass).await;
    let summary = pass.finish().await;
    let outcome = match &result {
        Ok(()) => "ok",
        Err(_) => "failed",
    };
    let message = result.as_ref().err().map(|e| e.to_string());
    let record = summary.record(now, outcome, message);
    if let Err(e) = store.record_pass(&record).await {
        tracing::warn!(error = %e, "could not record the pass");
    }
    lock.release().await;
    result.map(|()| summary)
}

/// The steps of design §4, each writing as it goes.
async fn phases(pass: &mut Pass<'_>) -> Result<(), SyncError> {
    pass.refresh_metadata().await?;
    lists::read_alerts(pass).await?;
    closes::find_closed_since(pass).await?;
    let deadline = pass.started + pass.opts.budget;
    reattribute::reattribute(pass, deadline).await?;
    logs::read_logs(pass, deadline).await?;
    graphs::read_graphs(pass, deadline).await?;
    Ok(())
}

/// Two passes never run at once on one store.
async fn acquire_pass_lock(store: &Store) -> Result<PassLock, SyncError> {
    match store.try_lock_passes().await {
        Ok(Some(held)) => Ok(held),
        Ok(None) => Err(SyncError::Busy(store.location())),
        Err(e) => Err(SyncError::Lock(e.to_string())),
    }
}

/// How long a pass has been running.
fn elapsed_past(deadline: Instant) -> bool {
    Instant::now() >= deadline
}
