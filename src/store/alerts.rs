//! Alerts in the store: the write side used by sync, the read side used by lookup and digest.

use crate::alert::State;

use super::{Store, StoreError};

pub use crate::alert::StoredAlert;

/// Filters of `asakai alerts` (design §7); every one is optional.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Any of these services; `"(no service)"` matches alerts without one.
    pub services: Vec<String>,
    /// Monitor id, or part of its name (case-insensitive).
    pub monitor: Option<String>,
    /// Host id, or part of its name (case-insensitive).
    pub host: Option<String>,
    pub state: Option<State>,
    pub severity: Option<String>,
    /// Bounds on `opened_at`: `from <= opened_at < to`.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Text in monitor, host, message or reason.
    pub search: Option<String>,
    /// Most rows to return; `None` for all.
    pub limit: Option<u32>,
    /// Only alerts past this one in the listing's order, as `(opened_at, id)`: the next
    /// page (older ones, or newer ones with `oldest_first`).
    pub before: Option<(i64, String)>,
    /// Oldest first instead of newest first.
    pub oldest_first: bool,
}

pub const NO_SERVICE: &str = "(no service)";

impl Store {
    /// Writes these alerts as they are, in one transaction: insert or replace every
    /// field (what a copy of a store, or a test, needs; sync merges first).
    pub async fn write_alerts(&self, alerts: &[StoredAlert], now: i64) -> Result<(), StoreError> {
        on_backend!(self, b => b.write_alerts(alerts, now).await)
    }

    /// The stored alerts with these ids.
    pub async fn alerts_by_id(&self, ids: &[String]) -> Result<Vec<StoredAlert>, StoreError> {
        on_backend!(self, b => b.alerts_by_id(ids).await)
    }

    /// Ids of the alerts the store holds as open (and not gone from Mackerel).
    pub async fn open_alert_ids(&self) -> Result<Vec<String>, StoreError> {
        on_backend!(self, b => b.open_alert_ids().await)
    }

    /// Closed alerts whose logs were never read, most recently closed first: the alerts
    /// of the current and previous meetings come before older history. Logs set aside
    /// until later are left out. A close cause a webhook gave does not count as read:
    /// the logs still tell the peak severity of statuses no webhook reported.
    pub async fn alerts_wanting_logs(
        &self,
        now: i64,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        on_backend!(self, b => b.alerts_wanting_logs(now, limit).await)
    }

    /// How many alerts still want their logs read (as [`Store::alerts_wanting_logs`]).
    pub async fn count_alerts_wanting_logs(&self, now: i64) -> Result<i64, StoreError> {
        on_backend!(self, b => b.count_alerts_wanting_logs(now).await)
    }

    /// Alerts stored while their metadata could not be read, oldest first.
    pub async fn alerts_pending_attribution(
        &self,
        limit: u32,
    ) -> Result<Vec<StoredAlert>, StoreError> {
        on_backend!(self, b => b.alerts_pending_attribution(limit).await)
    }

    pub async fn count_alerts_pending_attribution(&self) -> Result<i64, StoreError> {
        on_backend!(self, b => b.count_alerts_pending_attribution().await)
    }

    pub async fn count_alerts(&self) -> Result<i64, StoreError> {
        on_backend!(self, b => b.count_alerts().await)
    }

    /// History lookup: the alerts that pass `filter`, newest first.
    pub async fn find_alerts(&self, filter: &AlertFilter) -> Result<Vec<StoredAlert>, StoreError> {
        on_backend!(self, b => b.find_alerts(filter).await)
    }
}

/// A LIKE pattern matching `text` anywhere, with LIKE's own wildcards escaped
/// (the text search of both backends).
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
