//! The thresholds an alert fired against, from its webhook (design §12): what its
//! graph draws in place of the monitor's as read later.

use super::{Store, StoreError};

/// A monitor's thresholds as one alert's webhook gave them.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertThresholds {
    /// `>` or `<`.
    pub operator: Option<String>,
    pub warning: Option<f64>,
    pub critical: Option<f64>,
}

impl Store {
    /// Keeps the thresholds alert `id` fired against (the first webhook's: an alert
    /// opens against one setting). Nothing is kept for an alert not stored.
    pub async fn keep_alert_thresholds(
        &self,
        id: &str,
        t: &AlertThresholds,
        now: i64,
    ) -> Result<(), StoreError> {
        on_backend!(self, b => b.keep_alert_thresholds(id, t, now).await)
    }
}
