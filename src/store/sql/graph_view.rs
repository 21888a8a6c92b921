//! The SQL of `store::graph_view`, compiled for each backend (see `store`).

use crate::store::{StoreError, StoredGraph};

use super::dialect::{each, indexed_by, CROSS_JOIN};
use super::Backend;

/// An alert with its stored graph, as [`StoredGraph`] reads it; `WHERE` follows.
const SELECT_GRAPH: &str =
    "SELECT a.id AS alert_id, a.type AS kind, coalesce(a.monitor_name, m.name) AS monitor_name, \
     a.host_name, a.opened_at, a.closed_at, g.state, g.reason, g.points, g.from_at, g.to_at, \
     g.service, g.metric, \
     CASE WHEN t.alert_id IS NULL THEN g.operator ELSE coalesce(t.operator, g.operator) END AS operator, \
     CASE WHEN t.alert_id IS NULL THEN g.warning ELSE t.warning END AS warning, \
     CASE WHEN t.alert_id IS NULL THEN g.critical ELSE t.critical END AS critical \
     FROM alerts a LEFT JOIN alert_graphs g ON g.alert_id = a.id \
     LEFT JOIN alert_thresholds t ON t.alert_id = a.id \
     LEFT JOIN monitors m ON m.id = a.monitor_id ";

impl Backend {
    pub async fn graph_of(&self, alert_id: &str) -> Result<Option<StoredGraph>, StoreError> {
        Ok(sqlx::query_as(&format!("{SELECT_GRAPH} WHERE a.id = $1"))
            .bind(alert_id)
            .fetch_optional(self.pool())
            .await?)
    }

    pub async fn graphs_of(&self, ids: &[&str]) -> Result<Vec<StoredGraph>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "{SELECT_GRAPH} WHERE a.id IN (SELECT j.value FROM {})",
            each("$1", "j")
        ))
        .bind(sqlx::types::Json(ids))
        .fetch_all(self.pool())
        .await?)
    }

    /// Which of `ids` have a graph with a series, from the partial index of them
    /// (migration 0029) without reading a graph's row.
    pub async fn alerts_with_series(
        &self,
        ids: &[&str],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut out = std::collections::HashSet::new();
        for chunk in ids.chunks(5_000) {
            let found: Vec<String> = sqlx::query_scalar(&format!(
                // The ids drive: each one a lookup of the index.
                "SELECT g.alert_id FROM {} {CROSS_JOIN} alert_graphs g{} \
                 ON g.alert_id = j.value WHERE g.points IS NOT NULL",
                each("$1", "j"),
                indexed_by("alert_graphs_with_series")
            ))
            .bind(sqlx::types::Json(chunk))
            .fetch_all(self.pool())
            .await?;
            out.extend(found);
        }
        Ok(out)
    }
}
