//! The SQL of `store::alerts`, compiled for each backend (see `store`).

use sqlx::{QueryBuilder, Row};

use crate::alert::state_sql;
use crate::store::alerts::NO_SERVICE;
use crate::store::{AlertFilter, StoreError, StoredAlert};

use super::dialect::{
    each, id_is, json_list, json_rows, least, push_alert_insert, push_id_in, ALERTS_AS_JSON,
    ALERT_DERIVED_UPDATES, DIFFERS, ID_CHUNK, JSON_ARRAY, UPSERT_BATCH, UPSERT_PREPARED,
};
use super::text_search::{Term, TextPlan};
use super::{Backend, Conn, Db};

/// A common term is first looked for among this many rows a row of the limit.
const WALK_FIRST: u32 = 50;

/// `StoredAlert`'s fields as the alerts table's columns, in its order: what a read
/// returns, and (with the times of the write) what an upsert writes.
pub(super) const ALERT_FIELDS: [&str; 23] = [
    "id",
    "type",
    "status",
    "severity",
    "monitor_id",
    "monitor_name",
    "host_id",
    "host_name",
    "opened_at",
    "closed_at",
    "close_cause",
    "reason",
    "message",
    "value",
    "memo",
    "series",
    "roles",
    "services",
    "url",
    "image_url",
    "gone",
    "logs_read",
    "attribution_pending",
];

/// [`ALERT_FIELDS`] of `alerts a`, for a `SELECT`.
fn alert_columns() -> String {
    let columns: Vec<String> = ALERT_FIELDS.iter().map(|c| format!("a.{c}")).collect();
    columns.join(", ")
}

/// Opens the subquery of an alerts read; [`fetch_alerts`] closes it. How the rows
/// come back is the dialect's (`ALERTS_AS_JSON`): on SQLite as one JSON array per
/// query, since sqlx hands SQLite rows over one at a time between threads, which
/// cost more than the query itself on a day's worth of alerts; on PostgreSQL as
/// rows, which it sends in binary at a third of the cost of building the JSON.
fn select_alerts() -> String {
    if ALERTS_AS_JSON {
        format!("SELECT {} FROM ({}", json_rows!(), alert_object())
    } else {
        format!("SELECT * FROM (SELECT {} FROM alerts a", alert_columns())
    }
}

/// One alert of `alerts a` as a JSON array of its [`ALERT_FIELDS`].
fn alert_array() -> String {
    format!("{JSON_ARRAY}({})", alert_columns())
}

/// One alert as a JSON array, `x`, from `alerts a`.
pub(super) fn alert_object() -> String {
    format!("SELECT {} AS x FROM alerts a", alert_array())
}

/// The JSON array a [`select_alerts`] query returns on SQLite.
pub(super) fn decode_alerts(text: &str) -> Result<Vec<StoredAlert>, StoreError> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)).into())
}

/// One alert from a row of [`alert_columns`]. The columns' types are not checked
/// against each field's for every row (a third of the decoding): they are the
/// table's, and `an_alert_with_every_field_distinct_reads_back_equal` reads every
/// field back on both backends. A value that does not decode still fails.
pub(super) fn alert_from_row(
    row: &<Db as sqlx::Database>::Row,
) -> Result<StoredAlert, sqlx::Error> {
    let list = |i: usize| -> Result<Vec<String>, sqlx::Error> {
        let text: &str = row.try_get_unchecked(i)?;
        serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    };
    let flag =
        |i: usize| -> Result<bool, sqlx::Error> { Ok(row.try_get_unchecked::<i64, _>(i)? != 0) };
    Ok(StoredAlert {
        id: row.try_get_unchecked(0)?,
        kind: row.try_get_unchecked(1)?,
        status: row.try_get_unchecked(2)?,
        severity: row.try_get_unchecked(3)?,
        monitor_id: row.try_get_unchecked(4)?,
        monitor_name: row.try_get_unchecked(5)?,
        host_id: row.try_get_unchecked(6)?,
        host_name: row.try_get_unchecked(7)?,
        opened_at: row.try_get_unchecked(8)?,
        closed_at: row.try_get_unchecked(9)?,
        close_cause: row.try_get_unchecked(10)?,
        reason: row.try_get_unchecked(11)?,
        message: row.try_get_unchecked(12)?,
        value: row.try_get_unchecked(13)?,
        memo: row.try_get_unchecked(14)?,
        series: row.try_get_unchecked(15)?,
        roles: list(16)?,
        services: list(17)?,
        url: row.try_get_unchecked(18)?,
        image_url: row.try_get_unchecked(19)?,
        gone: flag(20)?,
        logs_read: flag(21)?,
        attribution_pending: flag(22)?,
    })
}

