//! SQLite's spelling of what the shared SQL (`store/sql/`) says differently on each
//! backend. `postgres/dialect.rs` has the same names.

/// The function that builds one alert of `alerts a` as a JSON array of its values,
/// in the order of [`StoredAlert`](crate::store::StoredAlert)'s fields (serde reads
/// a struct from a sequence too), which SQLite builds and serde reads faster than an
/// object with names. `roles` and `services` go as the JSON text they are stored as
/// (see `StoredAlert`).
pub(crate) const JSON_ARRAY: &str = "json_array";

/// The JSON values `x` of a subquery as one JSON array, as text (`[]` for none).
/// Each `x` is already JSON text (a subquery's values lose their JSON subtype), and
/// is joined as it is: `json_group_array(json(x))` parsed every value again, a
/// third of reading a hundred alerts.
macro_rules! json_rows {
    () => {
        "coalesce('[' || group_concat(x, ',') || ']', '[]')"
    };
}
pub(crate) use json_rows;

/// The JSON values of an expression over rows as one JSON array, as text.
pub(crate) fn json_list(e: &str) -> String {
    format!("coalesce(json_group_array({e}), '[]')")
}

/// The text values of a JSON array (`expr`: a bound list or a column) as a table
/// `alias` with one column, `value`.
pub(crate) fn each(expr: &str, alias: &str) -> String {
    format!("json_each({expr}) {alias}")
}

/// The values of a JSON array of arrays, as `each` does, each `value` a JSON array.
pub(crate) fn each_json(expr: &str, alias: &str) -> String {
    each(expr, alias)
}

/// `column` equal to `value`, NULL being equal to NULL: SQLite's `IS`, which its
/// indexes answer.
pub(crate) fn same(column: &str, value: &str) -> String {
    format!("{column} IS {value}")
}

/// `column = ` a given id, before its bind: any index on the column answers it.
pub(crate) fn id_is(column: &str) -> String {
    format!("{column} = ")
}

/// An upsert's `INSERT INTO alerts (…)` and its rows: a multi-row `VALUES`, in
/// the order of `ALERT_FIELDS`, then the times of the write. No column beside
/// `StoredAlert`'s: the text index is kept by triggers.
pub(crate) fn push_alert_insert<'a>(
    q: &mut sqlx::QueryBuilder<'a, sqlx::Sqlite>,
    batch: &'a [crate::store::StoredAlert],
    now: i64,
) {
    use sqlx::types::Json;
    q.push(format_args!(
        "INSERT INTO alerts ({}, ingested_at, updated_at) ",
        super::alerts::ALERT_FIELDS.join(", ")
    ));
    q.push_values(batch, |mut row, a| {
        row.push_bind(&a.id)
            .push_bind(&a.kind)
            .push_bind(&a.status)
            .push_bind(&a.severity)
            .push_bind(&a.monitor_id)
            .push_bind(a.monitor_name.as_deref().map(text))
            .push_bind(&a.host_id)
            .push_bind(a.host_name.as_deref().map(text))
            .push_bind(a.opened_at)
            .push_bind(a.closed_at)
            .push_bind(&a.close_cause)
            .push_bind(a.reason.as_deref().map(text))
            .push_bind(a.message.as_deref().map(text))
            .push_bind(a.value)
            .push_bind(a.memo.as_deref().map(text))
            .push_bind(&a.series)
            .push_bind(Json(&a.roles))
            .push_bind(Json(&a.services))
            .push_bind(&a.url)
            .push_bind(&a.image_url)
            .push_bind(i64::from(a.gone))
            .push_bind(i64::from(a.logs_read))
            .push_bind(i64::from(a.attribution_pending))
            .push_bind(now)
            .push_bind(now);
    });
}

/// Alerts an upsert statement writes: SQLite round trips, not rows, dominate a
/// backfill, and the text index writes a segment at the end of each statement.
/// 1,000 rows are 25,000 parameters, within SQLite's limit of 32,766.
pub(crate) const UPSERT_BATCH: usize = 1000;

/// `column IN (…)` with each of `ids` bound.
pub(crate) fn push_id_in<'a>(
    q: &mut sqlx::QueryBuilder<'a, sqlx::Sqlite>,
    column: &str,
    ids: &'a [String],
) {
    q.push(format_args!("{column} IN ("));
    let mut sep = q.separated(", ");
    for id in ids {
        sep.push_bind(id);
    }
    q.push(")");
}

/// Ids a [`push_id_in`] takes: SQLite binds each as a parameter.
pub(crate) const ID_CHUNK: usize = 500;

/// An upsert's text changes with its number of rows: not kept prepared.
pub(crate) const UPSERT_PREPARED: bool = false;

/// The updates of columns beside `StoredAlert`'s when an alert is written again:
/// none on SQLite (see [`push_alert_insert`]).
pub(crate) const ALERT_DERIVED_UPDATES: &str = "";

/// A column holding JSON text, as a value a `Json<T>` field decodes.
pub(crate) fn json_value(column: &str) -> String {
    column.to_owned()
}

/// The smaller of two numbers.
pub(crate) fn least(a: &str, b: &str) -> String {
    format!("min({a}, {b})")
}

/// A join whose order is the one written (SQLite plans a `CROSS JOIN` so).
pub(crate) const CROSS_JOIN: &str = "CROSS JOIN";

/// Names the index a join must use where SQLite's planner would pick another
/// equally good to it (a partial index over the table's own).
pub(crate) fn indexed_by(index: &str) -> String {
    format!(" INDEXED BY {index}")
}

/// Text as the database keeps it: SQLite keeps any.
pub(crate) fn text(s: &str) -> std::borrow::Cow<'_, str> {
    std::borrow::Cow::Borrowed(s)
}

/// Two values (or rows of values) differ, NULL equal to NULL: SQLite's `IS NOT`, for row values too.
pub(crate) const DIFFERS: &str = "IS NOT";

/// Alerts are read as one JSON array per query (see `store/sql/alerts.rs`).
pub(crate) const ALERTS_AS_JSON: bool = true;

/// Before a column, keeps SQLite's planner from answering its condition with an
/// index (a unary `+`), where that index would be the wider range.
pub(crate) const UNINDEXED: &str = "+";
