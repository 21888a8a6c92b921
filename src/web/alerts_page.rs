//! `GET /alerts`: the search of `asakai alerts` as a form, its results newest
//! first, paged by `before`, with the same query as CSV and JSON. The form takes
//! what its placeholder suggests: `7d` counts back from now.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::{json, Value};

use super::alert_rows::Rows;
use super::clock::Clock;
use super::render::{Page, PageError};
use super::words::{fill, Words};
use crate::alert::State as AlertState;
use crate::digest::Lang;
use crate::server::api::{filter_from, query_pairs};
use crate::server::App;
use crate::store::StoreError;
use crate::timefmt::{parse_duration, parse_time};

/// The search form's fields, in the order the form shows them.
const FIELDS: [&str; 8] = [
    "service", "monitor", "host", "state", "severity", "from", "to", "search",
];

/// The API's largest page, which `limit` may ask for.
const MAX_LIMIT: u32 = 1000;

pub async fn search(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let mut q = query_pairs(raw);
    // The form sends every field; an empty one means "any", not "the empty service".
    q.retain(|_, values| {
        values.retain(|v| !v.trim().is_empty());
        !values.is_empty()
    });
    let page = Page::new(&app, &q);
    let title = page.words.alerts;
    let clock = Clock::now(app.settings.timezone);
    match results(&app, &page, &q, clock).await {
        Ok(body) => page.render(StatusCode::OK, "alerts", title, body),
        // A bad filter keeps the form, with the error that names its field.
        Err(e) => {
            let body = json!({"error": e.message, "form": form(&q, page.lang), "rows_html": "",
                "next": null, "query": query_of(&q, None), "oldest_first": false,
                "flip": flipped(&q, false)});
            page.render(e.status, "alerts", title, body)
        }
    }
}

async fn results(
    app: &App,
    page: &Page,
    q: &HashMap<String, Vec<String>>,
    clock: Clock,
) -> Result<Value, PageError> {
    let resolved = resolve(app, page.words, q, clock).await?;
    let filter = filter_from(app, &resolved).await.map_err(|e| {
        // Every field was checked above: what is left is the store's trouble.
        let (status, message) = e.parts();
        tracing::warn!(%status, message, "the alert search failed");
        let words = &page.words.errors;
        let text = if status == StatusCode::SERVICE_UNAVAILABLE {
            words.busy
        } else {
            words.unreadable
        };
        PageError::new(status, text)
    })?;
    let limit = filter.limit.unwrap_or(100) as usize;
    let alerts = app
        .store
        .find_alerts(&filter)
        .await
        .map_err(|e| store_error(page.words, e))?;
    let rows = Rows::load(app, page, &alerts, clock).await?;
    let rows_html = rows.html(&alerts, &page.lang_query);
    let next = alerts
        .last()
        .filter(|_| alerts.len() == limit)
        .map(|last| format!("/alerts?{}", query_of(q, Some(&last.id))));
    Ok(json!({
        "error": null,
        "form": form(q, page.lang),
        "next": next,
        // CSV and JSON get the times this page used: `7d` is read by this page only.
        "query": query_of(&resolved, None),
        "oldest_first": filter.oldest_first,
        "flip": flipped(q, filter.oldest_first),
        // asakai's own markup, every value in it escaped (see alert_rows).
        "rows_html": rows_html,
    }))
}

/// The query with every field checked in the page's language, and `from` / `to`
/// written as RFC 3339 (a duration counts back from now).
async fn resolve(
    app: &App,
    words: &Words,
    q: &HashMap<String, Vec<String>>,
    clock: Clock,
) -> Result<HashMap<String, Vec<String>>, PageError> {
    let one = |k: &str| q.get(k).and_then(|v| v.last()).map(|s| s.trim());
    let bad = |text: &str, field: &str, value: &str| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            fill(text, &[("field", field), ("value", value), ("id", value)]),
        )
    };
    let (e, f) = (&words.errors, &words.fields);
    if let Some(s) = one("state").filter(|s| AlertState::parse(s).is_none()) {
        return Err(bad(e.bad_state, f.state, s));
    }
    if let Some(s) = one("severity").filter(|s| severity(s).is_none()) {
        return Err(bad(e.bad_severity, f.severity, s));
    }
    if let Some(l) = one("limit").filter(|l| !l.parse().is_ok_and(|n| (1..=MAX_LIMIT).contains(&n)))
    {
        return Err(bad(e.bad_limit, e.limit_field, l));
    }
    if let Some(o) = one("order").filter(|o| !matches!(*o, "newest" | "oldest")) {
        return Err(bad(e.bad_order, e.order_field, o));
    }
    if let Some(id) = one("before") {
        let found = app.store.alerts_by_id(&[id.to_owned()]).await;
        if found.map_err(|err| store_error(words, err))?.is_empty() {
            return Err(bad(e.bad_before, "", id));
        }
    }
    let mut resolved = q.clone();
    for (key, field) in [("from", f.from), ("to", f.to)] {
        if let Some(text) = one(key) {
            let at = moment(text, clock).ok_or_else(|| bad(e.bad_time, field, text))?;
            resolved.insert(key.to_owned(), vec![crate::alert::rfc3339(at)]);
        }
    }
    Ok(resolved)
}