/// JSON this long (a few thousand alerts) is decoded on a blocking thread; shorter,
/// as a checkpoint's or a webhook's few alerts, at once.
const DECODE_APART: usize = 1 << 20;

/// Runs `query`, a read of alerts in the dialect's form (see [`select_alerts`]).
pub(super) async fn read_alerts<'q, 'c, E>(
    query: sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>>,
    executor: E,
) -> Result<Vec<StoredAlert>, StoreError>
where
    E: sqlx::Executor<'c, Database = Db>,
{
    if ALERTS_AS_JSON {
        let row = query.fetch_one(executor).await?;
        let text: String = row.try_get(0)?;
        if text.len() < DECODE_APART {
            return decode_alerts(&text);
        }
        // Decoded off the runtime's threads: one read's JSON decodes while the
        // database builds the next.
        match tokio::task::spawn_blocking(move || decode_alerts(&text)).await {
            Ok(decoded) => decoded,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    } else {
        // Each row decoded as it arrives, while the database sends the next.
        use futures_util::TryStreamExt;
        Ok(query
            .fetch(executor)
            .and_then(|row| std::future::ready(alert_from_row(&row)))
            .try_collect()
            .await?)
    }
}

/// The alerts meeting any of `conditions` (on `alerts a`), one `UNION ALL` branch
/// each, as a read [`read_alerts`] runs.
pub(super) fn alerts_where(conditions: &[&str]) -> String {
    if ALERTS_AS_JSON {
        let branches: Vec<String> = conditions
            .iter()
            .map(|c| format!("{} WHERE {c}", alert_object()))
            .collect();
        // One branch aggregates its arrays as they are; a union is re-parsed (json(x)).
        match conditions {
            [one] => format!(
                "SELECT {} FROM alerts a WHERE {one}",
                json_list(&alert_array())
            ),
            _ => format!(
                "SELECT {} FROM ({}) AS x",
                json_rows!(),
                branches.join(" UNION ALL ")
            ),
        }
    } else {
        let branches: Vec<String> = conditions
            .iter()
            .map(|c| format!("SELECT {} FROM alerts a WHERE {c}", alert_columns()))
            .collect();
        branches.join(" UNION ALL ")
    }
}

/// Runs a query begun with [`select_alerts`] (its subquery still open), on the pool
/// or inside a transaction.
pub(super) async fn fetch_alerts<'c, E>(
    mut q: QueryBuilder<'_, Db>,
    executor: E,
) -> Result<Vec<StoredAlert>, StoreError>
where
    E: sqlx::Executor<'c, Database = Db>,
{
    q.push(") AS alert_rows");
    // Not kept in the statement cache: a query with hundreds of bound ids is used once,
    // and a cached one holds its compiled program (megabytes for a batch) for good.
    read_alerts(q.build().persistent(false), executor).await
}

/// The query for one chunk of ids.
fn by_id(ids: &[String]) -> QueryBuilder<'_, Db> {
    let mut q = QueryBuilder::<Db>::new(select_alerts());
    q.push(" WHERE ");
    push_id_in(&mut q, "a.id", ids);
    q
}

/// The stored alerts with these ids, read inside the caller's write transaction, so
/// that the rows written after are made from what is stored now: a webhook that
/// wrote in between is never overwritten with the row as it was before.
pub(super) async fn alerts_by_id_in(
    conn: &mut Conn,
    ids: &[String],
) -> Result<Vec<StoredAlert>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ID_CHUNK) {
        out.extend(fetch_alerts(by_id(chunk), &mut *conn).await?);
    }
    Ok(out)
}

impl Backend {
    pub async fn write_alerts(&self, alerts: &[StoredAlert], now: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        upsert_alerts(&mut tx, alerts, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn alerts_by_id(&self, ids: &[String]) -> Result<Vec<StoredAlert>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ID_CHUNK) {
            out.extend(fetch_alerts(by_id(chunk), &self.pool).await?);
        }
        Ok(out)
    }

