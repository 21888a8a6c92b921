//! PostgreSQL's spelling of what the shared SQL (`store/sql/`) says differently on
//! each backend (see `sqlite/dialect.rs` for what each name means).

/// One alert as a JSON array, in the order of `StoredAlert`'s fields.
macro_rules! alert_array {
    () => {
        "json_build_array(a.id, a.type, a.status, a.severity, a.monitor_id, a.monitor_name, \
         a.host_id, a.host_name, a.opened_at, a.closed_at, a.close_cause, a.reason, a.message, \
         a.value, a.memo, a.series, a.roles::json, a.services::json, \
         a.url, a.image_url, a.gone, a.logs_read, a.attribution_pending)"
    };
}
pub(crate) use alert_array;

macro_rules! json_rows {
    () => {
        "coalesce(json_agg(x), '[]'::json)::text"
    };
}
pub(crate) use json_rows;

macro_rules! json_list {
    ($e:expr) => {
        concat!("coalesce(json_agg(", $e, "), '[]'::json)::text")
    };
}
pub(crate) use json_list;

pub(crate) fn each(expr: &str, alias: &str) -> String {
    format!("jsonb_array_elements_text(({expr})::jsonb) AS {alias}(value)")
}

pub(crate) fn each_json(expr: &str, alias: &str) -> String {
    format!("jsonb_array_elements(({expr})::jsonb) AS {alias}(value)")
}

/// `IS NOT DISTINCT FROM` would say it, but no index answers it: both sides are
/// compared with NULL as '' instead, which the `alerts_pair_nullsafe` index
/// (migration 0002) answers. No Mackerel id is empty, so '' stands for none alone.
pub(crate) fn same(column: &str, value: &str) -> String {
    format!("coalesce({column}, '') = coalesce({value}, '')")
}

/// The columns `upsert_alerts` writes beside `StoredAlert`'s: the short terms'
/// index (see `text_search.rs`).
pub(crate) const ALERT_DERIVED_COLUMNS: &str = ", short_grams";

/// Binds an alert's short grams, from its text as stored.
pub(crate) fn push_alert_derived<'args>(
    row: &mut sqlx::query_builder::Separated<'_, 'args, sqlx::Postgres, &'static str>,
    a: &crate::store::StoredAlert,
) {
    let texts =
        [&a.monitor_name, &a.host_name, &a.message, &a.reason].map(|t| t.as_deref().map(text));
    row.push_bind(super::text_search::short_grams(
        texts.iter().map(|t| t.as_deref()),
    ));
}

/// The updates of [`ALERT_DERIVED_COLUMNS`] when an alert is written again.
pub(crate) const ALERT_DERIVED_UPDATES: &str = ", short_grams = excluded.short_grams";

pub(crate) fn json_value(column: &str) -> String {
    format!("{column}::jsonb")
}

pub(crate) fn least(a: &str, b: &str) -> String {
    format!("LEAST({a}, {b})")
}

pub(crate) const CROSS_JOIN: &str = "JOIN";

/// PostgreSQL picks the index by its statistics: no hint.
pub(crate) fn indexed_by(_index: &str) -> String {
    String::new()
}

/// PostgreSQL's text holds no NUL character: it becomes U+FFFD, the rest is kept.
pub(crate) fn text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') {
        std::borrow::Cow::Owned(s.replace('\0', "\u{FFFD}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Two values (or rows of values) differ, NULL equal to NULL: PostgreSQL's `IS DISTINCT FROM`.
pub(crate) const DIFFERS: &str = "IS DISTINCT FROM";

/// Alerts are read as rows (see `store/sql/alerts.rs`).
pub(crate) const ALERTS_AS_JSON: bool = false;

/// PostgreSQL plans by its statistics, and answers all of a condition's bounds
/// from a two-column index (the `+` SQLite needs made it scan the table).
pub(crate) const UNINDEXED: &str = "";
