//! The record of every sync pass: when, how many requests, what changed, how it ended.

use super::{Store, StoreError};

#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct PassRecord {
    pub started_at: i64,
    pub finished_at: i64,
    pub requests: i64,
    pub new_alerts: i64,
    pub changed: i64,
    pub skipped: i64,
    pub logs_read: i64,
    pub outcome: String,
    pub message: Option<String>,
    /// Alert logs still to read after this pass.
    pub logs_left: i64,
    /// The horizon of a backfill this pass left unfinished.
    pub backfill_left: Option<i64>,
    /// Alerts still waiting for their metadata.
    pub attribution_left: i64,
}

impl Store {
    /// Records a pass on its own.
    pub async fn record_pass(&self, p: &PassRecord) -> Result<(), StoreError> {
        on_backend!(self, b => b.record_pass(p).await)
    }

    /// The newest pass that succeeded.
    pub async fn last_good_pass(&self) -> Result<Option<PassRecord>, StoreError> {
        on_backend!(self, b => b.last_good_pass().await)
    }

    /// The passes, newest first.
    pub async fn passes(&self, limit: u32) -> Result<Vec<PassRecord>, StoreError> {
        on_backend!(self, b => b.passes(limit).await)
    }
}