    pub async fn open_alert_ids(&self) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM alerts WHERE closed_at IS NULL AND gone = 0")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn alerts_wanting_logs(
        &self,
        now: i64,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM alerts WHERE closed_at IS NOT NULL AND logs_read = 0 AND gone = 0 \
             AND coalesce(logs_retry_at, 0) <= $1 \
             ORDER BY closed_at DESC LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn count_alerts_wanting_logs(&self, now: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM alerts WHERE closed_at IS NOT NULL AND logs_read = 0 AND gone = 0 \
             AND coalesce(logs_retry_at, 0) <= $1",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn alerts_pending_attribution(
        &self,
        limit: u32,
    ) -> Result<Vec<StoredAlert>, StoreError> {
        let mut q = QueryBuilder::<Db>::new(select_alerts());
        q.push(" WHERE a.attribution_pending = 1 ORDER BY a.opened_at LIMIT ")
            .push_bind(i64::from(limit));
        fetch_alerts(q, &self.pool).await
    }

    pub async fn count_alerts_pending_attribution(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT count(*) FROM alerts WHERE attribution_pending = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn count_alerts(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM alerts")
            .fetch_one(&self.pool)
            .await?)
    }

    /// How a service filter is joined: from the services' index entries (few of
    /// them), or walking the time index newest first and checking each alert's
    /// services until the limit (many of them: listing every id of a busy
    /// service before taking 100 cost 90 ms on a million alerts).
    async fn services_plan(&self, filter: &AlertFilter) -> Result<ServicesPlan, StoreError> {
        let named: Vec<&String> = filter
            .services
            .iter()
            .filter(|s| *s != NO_SERVICE)
            .collect();
        let Some(limit) = filter.limit.filter(|_| !named.is_empty()) else {
            return Ok(ServicesPlan::FromMatches);
        };
        // What decides the plan: the services, the range their matches are counted
        // in, and the limit (see `store::recent_plans`).
        let key = format!(
            "{named:?} {:?} {:?} {:?} {limit}",
            filter.from, filter.to, filter.before
        );
        if let Some(plan) = self.services_plans.recent(&key) {
            return Ok(plan);
        }
        let threshold = 20 * limit as i64;
        let mut q = QueryBuilder::<Db>::new(
            "SELECT count(*) FROM (SELECT 1 FROM alert_services s WHERE s.service IN (",
        );
        let mut sep = q.separated(", ");
        for s in named {
            sep.push_bind(s.clone());
        }
        q.push(")");
        push_service_range(&mut q, filter);
        q.push(" LIMIT ").push_bind(threshold + 1).push(") AS m");
        let matches: i64 = q.build_query_scalar().fetch_one(&self.pool).await?;
        let plan = if matches > threshold {
            ServicesPlan::ByTime
        } else {
            ServicesPlan::FromMatches
        };
        self.services_plans.keep(key, plan);
        Ok(plan)
    }

    pub async fn find_alerts(&self, filter: &AlertFilter) -> Result<Vec<StoredAlert>, StoreError> {
        let search = filter
            .search
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(Term::anywhere);
        let plan = match &search {
            Some(term) => term.plan(filter.limit, self).await?,
            None => TextPlan::FromMatches,
        };
        let services = self.services_plan(filter).await?;
        // `--monitor` / `--host`: the id, or part of the name; planned once here.
        let mut names = Vec::new();
        for (text, id, name) in [
            (&filter.monitor, "monitor_id", "monitor_name"),
            (&filter.host, "host_id", "host_name"),
        ] {
            if let Some(text) = text {
                let term = Term::in_column(text, name);
                let plan = term.plan(filter.limit, self).await?;
                names.push((id, text, term, plan));
            }
        }
        let lookup = Lookup {
            filter,
            search: search.as_ref(),
            services,
            names,
        };
        // A common term is first looked for among the first rows of the walk, where
        // LIKE meets the limit within a few milliseconds; the match list (tens of
        // milliseconds for a common word) is read only when they hold too few.
        // Under 50 clients, `/alerts?search=nginx` waited on that list: p99 950 ms.
        let looks_first = search.as_ref().is_some_and(|t| t.looks_first_by_like(plan));
        if let (Some(limit), true) = (filter.limit, looks_first) {
            let walk = WALK_FIRST.saturating_mul(limit);
            let found = self
                .fetch(&lookup, TextPlan::ByTimeLike, Some(walk))
                .await?;
            if found.len() >= limit as usize {
                return Ok(found);
            }
        }
        self.fetch(&lookup, plan, None).await
    }

