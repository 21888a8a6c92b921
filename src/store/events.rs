//! The store updates of webhook events: each one short write transaction that reads
//! and writes under the same lock, so a sync pass writing at the same moment is never
//! overwritten with what was read before it. Nothing is written when nothing changes.

use super::webhook_marks::MarkedAlert;
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
        on_backend!(self, b => b.update_marked_alert(id, now, update).await)
    }

    /// Updates host `id` to what `update` makes of the stored one, keeping a line of
    /// its status history when the status moved.
    pub async fn update_host(
        &self,
        id: &str,
        now: i64,
        update: impl FnOnce(Option<&HostRecord>) -> HostRecord,
    ) -> Result<Update, StoreError> {
        on_backend!(self, b => b.update_host(id, now, update).await)
    }
}
