//! The thresholds of threshold monitors (host metric, service metric, expression),
//! kept for the monitor report's what-if. Read fresh from Mackerel when the report
//! can; otherwise the ones stored by the last read are used, and the report says so.

use std::collections::HashMap;

use serde::Serialize;

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
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
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
