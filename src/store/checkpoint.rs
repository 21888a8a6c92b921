//! A sync pass's checkpoint (design §4): a batch of alerts merged with what is stored,
//! written with the metadata learnt, the logs read and what the pass must remember,
//! in one short transaction. A pass killed between two batches keeps the first, and
//! never half of one.

use crate::graphs::MetricTarget;
use crate::mackerel::{AlertLog, Service};

use super::{HostRecord, MonitorRecord, StateKey, Store, StoreError, StoredAlert};

/// A change to what the sync remembers between passes.
#[derive(Debug, Clone, PartialEq)]
pub enum StateChange {
    Set(StateKey, String),
    Clear(StateKey),
}

/// Metadata learnt since the last batch, written with it.
#[derive(Debug, Clone, Default)]
pub struct MetadataWrite {
    /// The ids a full list of monitors held: the others (but check monitors, never
    /// listed) were deleted. Applied before the records, so that a monitor looked up
    /// one by one in the same pass is restored.
    pub listed_monitors: Option<Vec<String>>,
    /// The ids a full list of hosts in all four statuses held: the others were retired.
    pub listed_hosts: Option<Vec<String>>,
    pub monitors: Vec<MonitorRecord>,
    pub hosts: Vec<HostRecord>,
    /// What the metric monitors watch, for their alerts' graphs.
    pub metrics: Vec<MetricTarget>,
    pub services: Vec<Service>,
}

/// One checkpoint of a sync pass; see [`Store::write_checkpoint`].
#[derive(Debug, Clone, Default)]
pub struct Checkpoint {
    /// The alerts whose stored rows the merge starts from.
    pub alert_ids: Vec<String>,
    pub metadata: MetadataWrite,
    /// Alert logs read: each replaces what was stored of its alert's.
    pub logs: Vec<(String, Vec<AlertLog>)>,
    /// Alerts whose logs did not parse: set aside, tried again later.
    pub logs_aside: Vec<String>,
    pub state: Vec<StateChange>,
}

impl Store {
    /// Writes one checkpoint at `now` in one transaction. `merge` gets the stored rows
    /// of `cp.alert_ids`, read under the write lock (a webhook may have written them
    /// since the pass last looked, and what it wrote is kept), and returns the rows to
    /// write and what the caller wants to know of them.
    pub async fn write_checkpoint<T>(
        &self,
        cp: &Checkpoint,
        now: i64,
        merge: impl FnOnce(Vec<StoredAlert>) -> (Vec<StoredAlert>, T),
    ) -> Result<T, StoreError> {
        on_backend!(self, b => b.write_checkpoint(cp, now, merge).await)
    }
}
