//! `GET /alerts/{id}`: one alert's story (timeline from its logs, graph, reviews,
//! task) and "when did this fire before, and what did we do?": the same monitor on
//! the same host over the past year, with outcomes and a chart per month.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, Months, NaiveDate};
use serde_json::{json, Value};

use super::alerts_page::{local, row};
use super::render::{Page, PageError};
use crate::review::{history, Annotations};
use crate::server::api::query_pairs;
use crate::server::App;
use crate::store::{AlertFilter, StoreError, StoredAlert};

const YEAR_SECS: i64 = 365 * 86_400;

pub async fn show(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = Page::new(&app, &query_pairs(raw));
    match body(&app, &id).await {
        Ok(b) => page.render(
            StatusCode::OK,
            "alert",
            &format!("{} {id}", page.words.alerts),
            b,
        ),
        Err(e) => page.error(e),
    }
}

async fn body(app: &App, id: &str) -> Result<Value, PageError> {
    let found = app.store.alerts_by_id(&[id.to_owned()]).await?;
    let a = found
        .first()
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, format!("no alert {id:?}")))?;
    let tz = app.settings.timezone;
    let now = chrono::Utc::now().timestamp();
    let earlier = earlier(app, a, now).await?;
    let notes = Annotations::load_for(&app.store, earlier.iter().chain([a])).await?;
    let rows: Vec<Value> = earlier.iter().map(|e| row(e, &notes, tz, now)).collect();
    let opened: Vec<i64> = earlier.iter().map(|e| e.opened_at).collect();
    let task = notes
        .task(a)
        .map(|t| json!({"id": t.id, "title": t.title, "state": t.state, "url": t.github_url}));
    Ok(json!({
        "alert": row(a, &notes, tz, now),
        "url": a.url,
        "image_url": a.image_url,
        "ids": a.id,
        "back": format!("/alerts/{}", a.id),
        "timeline": timeline(app, a).await?,
        "reviews": reviews(app, &a.id).await?,
        "task": task,
        "earlier": rows,
        "chart_svg": monthly_svg(&opened, now, tz),
        "github": app.settings.github.repo.is_some(),
    }))
}

/// Every review, newest first, its time in the team's zone.
async fn reviews(app: &App, id: &str) -> Result<Vec<Value>, PageError> {
    let tz = app.settings.timezone;
    Ok(history(&app.store, id)
        .await?
        .into_iter()
        .map(|r| {
            let at = chrono::DateTime::parse_from_rfc3339(&r.at)
                .map(|t| local(t.timestamp(), tz))
                .unwrap_or(r.at.clone());
            json!({"at": at, "outcome": r.outcome, "note": r.note, "by": r.by})
        })
        .collect())
}

/// The same monitor on the same host in the past year, newest first, this one left out.
async fn earlier(app: &App, a: &StoredAlert, now: i64) -> Result<Vec<StoredAlert>, StoreError> {
    let Some(monitor) = a.monitor_id.clone() else {
        return Ok(Vec::new());
    };
    let filter = AlertFilter {
        monitor: Some(monitor),
        host: a.host_id.clone(),
        from: Some(now - YEAR_SECS),
        limit: Some(500),
        ..AlertFilter::default()
    };
    let all = app.store.find_alerts(&filter).await?;
    // The filter also matches names containing the id: keep exact matches only.
    Ok(all
        .into_iter()
        .filter(|x| x.id != a.id && x.monitor_id == a.monitor_id && x.host_id == a.host_id)
        .collect())
}

/// Opened, every status change the logs hold, and the close with its reason.
async fn timeline(app: &App, a: &StoredAlert) -> Result<Vec<Value>, StoreError> {
    let tz = app.settings.timezone;
    let logs = app.store.alert_logs(&a.id).await?;
    let mut out =
        vec![json!({"at": local(a.opened_at, tz), "what": "opened", "detail": a.message})];
    for l in logs {
        out.push(json!({"at": local(l.created_at, tz), "what": l.status, "detail": l.trigger}));
    }
    if let Some(closed) = a.closed_at {
        let why = a.reason.clone().or_else(|| a.close_cause.clone());
        // Who closed it is known only from Mackerel's webhook of the close.
        let by = app.store.closed_by(&a.id).await?;
        let detail = match (why, by) {
            (Some(w), Some(b)) => Some(format!("{w} ({b})")),
            (None, Some(b)) => Some(format!("({b})")),
            (w, None) => w,
        };
        out.push(json!({"at": local(closed, tz), "what": "closed", "detail": detail}));
    }
    Ok(out)
}

/// Bars of alerts per month for the twelve months to `now`: numbers only, so the
/// markup is safe to put on the page unescaped.
fn monthly_svg(opened: &[i64], now: i64, tz: chrono_tz::Tz) -> String {
    let month_of = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|d| {
                d.with_timezone(&tz)
                    .date_naive()
                    .with_day(1)
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    };
    let this = month_of(now);
    let months: Vec<NaiveDate> = (0..12u32)
        .rev()
        .map(|i| this.checked_sub_months(Months::new(i)).unwrap_or(this))
        .collect();
    let counts: Vec<usize> = months
        .iter()
        .map(|m| opened.iter().filter(|t| month_of(**t) == *m).count())
        .collect();
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let mut svg = String::from(
        r#"<svg class="monthly" viewBox="0 0 240 70" role="img" xmlns="http://www.w3.org/2000/svg">"#,
    );
    for (i, (m, c)) in months.iter().zip(&counts).enumerate() {
        let h = (*c as f64 / max as f64 * 50.0).round();
        let x = i * 20 + 2;
        svg.push_str(&format!(
            r#"<rect class="bar" x="{x}" y="{}" width="16" height="{h}"><title>{} {c}</title></rect><text x="{}" y="68">{}</text>"#,
            55.0 - h,
            m.format("%Y-%m"),
            x + 8,
            m.month()
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_monthly_chart_has_twelve_bars_and_counts_each_month() {
        let now = 1_764_000_000; // 2025-11-24
        let svg = monthly_svg(
            &[now - 86_400, now - 2 * 86_400, now - 40 * 86_400],
            now,
            chrono_tz::UTC,
        );
        assert_eq!(svg.matches("<rect").count(), 12);
        assert!(svg.contains("<title>2025-11 2</title>"), "{svg}");
        assert!(svg.contains("<title>2025-10 1</title>"), "{svg}");
    }
}
