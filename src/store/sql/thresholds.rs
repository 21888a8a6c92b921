//! The SQL of `store::thresholds`, compiled for each backend (see `store`).

use std::collections::HashMap;

use crate::store::{StoreError, Threshold};

use super::{Backend, Conn};

/// The statements of [`Backend::save_thresholds`], inside its transaction.
async fn save_thresholds_in(
    conn: &mut Conn,
    list: &[Threshold],
    now: i64,
) -> Result<(), StoreError> {
    for t in list {
        sqlx::query(
            "INSERT INTO monitor_thresholds (monitor_id, operator, warning, critical, fetched_at) VALUES ($1, $2, $3, $4, $5) \
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

impl Backend {
    pub async fn save_thresholds(&self, list: &[Threshold], now: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        save_thresholds_in(&mut tx, list, now).await?;
        tx.commit().await?;
        Ok(())
    }

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
