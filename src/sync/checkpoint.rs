//! A pass in progress, and its checkpoints: each batch of alerts it read is merged
//! with the store and written, with what the pass must remember, in one short
//! transaction (`Store::write_checkpoint`). A pass killed between two batches keeps
//! the first; never half of one.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use super::metadata::Metadata;
use super::{merge, PassSummary, SyncError, SyncOptions};
use crate::mackerel::{Alert, Client};
use crate::store::{Checkpoint, StateChange, StateKey, Store, StoredAlert};

pub(super) struct Pass<'a> {
    pub client: &'a Client,
    pub store: &'a Store,
    pub opts: &'a SyncOptions,
    pub now: i64,
    pub started: Instant,
    pub meta: Metadata,
    pub web_base: String,
    /// Alerts some list of this pass showed open: they did not close unseen.
    pub seen_open: HashSet<String>,
    pub summary: PassSummary,
    requests_before: u64,
}

impl<'a> Pass<'a> {
    pub async fn new(
        client: &'a Client,
        store: &'a Store,
        opts: &'a SyncOptions,
        now: i64,
    ) -> Result<Pass<'a>, SyncError> {
        Ok(Pass {
            client,
            store,
            opts,
            now,
            started: Instant::now(),
            meta: Metadata::load(store).await?,
            web_base: client.web_base(),
            seen_open: HashSet::new(),
            summary: PassSummary::default(),
            requests_before: client.request_count(),
        })
    }

    /// Step 1: metadata, when stale; written at once so later batches need not.
    pub async fn refresh_metadata(&mut self) -> Result<(), SyncError> {
        let max_age = self.opts.metadata_max_age.as_secs() as i64;
        if self.meta.is_stale(self.now, max_age) {
            self.meta.refresh(self.client).await?;
        }
        self.write(
            Vec::new(),
            Vec::new(),
            vec![StateChange::Set(StateKey::WebBase, self.web_base.clone())],
        )
        .await
    }

    /// Writes a batch: `alerts` as Mackerel gave them, `gone` ids Mackerel answered
    /// 404 for, and what the pass must remember with them.
    pub async fn write(
        &mut self,
        alerts: Vec<Alert>,
        gone: Vec<String>,
        remember: Vec<StateChange>,
    ) -> Result<(), SyncError> {
        self.meta.resolve(self.client, &alerts).await?;
        let (metadata, mut state) = self.meta.take_writes(self.now);
        state.extend(remember);
        let checkpoint = Checkpoint {
            alert_ids: alerts
                .iter()
                .map(|a| a.id.clone())
                .chain(gone.iter().cloned())
                .collect(),
            metadata,
            state,
            ..Checkpoint::default()
        };
        let batch = Batch {
            alerts: &alerts,
            gone: &gone,
            meta: &self.meta,
            web_base: &self.web_base,
            now: self.now,
        };
        let (new, changed) = self
            .store
            .write_checkpoint(&checkpoint, self.now, |stored| batch.merge(stored))
            .await?;
        self.summary.new_alerts += new;
        self.summary.changed += changed - new;
        Ok(())
    }

    /// The summary of the pass, with what it leaves for the next ones counted from the store.
    pub async fn finish(mut self) -> PassSummary {
        self.summary.requests = self.client.request_count() - self.requests_before;
        self.summary.skipped += self.meta.skipped;
        self.summary.metadata_failures = std::mem::take(&mut self.meta.failures);
        let store = self.store;
        if let Ok(n) = store.count_alerts_wanting_logs(self.now).await {
            self.summary.logs_left = n as u64;
        }
        if let Ok(n) = store.count_alerts_pending_attribution().await {
            self.summary.attribution_left = n as u64;
        }
        if let Ok(n) = store.count_graphs_due(self.now).await {
            self.summary.graphs_left = n as u64;
        }
        if let Ok(h) = store.state_time(StateKey::BackfillHorizon).await {
            self.summary.backfill_left = h;
        }
        self.summary
    }
}

/// A batch as the pass read it, and what it is merged with.
struct Batch<'a> {
    alerts: &'a [Alert],
    gone: &'a [String],
    meta: &'a Metadata,
    web_base: &'a str,
    now: i64,
}

impl Batch<'_> {
    /// The rows to write, made from the `stored` ones, and how many are new and
    /// how many written in all.
    fn merge(&self, stored: Vec<StoredAlert>) -> (Vec<StoredAlert>, (usize, usize)) {
        let existing: HashMap<String, StoredAlert> =
            stored.into_iter().map(|a| (a.id.clone(), a)).collect();
        let mut rows: HashMap<String, StoredAlert> = HashMap::with_capacity(existing.len());
        for a in self.alerts {
            let row = merge::merge(existing.get(&a.id), a, self.meta, self.web_base);
            rows.insert(a.id.clone(), row);
        }
        for id in self.gone {
            if let Some(e) = existing.get(id) {
                rows.insert(id.clone(), merge::gone(e, self.now));
            }
        }
        let changed = changed_rows(rows, &existing);
        let new = changed
            .iter()
            .filter(|r| !existing.contains_key(&r.id))
            .count();
        let written = changed.len();
        (changed, (new, written))
    }
}

/// The rows that differ from the store, in time order, so that rows and index
/// entries are appended rather than scattered.
fn changed_rows(
    rows: HashMap<String, StoredAlert>,
    existing: &HashMap<String, StoredAlert>,
) -> Vec<StoredAlert> {
    let mut changed: Vec<StoredAlert> = rows
        .into_values()
        .filter(|r| existing.get(&r.id) != Some(r))
        .collect();
    changed.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
    changed
}
