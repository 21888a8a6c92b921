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
        Ok(sqlx::query_as(
            "SELECT a.id AS alert_id, a.type AS kind, coalesce(a.monitor_name, m.name) AS monitor_name, \
             a.host_name, a.opened_at, a.closed_at, g.state, g.reason, g.points, g.from_at, g.to_at, \
             g.service, g.metric, \
             CASE WHEN t.alert_id IS NULL THEN g.operator ELSE coalesce(t.operator, g.operator) END AS operator, \
             CASE WHEN t.alert_id IS NULL THEN g.warning ELSE t.warning END AS warning, \
             CASE WHEN t.alert_id IS NULL THEN g.critical ELSE t.critical END AS critical \
             FROM alerts a LEFT JOIN alert_graphs g ON g.alert_id = a.id \
             LEFT JOIN alert_thresholds t ON t.alert_id = a.id \
             LEFT JOIN monitors m ON m.id = a.monitor_id WHERE a.id = ?",
        )
        .bind(alert_id)
        .fetch_optional(self.pool())
        .await?)
    }
}
