//! The thresholds of threshold monitors (host metric, service metric, expression),
//! kept for the monitor report's what-if. Read fresh from Mackerel when the report
//! can; otherwise the ones stored by the last read are used, and the report says so.

use crate::mackerel::{Client, MackerelError, Monitor, MonitorKind};
pub use crate::store::Threshold;
use crate::store::{Store, StoreError};

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

/// Reads the monitors list once (one request) and stores their thresholds.
pub async fn refresh(store: &Store, client: &Client, now: i64) -> Result<usize, RefreshError> {
    let list: Vec<Threshold> = client
        .monitors()
        .await?
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|m| of(&m))
        .collect();
    store.save_thresholds(&list, now).await?;
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
