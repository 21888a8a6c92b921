//! Small facts the sync keeps between passes, each under one named key.

use super::{Store, StoreError};

/// The keys of `sync_state`; nothing else names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateKey {
    /// Newest `openedAt` below which the alert list has been read completely.
    HighWaterMark,
    /// An unfinished read of the alert list: how far back it must reach...
    BackfillHorizon,
    /// ...the `nextId` it resumes from (absent: from the top)...
    BackfillCursor,
    /// ...and the newest `openedAt` it saw, the high-water mark once it is complete.
    BackfillTop,
    /// The organisation's name, for links to Mackerel's pages.
    OrgName,
    /// Where Mackerel's web pages are.
    WebBase,
    /// When every metadata list was last read successfully.
    MetadataRefreshedAt,
    /// When a read of the list that reached back `[sync] deep_window` was complete.
    DeepReadAt,
    /// The highest alert rowid whose graph has been queued (see `store::graphs`).
    GraphsQueuedTo,
}

impl StateKey {
    pub fn as_str(self) -> &'static str {
        match self {
            StateKey::HighWaterMark => "high_water_mark",
            StateKey::BackfillHorizon => "backfill_horizon",
            StateKey::BackfillCursor => "backfill_cursor",
            StateKey::BackfillTop => "backfill_top",
            StateKey::OrgName => "org_name",
            StateKey::WebBase => "web_base",
            StateKey::MetadataRefreshedAt => "metadata_refreshed_at",
            StateKey::DeepReadAt => "deep_read_at",
            StateKey::GraphsQueuedTo => "graphs_queued_to",
        }
    }
}

impl Store {
    /// A value the sync keeps between passes.
    pub async fn state(&self, key: StateKey) -> Result<Option<String>, StoreError> {
        on_backend!(self, b => b.state(key).await)
    }

    /// A value kept as a number (a time); `None` when absent or not a number.
    pub async fn state_time(&self, key: StateKey) -> Result<Option<i64>, StoreError> {
        on_backend!(self, b => b.state_time(key).await)
    }
}
