//! The store update of one event: the store reads and writes it in one short write
//! transaction (see `Store::update_marked_alert`); what the event makes of the row is
//! decided here, by the pure functions of `alert` and `host`.

use crate::store::{AlertThresholds, Store, StoreError};

use super::alert::{new_row, updated_row};
use super::event::{AlertEvent, EventHost, HostEventKind};
use super::host::updated_host;
use super::Received;

pub async fn alert_event(store: &Store, ev: &AlertEvent, now: i64) -> Result<Received, StoreError> {
    let id = ev.alert.id.clone();
    let update = store
        .update_marked_alert(&id, now, |stored| match stored {
            Some(s) => updated_row(s, ev, now),
            None => new_row(ev, now),
        })
        .await?;
    if let Some(t) = thresholds(ev) {
        store.keep_alert_thresholds(&id, &t, now).await?;
    }
    Ok(Received::AlertUpdated {
        id,
        new: !update.existed,
        changed: update.changed,
    })
}

/// The thresholds a metric alert fired against, when its webhook gives them.
fn thresholds(ev: &AlertEvent) -> Option<AlertThresholds> {
    let a = &ev.alert;
    if a.critical_threshold.is_none() && a.warning_threshold.is_none() {
        return None;
    }
    let operator = a
        .monitor_operator
        .as_deref()
        .map(str::trim)
        .filter(|o| matches!(*o, ">" | "<"))
        .map(str::to_owned);
    Some(AlertThresholds {
        operator,
        warning: a.warning_threshold.filter(|v| v.is_finite()),
        critical: a.critical_threshold.filter(|v| v.is_finite()),
    })
}

pub async fn host_event(
    store: &Store,
    kind: HostEventKind,
    host: &EventHost,
    now: i64,
) -> Result<Received, StoreError> {
    let update = store
        .update_host(&host.id, now, |stored| {
            updated_host(stored, kind, host, now)
        })
        .await?;
    Ok(Received::HostUpdated {
        id: host.id.clone(),
        changed: update.changed,
    })
}
