//! `GET /alerts/{id}`: one alert's story (timeline from its logs, graph, reviews,
//! task) and "when did this fire before, and what did we do?": the same monitor on
//! the same host in the year before it opened, with outcomes and a chart per month.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use serde_json::{json, Value};

use super::alert_rows::Rows;
use super::alerts_page::store_error;
use super::clock::{Clock, Stamp};
use super::lists::{lang_suffix, task_title};
use super::render::{Page, PageError};
use super::words::{fill, Words};
use crate::review::{history, Annotations, TaskState};
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
    match body(&app, &page, &id).await {
        Ok(b) => page.render(
            StatusCode::OK,
            "alert",
            &format!("{} {id}", page.words.alerts),
            b,
        ),
        Err(e) => page.error(e),
    }
}

async fn body(app: &App, page: &Page, id: &str) -> Result<Value, PageError> {
    let words = page.words;
    let err = |e| store_error(words, e);
    let found = app
        .store
        .alerts_by_id(&[id.to_owned()])
        .await
        .map_err(err)?;
    let a = found.first().ok_or_else(|| {
        PageError::new(
            StatusCode::NOT_FOUND,
            fill(words.errors.no_alert, &[("id", id)]),
        )
    })?;
    let clock = Clock::now(app.settings.timezone);
    let earlier = earlier(app, a).await.map_err(err)?;
    let shown: Vec<StoredAlert> = earlier.iter().chain([a]).cloned().collect();
    let rows = Rows::load(app, page, &shown, clock).await?;
    let notes = Annotations::load_for(&app.store, [a]).await.map_err(err)?;
    let task = notes.task(a).map(|t| TaskLink {
        id: t.id,
        title: task_title(t, Some(a), words),
        state: match t.state {
            TaskState::Open => words.open,
            TaskState::Done => words.done,
        },
        url: t.github_url.clone(),
    });
    let opened: Vec<i64> = earlier.iter().map(|e| e.opened_at).collect();
    let earlier_html = rows.html(&earlier, &page.lang_query);
    // asakai's own drawing of the metric around the alert (safe markup), or why none.
    let (graph_svg, no_graph) =
        match crate::graphs::svg_for_alert(&app.store, &a.id, clock.tz, page.lang)
            .await
            .map_err(err)?
        {
            Some(crate::graphs::AlertGraph::Svg(svg)) => (Some(svg), None),
            Some(crate::graphs::AlertGraph::None(why)) => (None, Some(why.text(page.lang))),
            None => (None, None),
        };
    Ok(json!({
        "alert": rows.row(a),
        "url": a.url,
        "image_url": a.image_url,
        "graph_svg": graph_svg,
        "no_graph": no_graph,
        "graph_png": crate::web::graph_png_url(app, &a.id).await,
        "ids": a.id,
        "back": format!("/alerts/{}{}", a.id, lang_suffix(page)),
        "timeline": timeline(app, a, words, clock).await.map_err(err)?,
        "reviews": reviews(app, &a.id, clock).await.map_err(err)?,
        "task": task,
        // asakai's own markup, every value in it escaped (see alert_rows).
        "earlier_html": earlier_html,
        "chart_svg": monthly_svg(&opened, a.opened_at, clock.tz, words),
        "github": app.settings.github.repo.is_some(),
    }))
}

/// The alert's follow-up task, its title and state in words.
#[derive(Serialize)]
struct TaskLink {
    id: i64,
    title: String,
    state: &'static str,
    url: Option<String>,
}

#[derive(Serialize)]
struct ReviewLine {
    at: Stamp,
    outcome: crate::review::Outcome,
    note: Option<String>,
    by: Option<String>,
}

/// Every review, newest first, its time in the team's zone.
async fn reviews(app: &App, id: &str, clock: Clock) -> Result<Vec<ReviewLine>, StoreError> {
    Ok(history(&app.store, id)
        .await?
        .into_iter()
        .map(|r| ReviewLine {
            at: clock.stamp_rfc3339(&r.at),
            outcome: r.outcome,
            note: r.note,
            by: r.by,
        })
        .collect())
}

/// The same monitor on the same host in the year before `a` opened, newest first:
/// only alerts opened before it (in the store's order), never later ones.
async fn earlier(app: &App, a: &StoredAlert) -> Result<Vec<StoredAlert>, StoreError> {
    let Some(monitor) = a.monitor_id.clone() else {
        return Ok(Vec::new());
    };
    let filter = AlertFilter {
        monitor: Some(monitor),
        host: a.host_id.clone(),
        from: Some(a.opened_at - YEAR_SECS),
        // `to` is exclusive; one opened in the same second may still come before.
        to: Some(a.opened_at + 1),
        limit: Some(500),
        ..AlertFilter::default()
    };
    let all = app.store.find_alerts(&filter).await?;
    // The filter also matches names containing the id: keep exact matches only.
    Ok(all
        .into_iter()
        .filter(|x| x.monitor_id == a.monitor_id && x.host_id == a.host_id)
        .filter(|x| (x.opened_at, &x.id) < (a.opened_at, &a.id))
        .collect())
}

