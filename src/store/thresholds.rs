//! Thresholds of threshold monitors, as last read from Mackerel: what the monitor
//! report's what-if uses when Mackerel cannot be asked.

use std::collections::HashMap;

use serde::Serialize;

use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Threshold {
    pub monitor_id: String,
    /// `>` or `<`: an alert fires when the value is beyond the threshold that way.
    pub operator: Option<String>,
    pub warning: Option<f64>,
    pub critical: Option<f64>,
}

impl Store {
    /// Stores these thresholds (replacing what was known of those monitors).
    pub async fn save_thresholds(&self, list: &[Threshold], now: i64) -> Result<(), StoreError> {
        on_backend!(self, b => b.save_thresholds(list, now).await)
    }

    /// The stored thresholds, by monitor id.
    pub async fn thresholds(&self) -> Result<HashMap<String, Threshold>, StoreError> {
        on_backend!(self, b => b.thresholds().await)
    }
}
