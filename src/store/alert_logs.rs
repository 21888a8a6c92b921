//! An alert's status history as Mackerel's logs told it (written by sync with
//! [`replace_logs`](super::alerts::replace_logs)).

use super::{Store, StoreError};

/// One entry of an alert's logs.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredLog {
    pub created_at: i64,
    pub status: String,
    pub trigger: String,
    pub target_value: Option<f64>,
}

impl Store {
    /// The logs of one alert, in Mackerel's order.
    pub async fn alert_logs(&self, alert_id: &str) -> Result<Vec<StoredLog>, StoreError> {
        on_backend!(self, b => b.alert_logs(alert_id).await)
    }
}
