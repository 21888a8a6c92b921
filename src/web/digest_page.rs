//! `GET /` and `GET /digests/{date}`: a meeting's digest, reviewable in place.
//! The digest's own context (the one the HTML digest renders) is the page's data;
//! each alert gains its outcome and each monitor group the ids its form records.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::{json, Value};

use super::render::{Page, PageError};
use crate::digest::{meeting, page_context, Calendar, Digest, WindowSpec};
use crate::review::{latest_reviews, ReviewView};
use crate::server::api::query_pairs;
use crate::server::App;

/// `GET /`: today's meeting in the team's zone.
/// The date picker's GET form (`/?date=`) leads to that date's page.
pub async fn today(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let q = query_pairs(raw.clone());
    if let Some(d) = q.get("date").and_then(|v| v.last()) {
        if let Ok(date) = crate::timefmt::parse_date(d) {
            let lang = q
                .get("lang")
                .and_then(|v| v.last())
                .map(|l| format!("?lang={}", urlencode(l)));
            let to = format!("/digests/{date}{}", lang.unwrap_or_default());
            return (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
        }
    }
    let now = chrono::Utc::now().with_timezone(&app.settings.timezone);
    show(&app, raw, Ok(now.date_naive())).await
}

/// `GET /digests/YYYY-MM-DD`.
pub async fn on_date(
    State(app): State<Arc<App>>,
    Path(date): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let date = crate::timefmt::parse_date(&date)
        .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, e.to_string()));
    show(&app, raw, date).await
}

/// The page is made once per digest and query (its language and links): the
/// digest is shared (see `server::digests`), and so is its page while the digest is.
async fn show(app: &App, raw: Option<String>, date: Result<NaiveDate, PageError>) -> Response {
    let page = Page::new(app, &query_pairs(raw.clone()));
    let result = async {
        let date = date?;
        let spec = meeting::spec(&app.settings, app.settings.timezone);
        let window = spec.for_meeting(date);
        let shared = app.digests.of(&app.store, &spec, &window).await?;
        let query = raw.unwrap_or_default();
        if let Some(html) = shared.page(&query) {
            return Ok(html);
        }
        let _one = shared.making_page().await;
        // The request this one waited for may have made it.
        if let Some(html) = shared.page(&query) {
            return Ok(html);
        }
        let body = digest_body(app, &page, &spec, &shared.digest, date).await?;
        let title = body["digest"]["title"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let html = page.html("digest", &title, body)?;
        let html = shared.keep_page(query, html);
        // Making the page built its whole context as a tree of JSON values, many
        // times the page's size: hand it back (see `Digests::build`).
        crate::memory::release_soon();
        Ok::<_, PageError>(html)
    }
    .await;
    match result {
        Ok(html) => (StatusCode::OK, Html(html)).into_response(),
        Err(e) => page.error(e),
    }
}

async fn digest_body(
    app: &App,
    page: &Page,
    spec: &WindowSpec,
    digest: &Digest,
    date: NaiveDate,
) -> Result<Value, PageError> {
    let window = spec.for_meeting(date);
    let mut ctx = page_context(digest, &window, page.lang);
    let reviews = latest_reviews(&app.store).await?;
    let (reviewed, total) = annotate(&mut ctx, &reviews);
    // The date picker and the chart markup travel apart from the digest's words.
    let chart = ctx["chart_svg"].take();
    Ok(json!({
        "digest": ctx,
        "chart_svg": chart,
        "date": date.to_string(),
        "previous": spec.calendar.previous_business_day(date).to_string(),
        "next": next_business_day(&spec.calendar, date).to_string(),
        "reviewed": reviewed,
        "total": total,
        "back": format!("/digests/{date}"),
        "github": app.settings.github.repo.is_some(),
    }))
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn next_business_day(calendar: &Calendar, d: NaiveDate) -> NaiveDate {
    let mut day = d;
    for _ in 0..31 {
        day = day.succ_opt().unwrap_or(day);
        if calendar.is_business_day(day) {
            return day;
        }
    }
    d.succ_opt().unwrap_or(d)
}

/// Puts each alert's outcome beside it and each monitor group's ids on the group;
/// answers (reviewed, total) over the window's alerts. A condensed group's alerts
/// are in `all` (behind its toggle), a section's capped rest in `more.alerts`.
fn annotate(ctx: &mut Value, reviews: &HashMap<String, ReviewView>) -> (usize, usize) {
    let mut seen: HashMap<String, bool> = HashMap::new();
    for group in groups_mut(ctx) {
        let mut ids = Vec::new();
        for list in ["alerts", "all"] {
            for a in alerts_mut(group, list) {
                ids.push(mark(a, reviews, &mut seen));
            }
        }
        let done = ids.iter().filter(|id| reviews.contains_key(*id)).count();
        group["ids"] = json!(ids.join(","));
        group["reviewed"] = json!(done);
        group["size"] = json!(ids.len());
        // Recovered alerts start folded, as the HTML digest condenses them.
        group["condensed"] = json!(!group["summary"].is_null());
    }
    for more in mores_mut(ctx) {
        for a in alerts_mut(more, "alerts") {
            mark(a, reviews, &mut seen);
        }
    }
    // Carried-over alerts opened before the window: shown, not counted.
    let mut carried: HashMap<String, bool> = HashMap::new();
    for a in alerts_mut(ctx, "carried_over") {
        mark(a, reviews, &mut carried);
    }
    if let Some(more) = ctx.get_mut("carried_more").filter(|m| m.is_object()) {
        for a in alerts_mut(more, "alerts") {
            mark(a, reviews, &mut carried);
        }
    }
    (seen.values().filter(|r| **r).count(), seen.len())
}

fn alerts_mut<'a>(v: &'a mut Value, key: &str) -> impl Iterator<Item = &'a mut Value> {
    v.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flat_map(|a| a.iter_mut())
}

