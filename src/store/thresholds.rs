//! Thresholds of threshold monitors, as last read from Mackerel: what the monitor
//! report's what-if uses when Mackerel cannot be asked.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::SqliteConnection;

use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Threshold {
    pub monitor_id: String,
    /// `>` or `<`: an alert fires when the value is beyond the threshold that way.
    pub operator: Option<String>,
    pub warning: Option<f64>,
    pub critical: Option<f64>,
}

/// The statements of [`Store::save_thresholds`], inside its transaction.
async fn save_thresholds_in(
    conn: &mut SqliteConnection,
    list: &[Threshold],
    now: i64,
) -> Result<(), StoreError> {
    for t in list {
        sqlx::query(
            "INSERT INTO monitor_thresholds (monitor_id, operator, warning, critical, fetched_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (monitor_id) DO UPDATE SET operator = excluded.operator, warning = excluded.warning, \
             critical = excluded.critical, fetched_at = excluded.fetched_at",
        )
        .bind(&t.monitor_id)
        .bind(&t.operator)
        .bind(t.warning)
        .bind(t.critical)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Stores these thresholds (replacing what was known of those monitors).
    pub async fn save_thresholds(&self, list: &[Threshold], now: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        save_thresholds_in(&mut tx, list, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The stored thresholds, by monitor id.
    pub async fn thresholds(&self) -> Result<HashMap<String, Threshold>, StoreError> {
        let rows: Vec<Threshold> = sqlx::query_as(
            "SELECT monitor_id, operator, warning, critical FROM monitor_thresholds",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|t| (t.monitor_id.clone(), t))
            .collect())
    }
}