/// A line of the timeline: when, what in words, and why or what Mackerel said.
#[derive(Serialize)]
struct Event {
    at: Stamp,
    what: String,
    detail: Option<String>,
}

/// Opened, every status change the logs hold, and the close with its reason.
async fn timeline(
    app: &App,
    a: &StoredAlert,
    words: &Words,
    clock: Clock,
) -> Result<Vec<Event>, StoreError> {
    let logs = app.store.alert_logs(&a.id).await?;
    let mut out = vec![Event {
        at: clock.stamp(a.opened_at),
        what: words.opened.to_owned(),
        detail: a.message.clone(),
    }];
    for l in logs {
        out.push(Event {
            at: clock.stamp(l.created_at),
            what: words.status(&l.status).to_owned(),
            detail: Some(words.trigger(&l.trigger).to_owned()),
        });
    }
    if let Some(closed) = a.closed_at {
        // Mackerel's reason is what a person wrote; the cause, asakai's words for it.
        let why = a.reason.clone().or_else(|| {
            a.close_cause
                .as_deref()
                .map(|c| words.trigger(c).to_owned())
        });
        // Who closed it is known only from Mackerel's webhook of the close.
        let by = app.store.closed_by(&a.id).await?;
        let detail = match (why, by) {
            (Some(w), Some(b)) => Some(format!("{w} ({b})")),
            (None, Some(b)) => Some(format!("({b})")),
            (w, None) => w,
        };
        out.push(Event {
            at: clock.stamp(closed),
            what: words.closed.to_owned(),
            detail,
        });
    }
    Ok(out)
}

/// Bars of alerts per month for the twelve months to the month of `until`, with
/// their counts in words for those who cannot see the bars. Numbers and the
/// page's own words only, escaped: the markup is safe to put on the page as is.
fn monthly_svg(opened: &[i64], until: i64, tz: chrono_tz::Tz, words: &Words) -> String {
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
    let this = month_of(until);
    let months: Vec<NaiveDate> = (0..12u32)
        .rev()
        .map(|i| this.checked_sub_months(Months::new(i)).unwrap_or(this))
        .collect();
    let counts: Vec<usize> = months
        .iter()
        .map(|m| opened.iter().filter(|t| month_of(**t) == *m).count())
        .collect();
    let said = |m: &NaiveDate, c: usize| {
        fill(
            words.chart_month,
            &[
                ("month", &m.format(words.month_format).to_string()),
                ("n", &c.to_string()),
            ],
        )
    };
    let label: Vec<String> = months
        .iter()
        .zip(&counts)
        .map(|(m, c)| said(m, *c))
        .collect();
    let label = handlebars::html_escape(&format!(
        "{}: {}",
        words.per_month,
        label.join(words.list_separator)
    ));
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let mut svg = format!(
        r#"<svg class="monthly" viewBox="0 0 240 70" role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, (m, c)) in months.iter().zip(&counts).enumerate() {
        let h = (*c as f64 / max as f64 * 50.0).round();
        let x = i * 20 + 2;
        svg.push_str(&format!(
            r#"<rect class="bar" x="{x}" y="{}" width="16" height="{h}"><title>{}</title></rect><text x="{}" y="68" aria-hidden="true">{}</text>"#,
            55.0 - h,
            handlebars::html_escape(&said(m, *c)),
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
    use crate::digest::Lang;

    #[test]
    fn the_monthly_chart_has_twelve_bars_and_counts_each_month_in_words() {
        let now = 1_764_000_000; // 2025-11-24
        let words = super::super::words::words(Lang::En);
        let svg = monthly_svg(
            &[now - 86_400, now - 2 * 86_400, now - 40 * 86_400],
            now,
            chrono_tz::UTC,
            words,
        );
        assert_eq!(svg.matches("<rect").count(), 12);
        assert!(svg.contains("<title>Nov 2025: 2</title>"), "{svg}");
        assert!(svg.contains("<title>Oct 2025: 1</title>"), "{svg}");
        assert!(
            svg.contains(r#"role="img" aria-label="Alerts per month in the year before this one: Dec 2024: 0, "#),
            "{svg}"
        );
    }

    #[test]
    fn the_monthly_chart_speaks_japanese_on_a_japanese_page() {
        let now = 1_764_000_000;
        let svg = monthly_svg(
            &[now],
            now,
            chrono_tz::UTC,
            super::super::words::words(Lang::Ja),
        );
        assert!(svg.contains("<title>2025年11月: 1件</title>"), "{svg}");
        assert!(
            svg.contains("aria-label=\"この発生までの1年間の月別アラート数: 2024年12月: 0件、2025年1月: 0件、"),
            "{svg}"
        );
    }
}