    /// The alerts of `lookup`, the text term joined as `plan`, among the first
    /// `walk` alerts of the listing's range and order if given.
    async fn fetch(
        &self,
        lookup: &Lookup<'_>,
        plan: TextPlan,
        walk: Option<u32>,
    ) -> Result<Vec<StoredAlert>, StoreError> {
        let filter = lookup.filter;
        let mut q = QueryBuilder::<Db>::new(select_alerts());
        q.push(" WHERE 1 = 1");
        push_range(&mut q, filter, "a");
        push_state(&mut q, filter);
        if let Some(rows) = walk {
            push_walk_bound(&mut q, filter, rows);
        }
        if let Some(term) = lookup.search {
            q.push(" AND ");
            term.push_condition(&mut q, plan);
        }
        push_services(&mut q, filter, lookup.services);
        for (id, text, term, plan) in &lookup.names {
            q.push(format!(" AND ({}", id_is(&format!("a.{id}"))))
                .push_bind((*text).clone())
                .push(" OR ");
            term.push_condition(&mut q, *plan);
            q.push(")");
        }
        q.push(if filter.oldest_first {
            " ORDER BY a.opened_at, a.id"
        } else {
            " ORDER BY a.opened_at DESC, a.id DESC"
        });
        if let Some(limit) = filter.limit {
            q.push(" LIMIT ").push_bind(i64::from(limit));
        }
        let mut alerts = fetch_alerts(q, &self.pool).await?;
        // The aggregate keeps the subquery's order in practice; SQL does not promise it.
        alerts.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
        if !filter.oldest_first {
            alerts.reverse();
        }
        Ok(alerts)
    }
}

/// A history lookup with its text and services plans decided.
struct Lookup<'a> {
    filter: &'a AlertFilter,
    search: Option<&'a Term<'a>>,
    services: ServicesPlan,
    /// `--monitor` / `--host`: the id column, the text, and how its name part is joined.
    names: Vec<(&'static str, &'a String, Term<'a>, TextPlan)>,
}

/// `--before` (the page cursor), `--from` and `--to` on the alerts named `alias`.
fn push_range(q: &mut QueryBuilder<'_, Db>, f: &AlertFilter, alias: &str) {
    if let Some((opened, id)) = &f.before {
        // Written as a range on opened_at first, so that the time index bounds it.
        let (cmp, strict) = if f.oldest_first {
            (">=", ">")
        } else {
            ("<=", "<")
        };
        q.push(format!(" AND {alias}.opened_at {cmp} "))
            .push_bind(*opened);
        q.push(format!(" AND ({alias}.opened_at {strict} "))
            .push_bind(*opened);
        q.push(format!(" OR {alias}.id {strict} "))
            .push_bind(id.clone())
            .push(")");
    }
    if let Some(from) = f.from {
        q.push(format!(" AND {alias}.opened_at >= "))
            .push_bind(from);
    }
    if let Some(to) = f.to {
        q.push(format!(" AND {alias}.opened_at < ")).push_bind(to);
    }
}

fn push_state(q: &mut QueryBuilder<'_, Db>, f: &AlertFilter) {
    if let Some(state) = f.state {
        q.push(" AND ").push(state_sql(state));
    }
    if let Some(sev) = &f.severity {
        q.push(" AND a.severity = ").push_bind(sev.clone());
    }
}

/// Only the first `rows` alerts of the listing's range, in its order: a bound on
/// opened_at, so that alerts opened in the same second as the last stay together
/// and the alerts kept are always a beginning of the listing. Fewer alerts than
/// that in the range give no bound and no rows.
fn push_walk_bound(q: &mut QueryBuilder<'_, Db>, f: &AlertFilter, rows: u32) {
    let (cmp, order) = if f.oldest_first {
        ("<=", "")
    } else {
        (">=", " DESC")
    };
    q.push(format!(
        " AND a.opened_at {cmp} (SELECT b.opened_at FROM alerts b WHERE 1 = 1"
    ));
    push_range(q, f, "b");
    q.push(format!(" ORDER BY b.opened_at{order} LIMIT 1 OFFSET "))
        .push_bind(i64::from(rows.saturating_sub(1)))
        .push(")");
}

