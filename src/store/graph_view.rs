//! One alert with its stored series, as a graph is drawn from it.

use super::{Store, StoreError};

/// An alert and what is stored of its series (the `g_*` fields are `None` when
/// its monitor type has none, or nothing was read yet).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredGraph {
    pub alert_id: String,
    pub kind: String,
    pub monitor_name: Option<String>,
    pub host_name: Option<String>,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    /// wanted, partial, kept, absent or failed (see the migration).
    pub state: Option<String>,
    pub reason: Option<String>,
    pub points: Option<Vec<u8>>,
    pub from_at: Option<i64>,
    pub to_at: Option<i64>,
    pub service: Option<String>,
    pub metric: Option<String>,
    /// The thresholds the alert fired against when its webhook said them, else
    /// the monitor's at the first read of the series.
    pub operator: Option<String>,
    pub warning: Option<f64>,
    pub critical: Option<f64>,
}

impl Store {
    /// The alert `alert_id` and its stored series; `None` when there is no such alert.
    pub async fn graph_of(&self, alert_id: &str) -> Result<Option<StoredGraph>, StoreError> {
        on_backend!(self, b => b.graph_of(alert_id).await)
    }

    /// The alerts of `ids` with their stored series, in no order; an id that is
    /// no alert is left out. One read for a page of graphs, not one each.
    pub async fn graphs_of(&self, ids: &[&str]) -> Result<Vec<StoredGraph>, StoreError> {
        on_backend!(self, b => b.graphs_of(ids).await)
    }

    /// Which of `ids` have a series stored (what [`Store::graph_of`] would draw
    /// from): one read for a heavy day's tens of thousands of alerts, not one each.
    pub async fn alerts_with_series(
        &self,
        ids: &[&str],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        on_backend!(self, b => b.alerts_with_series(ids).await)
    }
}
