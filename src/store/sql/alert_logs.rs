//! The SQL of `store::alert_logs`, compiled for each backend (see `store`).

use crate::store::StoredLog;

use super::{Backend, StoreError};

impl Backend {
    pub async fn alert_logs(&self, alert_id: &str) -> Result<Vec<StoredLog>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT created_at, status, trigger, target_value FROM alert_logs WHERE alert_id = $1 ORDER BY seq",
        )
        .bind(alert_id)
        .fetch_all(self.pool())
        .await?)
    }
}
