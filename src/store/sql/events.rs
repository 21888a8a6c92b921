//! The SQL of `store::events`, compiled for each backend (see `store`).

use crate::store::{HostRecord, MarkedAlert, StoreError, Update};

use super::alerts::upsert_alerts;
use super::meta::{host_in, upsert_host};
use super::webhook_marks::{alert_with_marks, set_webhook_marks};
use super::Backend;

impl Backend {
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
