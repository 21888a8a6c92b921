//! The record of every sync pass: when, how many requests, what changed, how it ended.

use sqlx::SqliteConnection;

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

async fn record_pass(conn: &mut SqliteConnection, p: &PassRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sync_passes (started_at, finished_at, requests, new_alerts, changed, skipped, logs_read, outcome, message, \
         logs_left, backfill_left, attribution_left) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(p.started_at)
    .bind(p.finished_at)
    .bind(p.requests)
    .bind(p.new_alerts)
    .bind(p.changed)
    .bind(p.skipped)
    .bind(p.logs_read)
    .bind(&p.outcome)
    .bind(&p.message)
    .bind(p.logs_left)
    .bind(p.backfill_left)
    .bind(p.attribution_left)
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// Records a pass on its own.
    pub async fn record_pass(&self, p: &PassRecord) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        record_pass(&mut conn, p).await
    }

    /// The newest pass that succeeded.
    pub async fn last_good_pass(&self) -> Result<Option<PassRecord>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT started_at, finished_at, requests, new_alerts, changed, skipped, logs_read, outcome, message, \
             logs_left, backfill_left, attribution_left FROM sync_passes WHERE outcome = 'ok' ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The passes, newest first.
    pub async fn passes(&self, limit: u32) -> Result<Vec<PassRecord>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT started_at, finished_at, requests, new_alerts, changed, skipped, logs_read, outcome, message, \
             logs_left, backfill_left, attribution_left \
             FROM sync_passes ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