fn push_services(q: &mut QueryBuilder<'_, Db>, f: &AlertFilter, plan: ServicesPlan) {
    let (none, named): (Vec<&String>, Vec<&String>) =
        f.services.iter().partition(|s| *s == NO_SERVICE);
    if f.services.is_empty() {
        return;
    }
    q.push(" AND (1 = 0");
    if !named.is_empty() {
        if plan == ServicesPlan::ByTime {
            // Checked on the alert's own services while walking by time: no index
            // seek per alert (a fifth of the time on a busy service).
            q.push(format!(
                " OR EXISTS (SELECT 1 FROM {} WHERE j.value IN (",
                each("a.services", "j")
            ));
        } else {
            // Driven by the (service, opened_at) index: a service's alerts in a range are one index range.
            q.push(" OR a.id IN (SELECT s.alert_id FROM alert_services s WHERE s.service IN (");
        }
        let mut sep = q.separated(", ");
        for s in named {
            sep.push_bind(s.clone());
        }
        q.push(")");
        if plan != ServicesPlan::ByTime {
            push_service_range(q, f);
        }
        q.push(")");
    }
    if !none.is_empty() {
        q.push(" OR a.services = '[]'");
    }
    q.push(")");
}

/// How a service filter is joined (see [`Backend::services_plan`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::store) enum ServicesPlan {
    FromMatches,
    ByTime,
}

/// `--from/--to` on alert_services' copy of opened_at.
fn push_service_range(q: &mut QueryBuilder<'_, Db>, f: &AlertFilter) {
    if let Some(from) = f.from {
        q.push(" AND s.opened_at >= ").push_bind(from);
    }
    if let Some(to) = f.to {
        q.push(" AND s.opened_at < ").push_bind(to);
    }
}

/// The fields an upsert writes again when they differ (`updated_at` follows them):
/// all but the id.
const REWRITTEN: &[&str] = match ALERT_FIELDS.split_first() {
    Some((_id, rest)) => rest,
    None => &[],
};

/// An upsert's update: every field, only for a row that differs. A pass writes
/// again alerts it already holds (open ones, the last pages), mostly unchanged; on
/// PostgreSQL rewriting such a row cost half a millisecond (a new row version in
/// every index, the text indexes too), and held the writers' turn a webhook waits for.
fn on_conflict_rewrite() -> String {
    let set: Vec<String> = REWRITTEN
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let old: Vec<String> = REWRITTEN.iter().map(|c| format!("alerts.{c}")).collect();
    let new: Vec<String> = REWRITTEN.iter().map(|c| format!("excluded.{c}")).collect();
    format!(
        " ON CONFLICT (id) DO UPDATE SET {}, updated_at = excluded.updated_at{ALERT_DERIVED_UPDATES} \
         WHERE ({}) {DIFFERS} ({})",
        set.join(", "),
        old.join(", "),
        new.join(", ")
    )
}

/// Writes alerts inside the caller's transaction: insert or replace every field,
/// a batch of rows per statement, sent as the dialect sends them. Their entries in
/// `alert_services` follow from the `services` column, by the table's triggers.
pub(super) async fn upsert_alerts(
    conn: &mut Conn,
    alerts: &[StoredAlert],
    now: i64,
) -> Result<(), StoreError> {
    for batch in alerts.chunks(UPSERT_BATCH) {
        let mut q = QueryBuilder::<Db>::new("");
        push_alert_insert(&mut q, batch, now);
        q.push(on_conflict_rewrite());
        q.build()
            .persistent(UPSERT_PREPARED)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Sets an alert's logs aside after a body that did not parse: tried again after a
/// day, then after longer and longer waits (at most 30 days), not on every pass.
pub(super) async fn set_logs_aside(
    conn: &mut Conn,
    alert_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    let wait = least(
        "86400 * (CAST(1 AS BIGINT) << CAST(least_failures AS INTEGER))",
        "30 * 86400",
    )
    .replace("least_failures", &least("logs_failures", "5"));
    sqlx::query(&format!(
        "UPDATE alerts SET logs_failures = logs_failures + 1, \
         logs_retry_at = $1 + {wait} WHERE id = $2"
    ))
    .bind(now)
    .bind(alert_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces an alert's log entries (inside the caller's transaction).
pub(super) async fn replace_logs(
    conn: &mut Conn,
    alert_id: &str,
    logs: &[crate::mackerel::AlertLog],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM alert_logs WHERE alert_id = $1")
        .bind(alert_id)
        .execute(&mut *conn)
        .await?;
    for (seq, log) in logs.iter().enumerate() {
        sqlx::query(
            "INSERT INTO alert_logs (alert_id, seq, log_id, created_at, status, trigger, monitor_id, target_value, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(alert_id)
        .bind(seq as i64)
        .bind(&log.id)
        .bind(log.created_at)
        .bind(log.status.as_str())
        .bind(&log.trigger)
        .bind(&log.monitor_id)
        .bind(log.target_value)
        .bind(log.status_detail.as_ref().map(|d| d.to_string()))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
