//! Recording outcomes: every review is kept (design §8, "reviews are history");
//! the newest one per alert is its outcome.

use std::collections::HashMap;

use serde::Serialize;

use super::{Outcome, ReviewError};
use crate::alert::rfc3339;
use crate::digest::Window;
use crate::store::{NewReview, ReviewRow, Store, StoreError, StoredAlert};

/// A review as the alert object and `POST /api/reviews` show it (design §7).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewView {
    #[serde(skip)]
    pub alert_id: String,
    pub outcome: Outcome,
    pub note: Option<String>,
    pub by: Option<String>,
    pub at: String,
}

/// A recorded review with its alert id, as `POST /api/reviews` and
/// `review --format json` answer (`{"reviews": [...]}`).
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub alert_id: String,
    #[serde(flatten)]
    pub review: ReviewView,
}

impl From<ReviewView> for Recorded {
    fn from(review: ReviewView) -> Self {
        Recorded {
            alert_id: review.alert_id.clone(),
            review,
        }
    }
}

/// A stored review as the alert object shows it; `None` for an outcome this build
/// does not know.
fn view(row: ReviewRow) -> Option<ReviewView> {
    Some(ReviewView {
        outcome: Outcome::parse(&row.outcome).ok()?,
        alert_id: row.alert_id,
        note: row.note,
        by: row.reviewer,
        at: rfc3339(row.reviewed_at),
    })
}

/// Records `outcome` for every alert in `ids`, all or nothing: an unknown id
/// changes nothing. A review without a note keeps no note.
pub async fn record(
    store: &Store,
    ids: &[String],
    outcome: Outcome,
    note: Option<&str>,
    by: Option<&str>,
    now: i64,
) -> Result<Vec<ReviewView>, ReviewError> {
    let ids = distinct(ids);
    if ids.is_empty() {
        return Err(ReviewError::NoAlerts);
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let by = reviewer(by);
    let review = NewReview {
        outcome: outcome.as_str(),
        note,
        by,
        at: now,
    };
    let unknown = store.add_reviews(&ids, review).await?;
    if !unknown.is_empty() {
        return Err(ReviewError::UnknownAlerts(unknown));
    }
    Ok(ids
        .into_iter()
        .map(|alert_id| ReviewView {
            alert_id,
            outcome,
            note: note.map(str::to_owned),
            by: by.map(str::to_owned),
            at: rfc3339(now),
        })
        .collect())
}

/// The ids in their first order, each once.
pub(crate) fn distinct(ids: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && seen.insert(s.clone()))
        .collect()
}

/// Who wrote a review; a blank name is none.
pub(crate) fn reviewer(by: Option<&str>) -> Option<&str> {
    by.map(str::trim).filter(|b| !b.is_empty())
}

/// The outcome of every reviewed alert (the newest review each). Reviews are
/// written by people, so there are few enough to hold in memory.
pub async fn latest_reviews(store: &Store) -> Result<HashMap<String, ReviewView>, StoreError> {
    Ok(store
        .latest_reviews()
        .await?
        .into_iter()
        .filter_map(view)
        .map(|v| (v.alert_id.clone(), v))
        .collect())
}

/// The latest review of each of these alerts.
pub async fn latest_reviews_of(
    store: &Store,
    ids: &[&str],
) -> Result<HashMap<String, ReviewView>, StoreError> {
    Ok(store
        .latest_reviews_of(ids)
        .await?
        .into_iter()
        .filter_map(view)
        .map(|v| (v.alert_id.clone(), v))
        .collect())
}

/// Every review of one alert, newest first.
pub async fn history(store: &Store, alert_id: &str) -> Result<Vec<ReviewView>, StoreError> {
    let rows = store.reviews_of(alert_id).await?;
    Ok(rows.into_iter().filter_map(view).collect())
}

/// The alerts of a meeting's window that have no outcome yet, oldest first.
pub async fn pending(store: &Store, window: &Window) -> Result<Vec<StoredAlert>, ReviewError> {
    let reviewed = latest_reviews(store).await?;
    let alerts = store.alerts_meeting(window.start, window.end).await?;
    Ok(alerts
        .into_iter()
        .filter(|a| !reviewed.contains_key(&a.id))
        .collect())
}

/// The ids of a digest's monitor group: the alerts of one monitor (id or name)
/// on one host (id or name; every host when `None`) in a meeting's window.
pub async fn group_ids(
    store: &Store,
    window: &Window,
    monitor: &str,
    host: Option<&str>,
) -> Result<Vec<String>, ReviewError> {
    let same = |id: &Option<String>, name: &Option<String>, wanted: &str| {
        id.as_deref() == Some(wanted) || name.as_deref() == Some(wanted)
    };
    let ids: Vec<String> = store
        .alerts_meeting(window.start, window.end)
        .await?
        .into_iter()
        .filter(|a| same(&a.monitor_id, &a.monitor_name, monitor))
        .filter(|a| host.is_none_or(|h| same(&a.host_id, &a.host_name, h)))
        .map(|a| a.id)
        .collect();
    if ids.is_empty() {
        let on = host.map(|h| format!(" on host {h:?}")).unwrap_or_default();
        return Err(ReviewError::NoMatch(format!(
            "no alerts of monitor {monitor:?}{on} in the window {} to {}; nothing was recorded",
            window.local(window.start).to_rfc3339(),
            window.local(window.end).to_rfc3339()
        )));
    }
    Ok(ids)
}
