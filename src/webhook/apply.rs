//! The store update of one event: one short write transaction, read and written
//! under the same lock, so a sync pass writing at the same moment is never overwritten
//! with what was read before it. Nothing is written when nothing changes.

use crate::store::meta::{host_in, upsert_host};
use crate::store::webhook_marks::{alert_with_marks, set_webhook_marks};
use crate::store::{upsert_alerts, Store, StoreError};

use super::alert::{new_row, updated_row, Row};
use super::event::{AlertEvent, EventHost, HostEventKind};
use super::host::updated_host;
use super::Received;

pub async fn alert_event(store: &Store, ev: &AlertEvent, now: i64) -> Result<Received, StoreError> {
    let id = ev.alert.id.clone();
    let mut tx = store.begin().await?;
    let stored = alert_with_marks(&mut tx, &id)
        .await?
        .map(|(alert, marks)| Row { alert, marks });
    let row = match &stored {
        Some(s) => updated_row(s, ev, now),
        None => new_row(ev, now),
    };
    let changed = stored.as_ref() != Some(&row);
    if changed {
        if stored.as_ref().map(|s| &s.alert) != Some(&row.alert) {
            upsert_alerts(&mut tx, std::slice::from_ref(&row.alert), now).await?;
        }
        set_webhook_marks(&mut tx, &id, &row.marks, now).await?;
        tx.commit().await?;
    }
    Ok(Received::AlertUpdated {
        id,
        new: stored.is_none(),
        changed,
    })
}

pub async fn host_event(
    store: &Store,
    kind: HostEventKind,
    host: &EventHost,
    now: i64,
) -> Result<Received, StoreError> {
    let mut tx = store.begin().await?;
    let stored = host_in(&mut tx, &host.id).await?;
    let updated = updated_host(stored.as_ref(), kind, host, now);
    let changed = stored.as_ref() != Some(&updated);
    if changed {
        // Keeps a line of the host's status history when the status moved.
        upsert_host(&mut tx, &updated, now).await?;
        tx.commit().await?;
    }
    Ok(Received::HostUpdated {
        id: host.id.clone(),
        changed,
    })
}
