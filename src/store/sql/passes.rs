//! The SQL of `store::passes`, compiled for each backend (see `store`).

use crate::store::{PassRecord, StoreError};

use super::{Backend, Conn};

async fn record_pass(conn: &mut Conn, p: &PassRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sync_passes (started_at, finished_at, requests, new_alerts, changed, skipped, logs_read, outcome, message, \
         logs_left, backfill_left, attribution_left) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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

impl Backend {
    pub async fn record_pass(&self, p: &PassRecord) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        record_pass(&mut conn, p).await
    }

    pub async fn last_good_pass(&self) -> Result<Option<PassRecord>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT started_at, finished_at, requests, new_alerts, changed, skipped, logs_read, outcome, message, \
             logs_left, backfill_left, attribution_left FROM sync_passes WHERE outcome = 'ok' ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn passes(&self, limit: u32) -> Result<Vec<PassRecord>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT started_at, finished_at, requests, new_alerts, changed, skipped, logs_read, outcome, message, \
             logs_left, backfill_left, attribution_left \
             FROM sync_passes ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }
}
