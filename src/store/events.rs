//! The store updates of webhook events: each one short write transaction that reads
//! and writes under the same lock, so a sync pass writing at the same moment is never
//! overwritten with what was read before it. Nothing is written when nothing changes.

use super::alerts::upsert_alerts;
use super::meta::{host_in, upsert_host};
use super::webhook_marks::{alert_with_marks, set_webhook_marks, MarkedAlert};
use super::{HostRecord, Store, StoreError};

/// What an update found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Update {
    /// The row was stored before.
    pub existed: bool,
    /// Something was written.
    pub changed: bool,
}

impl Store {
    /// Updates alert `id` (with its webhook marks) to what `update` makes of the stored
    /// one (`None`: not stored yet). The row is rewritten only when it differs; the
    /// marks whenever anything does.
    pub async fn update_marked_alert(
        &self,
        id: &str,
        now: i64,
        update: impl FnOnce(Option<&MarkedAlert>) -> MarkedAlert,
    ) -> Result<Update, StoreError> {
        let mut tx = self.begin().await?;
        let stored = alert_with_marks(&mut tx, id).await?;
        let row = update(stored.as_ref());
        let changed = stored.as_ref() != Some(&row);
        if changed {
            if stored.as_ref().map(|s| &s.alert) != Some(&row.alert) {
                upsert_alerts(&mut tx, std::slice::from_ref(&row.alert), now).await?;
            }
            set_webhook_marks(&mut tx, id, &row.marks, now).await?;
            tx.commit().await?;
        }
        Ok(Update {
            existed: stored.is_some(),
            changed,
        })
    }

    /// Updates host `id` to what `update` makes of the stored one, keeping a line of
    /// its status history when the status moved.
    pub async fn update_host(
        &self,
        id: &str,
        now: i64,
        update: impl FnOnce(Option<&HostRecord>) -> HostRecord,
    ) -> Result<Update, StoreError> {
        let mut tx = self.begin().await?;
        let stored = host_in(&mut tx, id).await?;
        let updated = update(stored.as_ref());
        let changed = stored.as_ref() != Some(&updated);
        if changed {
            upsert_host(&mut tx, &updated, now).await?;
            tx.commit().await?;
        }
        Ok(Update {
            existed: stored.is_some(),
            changed,
        })
    }
}