/// Every monitor group of every state of every service.
fn groups_mut(ctx: &mut Value) -> Vec<&mut Value> {
    let mut out = Vec::new();
    for section in alerts_mut(ctx, "sections") {
        for g in alerts_mut(section, "groups") {
            out.extend(alerts_mut(g, "monitors"));
        }
    }
    out
}

/// Each section's capped rest (`more`), where there is one.
fn mores_mut(ctx: &mut Value) -> Vec<&mut Value> {
    alerts_mut(ctx, "sections")
        .filter_map(|s| s.get_mut("more"))
        .filter(|m| m.is_object())
        .collect()
}

/// Adds the outcome and note (or nulls) to one alert line, and whether it is the
/// page's anchor (`#alert-ID`: an alert of two services shows twice); answers its id.
fn mark(
    alert: &mut Value,
    reviews: &HashMap<String, ReviewView>,
    seen: &mut HashMap<String, bool>,
) -> String {
    let id = alert["id"].as_str().unwrap_or_default().to_owned();
    alert["anchor"] = json!(!seen.contains_key(&id));
    seen.insert(id.clone(), reviews.contains_key(&id));
    let review = reviews.get(&id);
    alert["outcome"] = json!(review.map(|r| r.outcome));
    alert["note"] = json!(review.and_then(|r| r.note.clone()));
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::Outcome;

    #[test]
    fn groups_get_their_ids_and_progress_counts_each_alert_once() {
        let mut ctx = json!({
            "sections": [
                {"groups": [{"monitors": [{"alerts": [{"id": "a"}, {"id": "b"}]}]}]},
                {"groups": [{"monitors": [{"alerts": [{"id": "a"}]}]}]}
            ],
            "carried_over": [{"id": "c"}]
        });
        let reviews = HashMap::from([(
            "a".to_owned(),
            ReviewView {
                alert_id: "a".into(),
                outcome: Outcome::Noise,
                note: Some("n".into()),
                by: None,
                at: String::new(),
            },
        )]);
        assert_eq!(annotate(&mut ctx, &reviews), (1, 2));
        let g = &ctx["sections"][0]["groups"][0]["monitors"][0];
        assert_eq!(g["ids"], "a,b");
        assert_eq!(g["alerts"][0]["outcome"], "noise");
        assert_eq!(g["alerts"][0]["note"], "n");
        assert!(ctx["carried_over"][0]["outcome"].is_null());
        assert_eq!(g["alerts"][0]["anchor"], true);
        let again = &ctx["sections"][1]["groups"][0]["monitors"][0]["alerts"][0];
        assert_eq!(again["anchor"], false, "a second copy is no anchor");
    }
}