/// A time, a date (its midnight in the team's zone), or a duration back from now
/// (`7d`, `12h`, `15m`, `90s`, as `poll --since` reads them).
fn moment(text: &str, clock: Clock) -> Option<i64> {
    if let Ok(d) = parse_duration(text) {
        return Some(clock.now - d.as_secs() as i64);
    }
    parse_time(text, clock.tz).ok()
}

/// Mackerel's name of a severity, as the form and the API take it (any case).
pub(super) fn severity(s: &str) -> Option<&'static str> {
    ["CRITICAL", "WARNING", "UNKNOWN"]
        .into_iter()
        .find(|v| v.eq_ignore_ascii_case(s))
}

/// A store failure in words a person can act on; the cause goes to the log.
pub fn store_error(words: &Words, e: StoreError) -> PageError {
    tracing::warn!(error = %e, "a page could not read the store");
    match e {
        StoreError::Busy => PageError::new(StatusCode::SERVICE_UNAVAILABLE, words.errors.busy),
        _ => PageError::new(StatusCode::INTERNAL_SERVER_ERROR, words.errors.unreadable),
    }
}

/// The same search in the other time order, from its start.
fn flipped(q: &HashMap<String, Vec<String>>, oldest_first: bool) -> String {
    let mut other = q.clone();
    let order = if oldest_first { "newest" } else { "oldest" };
    other.insert("order".to_owned(), vec![order.to_owned()]);
    query_of(&other, None)
}

/// The query again, without `before` (or with a new one) and without `lang`.
fn query_of(q: &HashMap<String, Vec<String>>, before: Option<&str>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    let mut keys: Vec<&String> = q
        .keys()
        .filter(|k| *k != "before" && *k != "lang")
        .collect();
    keys.sort();
    for k in keys {
        for v in &q[k] {
            s.append_pair(k, v);
        }
    }
    if let Some(b) = before {
        s.append_pair("before", b);
    }
    s.finish()
}

/// An option of a select: the API's value, its words, whether it is chosen.
#[derive(Serialize)]
struct Opt {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// The form's values as they were asked, and the choices of its selects in words.
fn form(q: &HashMap<String, Vec<String>>, lang: Lang) -> Value {
    let mut values = serde_json::Map::new();
    for f in FIELDS {
        let v = q.get(f).and_then(|v| v.last()).cloned().unwrap_or_default();
        values.insert(f.to_owned(), json!(v));
    }
    let asked = |f: &str| values[f].as_str().unwrap_or_default().to_owned();
    let (state, sev) = (asked("state"), asked("severity"));
    let states: Vec<Opt> = AlertState::ALL
        .iter()
        .map(|s| Opt {
            value: s.as_str(),
            label: lang.labels().state(*s),
            selected: s.as_str() == state,
        })
        .collect();
    let words = super::words::words(lang);
    let severities: Vec<Opt> = words.statuses[..3]
        .iter()
        .map(|c| Opt {
            value: c.value,
            label: c.label,
            selected: c.value.eq_ignore_ascii_case(&sev),
        })
        .collect();
    json!({"values": values, "states": states, "severities": severities})
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn the_next_page_keeps_the_filters_and_replaces_before() {
        let q = HashMap::from([
            (
                "service".to_owned(),
                vec!["blog".to_owned(), "shop".to_owned()],
            ),
            ("before".to_owned(), vec!["old".to_owned()]),
            ("lang".to_owned(), vec!["ja".to_owned()]),
        ]);
        assert_eq!(
            query_of(&q, Some("x")),
            "service=blog&service=shop&before=x"
        );
        assert_eq!(query_of(&q, None), "service=blog&service=shop");
    }

    #[test]
    fn from_takes_durations_back_from_now_as_well_as_dates_and_times() {
        let clock = Clock {
            tz: chrono_tz::Asia::Tokyo,
            now: 1_764_000_000,
        };
        assert_eq!(moment("7d", clock), Some(clock.now - 7 * 86_400));
        assert_eq!(moment("90s", clock), Some(clock.now - 90));
        assert_eq!(moment("15m", clock), Some(clock.now - 900));
        assert_eq!(moment("12h", clock), Some(clock.now - 12 * 3600));
        // 2025-11-01 00:00 in Tokyo.
        assert_eq!(moment("2025-11-01", clock), Some(1_761_922_800));
        assert_eq!(moment("last week", clock), None);
    }
}
