//! Loading a digest's input with queries bounded on both sides by the window
//! (no full scans, whatever the date).

use std::collections::HashMap;

use crate::alert::Counts;

use super::{Store, StoreError, StoredAlert};

/// A (monitor, host) pair: what "the same alert again" means.
pub type Pair = (Option<String>, Option<String>);

/// Counts of earlier alerts stop here: "100+× in 7 d" says enough, and a monitor
/// that fired thousands of times that week costs no more to count.
pub const FIRED_BEFORE_CAP: i64 = 100;

/// A host in maintenance, as the store knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HostInMaintenance {
    pub id: String,
    pub name: String,
    pub services: Vec<String>,
    pub since: Option<i64>,
    pub seen_since: Option<i64>,
    /// Only known to be in maintenance from an observation after the window.
    pub after_window: bool,
}

/// How the window query reaches alerts opened before the window that closed in or after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Through the closed_at index: alerts closed since the window's start (few for a recent window).
    ByClose,
    /// Through the opened_at index: alerts opened at most the longest alert duration
    /// before the start (few for an old window, where "closed since" is most of the table).
    ByOpen,
}

impl Reach {
    /// The narrower of the two index ranges: alerts closed from `start` to the
    /// latest close, or alerts opened in the longest duration before `start`.
    pub fn choose(start: i64, longest: i64, latest_close: i64) -> Reach {
        if latest_close.saturating_sub(start) < longest {
            Reach::ByClose
        } else {
            Reach::ByOpen
        }
    }
}

impl Store {
    /// Alerts whose open interval meets `[start, end)`, each from an index range:
    /// opened inside; opened before and closed inside or after; opened before and still open.
    pub async fn alerts_meeting(
        &self,
        start: i64,
        end: i64,
    ) -> Result<Vec<StoredAlert>, StoreError> {
        on_backend!(self, b => b.alerts_meeting(start, end).await)
    }

    /// Hosts in maintenance at the window's end as observed then (the latest status
    /// change seen by then), and, for a current window, hosts in maintenance now
    /// that were not seen so during the window.
    pub async fn hosts_in_maintenance(
        &self,
        end: i64,
        current: bool,
    ) -> Result<Vec<HostInMaintenance>, StoreError> {
        on_backend!(self, b => b.hosts_in_maintenance(end, current).await)
    }

    /// The alerts meeting `[start, end)`, in no particular order (the digest sorts).
    pub async fn window_alerts(
        &self,
        start: i64,
        end: i64,
    ) -> Result<Vec<StoredAlert>, StoreError> {
        on_backend!(self, b => b.window_alerts(start, end).await)
    }

    /// The alerts meeting `[start, end)`, per state at `end`, counted in SQL.
    pub async fn window_counts(&self, start: i64, end: i64) -> Result<Counts, StoreError> {
        on_backend!(self, b => b.window_counts(start, end).await)
    }

    /// How many alerts each of `pairs` (each given once) had open at some time in
    /// `[start, end)`.
    pub async fn pairs_open_within(
        &self,
        start: i64,
        end: i64,
        pairs: &[[Option<&str>; 2]],
    ) -> Result<HashMap<Pair, i64>, StoreError> {
        on_backend!(self, b => b.pairs_open_within(start, end, pairs).await)
    }

    /// When the newest alert opened before `t` opened.
    pub async fn last_opening_before(&self, t: i64) -> Result<Option<i64>, StoreError> {
        on_backend!(self, b => b.last_opening_before(t).await)
    }

    /// `https://mackerel.io/orgs/ORG`, once a pass has read the organisation.
    pub async fn org_url(&self) -> Result<Option<String>, StoreError> {
        on_backend!(self, b => b.org_url().await)
    }
}

#[cfg(test)]
mod tests {
    use super::Reach;

    #[test]
    fn the_window_reaches_back_through_the_narrower_index() {
        let day = 86_400;
        // Closed since the start: one day of alerts; opened within the longest
        // duration before it: three days.
        assert_eq!(Reach::choose(10 * day, 3 * day, 11 * day), Reach::ByClose);
        // Two years of closes against three days of openings.
        assert_eq!(Reach::choose(10 * day, 3 * day, 740 * day), Reach::ByOpen);
        // An empty store has no latest close.
        assert_eq!(Reach::choose(10 * day, 0, i64::MIN), Reach::ByClose);
    }
}
