//! The SQL of `store::digest`, compiled for each backend (see `store`).

use std::collections::HashMap;

use sqlx::types::Json;

use crate::alert::Counts;
use crate::alert::{state_sql, State};
use crate::store::digest::{HostInMaintenance, Pair, Reach};
use crate::store::{StateKey, StoreError, StoredAlert, FIRED_BEFORE_CAP};

use super::alerts::{alert_object, alerts_where, read_alerts};
use super::dialect::{each_json, json_rows, json_value, same, UNINDEXED};
use super::Backend;

/// Slices the "opened inside the window" branch is read in, at once.
const INSIDE_SLICES: i64 = 3;

/// The three branches of "alerts whose open interval meets `[$1, $2)`", each one
/// index range, selecting `select` (which ends in `FROM alerts a`); `?3` is the
/// earliest opening such an alert can have (start minus the longest duration).
/// The dialect's `UNINDEXED` keeps SQLite off the index that would be the wider range.
fn meeting_branches(select: &str, reach: Reach) -> String {
    let [inside, before, open] = meeting_conditions(reach);
    format!(
        "{select} WHERE {inside} UNION ALL {select} WHERE {before} UNION ALL {select} WHERE {open}"
    )
}

/// The three conditions of [`meeting_branches`], each one index range.
fn meeting_conditions(reach: Reach) -> [String; 3] {
    let u = UNINDEXED;
    let before = match reach {
        Reach::ByClose => {
            format!("a.closed_at >= $1 AND {u}a.opened_at < $1 AND {u}a.opened_at >= $3")
        }
        Reach::ByOpen => format!("a.opened_at >= $3 AND a.opened_at < $1 AND {u}a.closed_at >= $1"),
    };
    [
        "a.opened_at >= $1 AND a.opened_at < $2".to_string(),
        before,
        "a.closed_at IS NULL AND a.opened_at < $1".to_string(),
    ]
}

/// The window query (`?1` start, `?2` end, `?3` earliest opening); a test checks its
/// plan (`testing::window_query`, on SQLite). Rows are sorted in Rust.
#[allow(dead_code)] // only SQLite's build of this file has a caller (the test support)
pub(crate) fn meeting_sql(reach: Reach) -> String {
    format!(
        "SELECT {} FROM ({}) AS meeting",
        json_rows!(),
        meeting_branches(&alert_object(), reach)
    )
}

/// Alerts per state at `?2` among those meeting the window, counted in SQL.
fn count_sql(reach: Reach) -> String {
    let count = |when: &str| format!("coalesce(sum(CASE WHEN {when} THEN 1 ELSE 0 END), 0)");
    let closed = |s: State| count(&format!("a.closed_at <= $2 AND {}", state_sql(s)));
    format!(
        "SELECT {}, {}, {}, {} FROM ({}) a",
        count("a.closed_at IS NULL OR a.closed_at > $2"),
        closed(State::Recovered),
        closed(State::ClosedManually),
        closed(State::ClosedBySystem),
        meeting_branches(
            "SELECT a.closed_at, a.close_cause, a.reason FROM alerts a",
            reach
        )
    )
}

/// A window's bounds as the three parameters of the meeting queries.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    start: i64,
    end: i64,
    earliest: i64,
    reach: Reach,
}

