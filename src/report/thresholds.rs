//! The thresholds of threshold monitors (host metric, service metric, expression),
//! kept for the monitor report's what-if. Read fresh from Mackerel when the report
//! can; otherwise the ones stored by the last read are used, and the report says so.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::SqliteConnection;

use crate::mackerel::{Client, MackerelError, Monitor, MonitorKind};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Threshold {
    pub monitor_id: String,
    /// `>` or `<`: an alert fires when the value is beyond the threshold that way.
    pub operator: Option<String>,
    pub warning: Option<f64>,
    pub critical: Option<f64>,
}

/// The threshold of a monitor that has one.
pub fn of(m: &Monitor) -> Option<Threshold> {
    let (operator, warning, critical) = match &m.kind {
        MonitorKind::Host(h) => (h.operator.clone(), h.warning, h.critical),
        MonitorKind::Service(s) => (s.operator.clone(), s.warning, s.critical),
        MonitorKind::Expression(e) => (e.operator.clone(), e.warning, e.critical),
        _ => return None,
    };
    Some(Threshold {
        monitor_id: m.id.clone(),
        operator,
        warning,
        critical,
    })
}

/// Stores these thresholds (replacing what was known of those monitors).
pub async fn save(store: &Store, list: &[Threshold], now: i64) -> Result<(), StoreError> {
    let mut tx = store.pool().begin().await?;
    save_in(&mut tx, list, now).await?;
    tx.commit().await?;
    Ok(())
}

/// [`save`] inside the caller's transaction: where a sync pass that reads the
/// monitors list can keep their thresholds too.
pub async fn save_in(
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

pub async fn stored(store: &Store) -> Result<HashMap<String, Threshold>, StoreError> {
    let rows: Vec<Threshold> =
        sqlx::query_as("SELECT monitor_id, operator, warning, critical FROM monitor_thresholds")
            .fetch_all(store.pool())
            .await?;
    Ok(rows
        .into_iter()
        .map(|t| (t.monitor_id.clone(), t))
        .collect())
}

/// Reads the monitors list once (one request) and stores their thresholds.
pub async fn refresh(store: &Store, client: &Client, now: i64) -> Result<usize, RefreshError> {
    let list: Vec<Threshold> = client
        .monitors()
        .await?
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|m| of(&m))
        .collect();
    save(store, &list, now).await?;
    Ok(list.len())
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(transparent)]
    Mackerel(#[from] MackerelError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monitor(v: serde_json::Value) -> Monitor {
        Monitor::from_json(v).unwrap()
    }

    #[test]
    fn host_service_and_expression_monitors_have_thresholds_others_none() {
        let expr = monitor(
            serde_json::json!({"id": "e", "type": "expression", "name": "load",
            "expression": "avg(roleSlots(\"blog:app\",\"loadavg5\"))", "operator": ">", "warning": 5.0, "critical": 10.0}),
        );
        assert_eq!(
            of(&expr),
            Some(Threshold {
                monitor_id: "e".into(),
                operator: Some(">".into()),
                warning: Some(5.0),
                critical: Some(10.0)
            })
        );
        let service = monitor(
            serde_json::json!({"id": "s", "type": "service", "service": "blog",
            "metric": "5xx", "operator": ">", "warning": 1.0}),
        );
        assert_eq!(of(&service).unwrap().critical, None);
        let ping = monitor(serde_json::json!({"id": "c", "type": "connectivity"}));
        assert_eq!(of(&ping), None);
    }
}
