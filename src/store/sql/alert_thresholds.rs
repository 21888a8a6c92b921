//! The SQL of `store::alert_thresholds`, compiled for each backend (see `store`).

use crate::store::AlertThresholds;

use super::{Backend, StoreError};

impl Backend {
    pub async fn keep_alert_thresholds(
        &self,
        id: &str,
        t: &AlertThresholds,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO alert_thresholds (alert_id, operator, warning, critical, seen_at) \
             SELECT id, $1, $2, $3, $4 FROM alerts WHERE id = $5 \
             ON CONFLICT (alert_id) DO NOTHING",
        )
        .bind(&t.operator)
        .bind(t.warning)
        .bind(t.critical)
        .bind(now)
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(())
    }
}