impl Backend {
    /// The longest any closed alert stayed open, or more (one row, see migration
    /// 0021), and the latest close (the end of the closed index).
    async fn extent(&self) -> Result<(i64, i64), StoreError> {
        let (longest, latest): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT (SELECT seconds FROM alerts_longest), \
                    (SELECT max(closed_at) FROM alerts WHERE closed_at IS NOT NULL)",
        )
        .fetch_one(self.pool())
        .await?;
        Ok((longest.unwrap_or(0).max(0), latest.unwrap_or(i64::MIN)))
    }

    async fn bounds(&self, start: i64, end: i64) -> Result<Bounds, StoreError> {
        let (longest, latest_close) = self.extent().await?;
        Ok(Bounds {
            start,
            end,
            earliest: start - longest,
            reach: Reach::choose(start, longest, latest_close),
        })
    }

    pub async fn alerts_meeting(
        &self,
        start: i64,
        end: i64,
    ) -> Result<Vec<StoredAlert>, StoreError> {
        let b = self.bounds(start, end).await?;
        let alerts = self.alerts_within(b).await?;
        Ok(crate::alert::sorted(
            alerts,
            |a| a.opened_at,
            |a, b| a.id.cmp(&b.id),
        ))
    }

    /// The alerts meeting `b`, in no particular order.
    async fn alerts_within(&self, b: Bounds) -> Result<Vec<StoredAlert>, StoreError> {
        // The "opened inside" branch (most of a heavy day) is read in slices of the
        // window, each on its own connection at once: one slice decodes while the
        // database reads the next (see `read_alerts`). Slices part by
        // opening time, which never changes, so reads at different moments neither
        // repeat nor lose an alert. The two branches of alerts opened before part
        // by closing, which a pass may write between two reads: they are one
        // statement, one snapshot (an alert closing between them was read twice or
        // not at all).
        let [inside, before, open] = meeting_conditions(b.reach);
        let inside = alerts_where(&[&inside]);
        let earlier = alerts_where(&[&before, &open]);
        let cuts = self.opening_cuts(b.start, b.end).await?;
        let slices = cuts.windows(2).map(|w| {
            self.branch(
                Bounds {
                    start: w[0],
                    end: w[1],
                    ..b
                },
                &inside,
            )
        });
        let (parts, mut alerts) = tokio::try_join!(
            futures_util::future::try_join_all(slices),
            self.branch(b, &earlier)
        )?;
        alerts.extend(parts.into_iter().flatten());
        Ok(alerts)
    }

    /// Opening times that cut `[start, end)` into [`INSIDE_SLICES`] ranges of about
    /// as many alerts each (alerts of one second stay together), read off the
    /// opened_at index: a heavy day's alerts are not spread evenly over its hours.
    async fn opening_cuts(&self, start: i64, end: i64) -> Result<Vec<i64>, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM alerts WHERE opened_at >= $1 AND opened_at < $2",
        )
        .bind(start)
        .bind(end)
        .fetch_one(self.pool())
        .await?;
        let mut cuts = vec![start];
        for k in 1..INSIDE_SLICES {
            let cut: Option<i64> = sqlx::query_scalar(
                "SELECT opened_at FROM alerts WHERE opened_at >= $1 AND opened_at < $2 \
                 ORDER BY opened_at LIMIT 1 OFFSET $3",
            )
            .bind(start)
            .bind(end)
            .bind(count * k / INSIDE_SLICES)
            .fetch_optional(self.pool())
            .await?;
            cuts.extend(cut.filter(|c| c > cuts.last().unwrap_or(&start)));
        }
        cuts.push(end);
        Ok(cuts)
    }

    /// The alerts a read of [`alerts_where`] (bounds as `$1`–`$3`) returns.
    async fn branch(&self, b: Bounds, sql: &str) -> Result<Vec<StoredAlert>, StoreError> {
        let query = sqlx::query(sql).bind(b.start).bind(b.end).bind(b.earliest);
        read_alerts(query, self.pool()).await
    }

    /// Alerts meeting the window, per state at its end: the previous window is
    /// only counted, so it is never loaded.
    async fn count_within(&self, b: Bounds) -> Result<Counts, StoreError> {
        let (open, recovered, closed_manually, closed_by_system): (i64, i64, i64, i64) =
            sqlx::query_as(&count_sql(b.reach))
                .bind(b.start)
                .bind(b.end)
                .bind(b.earliest)
                .fetch_one(self.pool())
                .await?;
        Ok(Counts {
            open,
            recovered,
            closed_manually,
            closed_by_system,
        })
    }

    /// How many alerts each of `pairs` had open at some time in `[start, end)`,
    /// including alerts opened earlier and still open then (design §5 "recurring",
    /// and the meeting screen's "4× in 7 d"); pairs with none are left out. Asked
    /// only for the window's pairs, each one range of the (monitor, host, opened_at)
    /// index (migration 0011), counted up to [`FIRED_BEFORE_CAP`]: a heavy week is
    /// never read whole.
    async fn pairs_within(
        &self,
        b: Bounds,
        pairs: &[[Option<&str>; 2]],
    ) -> Result<HashMap<Pair, i64>, StoreError> {
        let list: Vec<&[Option<&str>; 2]> = pairs.iter().collect();
        let rows: Vec<(Option<String>, Option<String>, i64)> = sqlx::query_as(&format!(
            // Materialized: PostgreSQL would otherwise count twice, for the filter
            // and for the result.
            "WITH counted AS MATERIALIZED (SELECT p.value ->> 0 AS m, p.value ->> 1 AS h, (SELECT count(*) FROM (\
               SELECT 1 FROM alerts a WHERE {} AND {} \
               AND a.opened_at >= $3 AND a.opened_at < $2 AND (a.closed_at IS NULL OR a.closed_at >= $1) \
               LIMIT $5) AS earlier) AS n \
             FROM {}) SELECT m, h, n FROM counted WHERE n > 0",
            same("a.monitor_id", "p.value ->> 0"),
            same("a.host_id", "p.value ->> 1"),
            each_json("$4", "p")
        ))
        .bind(b.start)
        .bind(b.end)
        .bind(b.earliest)
        .bind(Json(list))
        .bind(FIRED_BEFORE_CAP)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(m, h, n)| ((m, h), n)).collect())
    }

    pub async fn hosts_in_maintenance(
        &self,
        end: i64,
        current: bool,
    ) -> Result<Vec<HostInMaintenance>, StoreError> {
        type Row = (
            String,
            Option<String>,
            Json<std::collections::BTreeMap<String, Vec<String>>>,
            Option<i64>,
            Option<i64>,
            bool,
        );
        // seen: when the host was last seen going into maintenance by the window's end;
        // since: the same, when an earlier observation of another status proves the move.
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "WITH last AS (SELECT c.host_id, max(c.observed_at) AS at FROM host_status_changes c \
                WHERE c.observed_at <= $1 GROUP BY c.host_id), \
             at_end AS (SELECT l.host_id, l.at FROM last l WHERE EXISTS (SELECT 1 FROM host_status_changes c \
                WHERE c.host_id = l.host_id AND c.observed_at = l.at AND c.status = 'maintenance')) \
             SELECT h.id, h.name, {}, \
               CASE WHEN EXISTS (SELECT 1 FROM host_status_changes p WHERE p.host_id = h.id AND p.observed_at < e.at) THEN e.at END, \
               e.at, e.at IS NULL \
             FROM hosts h LEFT JOIN at_end e ON e.host_id = h.id \
             WHERE h.gone = 0 AND (h.is_retired = 0 OR h.retired_at > $1) \
               AND (e.at IS NOT NULL OR ($2 AND h.status = 'maintenance' AND h.is_retired = 0)) \
             ORDER BY h.name, h.id",
            json_value("h.roles")
        ))
        .bind(end)
        .bind(current)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, roles, since, seen, after)| HostInMaintenance {
                name: name.unwrap_or_else(|| id.clone()),
                id,
                services: roles.0.keys().cloned().collect(),
                since,
                seen_since: seen,
                after_window: after,
            })
            .collect())
    }

    pub async fn window_alerts(
        &self,
        start: i64,
        end: i64,
    ) -> Result<Vec<StoredAlert>, StoreError> {
        let b = self.bounds(start, end).await?;
        self.alerts_within(b).await
    }

    pub async fn window_counts(&self, start: i64, end: i64) -> Result<Counts, StoreError> {
        let b = self.bounds(start, end).await?;
        self.count_within(b).await
    }

    pub async fn pairs_open_within(
        &self,
        start: i64,
        end: i64,
        pairs: &[[Option<&str>; 2]],
    ) -> Result<HashMap<Pair, i64>, StoreError> {
        let b = self.bounds(start, end).await?;
        self.pairs_within(b, pairs).await
    }

    pub async fn last_opening_before(&self, t: i64) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT max(opened_at) FROM alerts WHERE opened_at < $1")
                .bind(t)
                .fetch_one(self.pool())
                .await?,
        )
    }

    pub async fn org_url(&self) -> Result<Option<String>, StoreError> {
        let org: Option<String> = self.state(StateKey::OrgName).await?;
        let web: Option<String> = self.state(StateKey::WebBase).await?;
        Ok(org.zip(web).map(|(org, web)| format!("{web}/orgs/{org}")))
    }
}
