//! PostgreSQL's spelling of what the shared SQL (`store/sql/`) says differently on
//! each backend (see `sqlite/dialect.rs` for what each name means).

/// Builds one alert as a JSON array. PostgreSQL reads alerts as rows (see
/// [`ALERTS_AS_JSON`]); `roles` and `services` would go as their text, which
/// `StoredAlert` reads too.
pub(crate) const JSON_ARRAY: &str = "json_build_array";

macro_rules! json_rows {
    () => {
        "coalesce(json_agg(x), '[]'::json)::text"
    };
}
pub(crate) use json_rows;

pub(crate) fn json_list(e: &str) -> String {
    format!("coalesce(json_agg({e}), '[]'::json)::text")
}

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

/// `column = ` a given id, before its bind. A monitor's id is compared as
/// `alerts_pair_nullsafe` (migration 0002) holds it, the only index that starts
/// with it since 0007; the id is never NULL where it matches, as the plain `=`.
pub(crate) fn id_is(column: &str) -> String {
    if column.ends_with("monitor_id") {
        format!("{column} IS NOT NULL AND coalesce({column}, '') = ")
    } else {
        format!("{column} = ")
    }
}

/// An upsert's `INSERT INTO alerts (…)` and its rows: one array per column,
/// unnested. The statement's text is the same for any number of rows, so it is
/// parsed and planned once per connection; a multi-row `VALUES` of 500 alerts was
/// 13,000 parameters, parsed and planned again for every batch (a 100k backfill
/// took 10.1–10.6 s with it, 9.3 s with this). Each alert names its text by id,
/// and the texts the batch brings are stored by a `WITH` before it (see
/// `text_search.rs`).
pub(crate) fn push_alert_insert<'a>(
    q: &mut sqlx::QueryBuilder<'a, sqlx::Postgres>,
    batch: &'a [crate::store::StoredAlert],
    now: i64,
) {
    use super::text_search::{body, NewTexts};
    use crate::store::StoredAlert;
    fn each<T>(batch: &[StoredAlert], f: impl Fn(&StoredAlert) -> T) -> Vec<T> {
        batch.iter().map(f).collect()
    }
    let owned = |t: &Option<String>| t.as_deref().map(|t| text(t).into_owned());
    let json = |v: &Vec<String>| serde_json::to_string(v).expect("a list of strings");
    let (text_ids, texts) = NewTexts::of(batch.iter().map(|a| {
        let texts = [&a.monitor_name, &a.host_name, &a.message, &a.reason].map(owned);
        body(texts.each_ref().map(|t| t.as_deref()))
    }));
    q.push("WITH texts AS (");
    texts.push_insert(q);
    let fields = super::alerts::ALERT_FIELDS.join(", ");
    q.push(format_args!(
        ") INSERT INTO alerts ({fields}, ingested_at, updated_at, text_id) SELECT {fields}, "
    ));
    q.push_bind(now).push("::bigint, ");
    q.push_bind(now).push("::bigint, text_id FROM UNNEST(");
    let mut arrays = q.separated(", ");
    arrays.push_bind(each(batch, |a| a.id.clone()));
    arrays.push_bind(each(batch, |a| a.kind.clone()));
    arrays.push_bind(each(batch, |a| a.status.clone()));
    arrays.push_bind(each(batch, |a| a.severity.clone()));
    arrays.push_bind(each(batch, |a| a.monitor_id.clone()));
    arrays.push_bind(each(batch, |a| owned(&a.monitor_name)));
    arrays.push_bind(each(batch, |a| a.host_id.clone()));
    arrays.push_bind(each(batch, |a| owned(&a.host_name)));
    arrays.push_bind(each(batch, |a| a.opened_at));
    arrays.push_bind(each(batch, |a| a.closed_at));
    arrays.push_bind(each(batch, |a| a.close_cause.clone()));
    arrays.push_bind(each(batch, |a| owned(&a.reason)));
    arrays.push_bind(each(batch, |a| owned(&a.message)));
    arrays.push_bind(each(batch, |a| a.value));
    arrays.push_bind(each(batch, |a| owned(&a.memo)));
    arrays.push_bind(each(batch, |a| a.series.clone()));
    arrays.push_bind(each(batch, |a| json(&a.roles)));
    arrays.push_bind(each(batch, |a| json(&a.services)));
    arrays.push_bind(each(batch, |a| a.url.clone()));
    arrays.push_bind(each(batch, |a| a.image_url.clone()));
    arrays.push_bind(each(batch, |a| i64::from(a.gone)));
    arrays.push_bind(each(batch, |a| i64::from(a.logs_read)));
    arrays.push_bind(each(batch, |a| i64::from(a.attribution_pending)));
    arrays.push_bind(text_ids);
    q.push(format_args!(") AS u({fields}, text_id)"));
}

/// Alerts an upsert statement writes: a whole checkpoint's (5,000). The statement
/// has 29 parameters whatever its rows (3 for its texts, 24 for its alerts, the
/// write's two times), and its statement triggers run once.
pub(crate) const UPSERT_BATCH: usize = 5_000;

/// `column = ANY(…)` with `ids` bound as one array: one statement text for any
/// number of ids. A list of 500 parameters was parsed and planned for each call:
/// reading a checkpoint's stored alerts took 0.7 s of a 100k backfill.
pub(crate) fn push_id_in<'a>(
    q: &mut sqlx::QueryBuilder<'a, sqlx::Postgres>,
    column: &str,
    ids: &'a [String],
) {
    q.push(format_args!("{column} = ANY("))
        .push_bind(ids)
        .push(")");
}

/// Ids a [`push_id_in`] takes: a checkpoint's.
pub(crate) const ID_CHUNK: usize = 5_000;

/// An upsert's text does not change with its rows: kept prepared.
pub(crate) const UPSERT_PREPARED: bool = true;

/// The update of the column [`push_alert_insert`] writes beside `StoredAlert`'s
/// when an alert is written again: its text's id.
pub(crate) const ALERT_DERIVED_UPDATES: &str = ", text_id = excluded.text_id";

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
