//! `GET /alerts`: the search of `asakai alerts` as a form, its results newest
//! first, paged by `before`, with the same query as CSV and JSON.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono_tz::Tz;
use serde_json::{json, Value};

use super::render::{Page, PageError};
use crate::alert::{AlertView, State as AlertState};
use crate::review::Annotations;
use crate::server::api::{filter_from, query_pairs};
use crate::server::App;
use crate::store::StoredAlert;

/// The search form's fields, in the order the form shows them.
const FIELDS: [&str; 8] = [
    "service", "monitor", "host", "state", "severity", "from", "to", "search",
];

pub async fn search(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let mut q = query_pairs(raw);
    // The form sends every field; an empty one means "any", not "the empty service".
    q.retain(|_, values| {
        values.retain(|v| !v.trim().is_empty());
        !values.is_empty()
    });
    let page = Page::new(&app, &q);
    let title = page.words.alerts;
    match results(&app, &q).await {
        Ok(body) => page.render(StatusCode::OK, "alerts", title, body),
        // A bad filter keeps the form, with the error that names its field.
        Err(e) => {
            let body = json!({"error": e.message, "form": form(&q), "rows": [],
                "next": null, "query": query_of(&q, None), "oldest_first": false,
                "flip": flipped(&q, false)});
            page.render(e.status, "alerts", title, body)
        }
    }
}

async fn results(app: &App, q: &HashMap<String, Vec<String>>) -> Result<Value, PageError> {
    let filter = filter_from(app, q).await?;
    let limit = filter.limit.unwrap_or(100) as usize;
    let alerts = app.store.find_alerts(&filter).await?;
    let notes = Annotations::load_for(&app.store, &alerts).await?;
    let now = chrono::Utc::now().timestamp();
    let rows: Vec<Value> = alerts
        .iter()
        .map(|a| row(a, &notes, app.settings.timezone, now))
        .collect();
    let next = alerts
        .last()
        .filter(|_| alerts.len() == limit)
        .map(|last| format!("/alerts?{}", query_of(q, Some(&last.id))));
    let mut body = json!({
        "error": null,
        "form": form(q),
        "next": next,
        "query": query_of(q, None),
        "oldest_first": filter.oldest_first,
        "flip": flipped(q, filter.oldest_first),
    });
    // Moved in, not copied as `json!` would.
    body["rows"] = Value::Array(rows);
    Ok(body)
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

/// The form's values as they were asked, and the choices of its selects.
fn form(q: &HashMap<String, Vec<String>>) -> Value {
    let mut values = serde_json::Map::new();
    for f in FIELDS {
        let v = q.get(f).and_then(|v| v.last()).cloned().unwrap_or_default();
        values.insert(f.to_owned(), json!(v));
    }
    json!({
        "values": values,
        "states": AlertState::ALL.map(AlertState::as_str),
        "severities": ["CRITICAL", "WARNING", "UNKNOWN"],
    })
}

/// One alert as a result row: its state now, times in the team's zone, its outcome.
pub fn row(a: &StoredAlert, notes: &Annotations, tz: Tz, now: i64) -> Value {
    let view = AlertView::at(a, now);
    let review = notes.review(&a.id);
    json!({
        "id": a.id,
        "opened": local(a.opened_at, tz),
        "closed": a.closed_at.map(|c| local(c, tz)),
        "state": view.state.as_str(),
        "severity": a.severity,
        "monitor": a.monitor_name.clone().or_else(|| a.monitor_id.clone()).unwrap_or_else(|| a.kind.clone()),
        "host": a.host_name,
        "services": a.services.join(", "),
        "text": a.reason.clone().or_else(|| a.message.clone()),
        "outcome": review.map(|r| r.outcome),
        "note": review.and_then(|r| r.note.clone()),
    })
}

/// A time in the team's zone, to the minute.
pub fn local(secs: i64, tz: Tz) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
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
}
