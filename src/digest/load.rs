//! Loading a digest's input with queries bounded by the window (no full scans).

use std::collections::HashSet;

use sqlx::types::Json;

use crate::store::{StateKey, Store, StoreError, StoredAlert};

use super::build::{DigestInput, HostInMaintenance};
use super::window::Window;

const RECURRING_LOOKBACK: i64 = 7 * 86_400;

/// The window query (`?1` start, `?2` end): public so a test can check its plan.
/// The unary `+` keeps SQLite from reading "opened before the window" off the
/// opened_at index, which would be most of the table; rows are sorted in Rust.
#[doc(hidden)]
pub fn meeting_sql() -> String {
    format!(
        "{}{})",
        crate::store::alerts::SELECT_ALERTS,
        meeting_branches()
    )
}

/// The three branches of the window query, after the first branch's `FROM alerts a`.
fn meeting_branches() -> String {
    let branch = crate::store::alerts::alert_object!();
    format!(
        " WHERE a.opened_at >= ?1 AND a.opened_at < ?2 \
         UNION ALL {branch} WHERE a.closed_at >= ?1 AND +a.opened_at < ?1 \
         UNION ALL {branch} WHERE a.closed_at IS NULL AND a.opened_at < ?1"
    )
}

impl Store {
    /// Alerts whose open interval meets `[start, end)`, each from an index range:
    /// opened inside; opened before and closed inside or after; opened before and still open.
    pub async fn alerts_meeting(
        &self,
        start: i64,
        end: i64,
    ) -> Result<Vec<StoredAlert>, StoreError> {
        let text: String = sqlx::query_scalar(&meeting_sql())
            .bind(start)
            .bind(end)
            .fetch_one(self.pool())
            .await?;
        let mut alerts = crate::store::alerts::decode_alerts(&text)?;
        alerts.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
        Ok(alerts)
    }

    async fn recent_pairs(
        &self,
        start: i64,
        end: i64,
    ) -> Result<HashSet<(Option<String>, Option<String>)>, StoreError> {
        let rows: Vec<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT DISTINCT monitor_id, host_id FROM alerts WHERE opened_at >= ? AND opened_at < ?")
                .bind(start)
                .bind(end)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().collect())
    }

    async fn hosts_in_maintenance(&self) -> Result<Vec<HostInMaintenance>, StoreError> {
        type Row = (
            String,
            Option<String>,
            Json<std::collections::BTreeMap<String, Vec<String>>>,
            Option<i64>,
            Option<i64>,
            i64,
        );
        // since: the newest move into maintenance after an observation of another status.
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT h.id, h.name, h.roles, \
               (SELECT max(c.observed_at) FROM host_status_changes c WHERE c.host_id = h.id AND c.status = 'maintenance' \
                  AND EXISTS (SELECT 1 FROM host_status_changes p WHERE p.host_id = h.id AND p.observed_at < c.observed_at)), \
               (SELECT max(c.observed_at) FROM host_status_changes c WHERE c.host_id = h.id AND c.status = 'maintenance'), \
               0 \
             FROM hosts h WHERE h.status = 'maintenance' AND h.is_retired = 0 AND h.gone = 0 ORDER BY h.name",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, roles, since, seen, _)| HostInMaintenance {
                name: name.unwrap_or_else(|| id.clone()),
                id,
                services: roles.0.keys().cloned().collect(),
                since,
                seen_since: seen,
            })
            .collect())
    }

    /// Everything a digest of `window` needs.
    pub async fn digest_input(
        &self,
        window: &Window,
        previous: &Window,
    ) -> Result<DigestInput, StoreError> {
        let org: Option<String> = self.state(StateKey::OrgName).await?;
        let web: Option<String> = self.state(StateKey::WebBase).await?;
        let last: Option<i64> =
            sqlx::query_scalar("SELECT max(opened_at) FROM alerts WHERE opened_at < ?")
                .bind(window.start)
                .fetch_one(self.pool())
                .await?;
        Ok(DigestInput {
            alerts: self.alerts_meeting(window.start, window.end).await?,
            previous: self.alerts_meeting(previous.start, previous.end).await?,
            recent_pairs: self
                .recent_pairs(window.start - RECURRING_LOOKBACK, window.start)
                .await?,
            maintenance: self.hosts_in_maintenance().await?,
            last_alert_before: last,
            org_url: org.zip(web).map(|(org, web)| format!("{web}/orgs/{org}")),
        })
    }
}
