//! `GET /` and `GET /digests/{date}`: the meeting screen (design §10). A queue of
//! review items, one line each, and the selected item's detail with the controls
//! that decide it. Without JavaScript a row is a link to this page with the item
//! selected (`?item=`); with it, `j`/`k` fetch the detail alone
//! (`GET /digests/{date}/items/{key}`) and nothing reloads.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use serde::Serialize;

use super::meeting::{sep, QueueView, RowMaker};
use super::meeting_detail::{detail, DetailView};
use super::meeting_words::{meeting_words, MeetingWords};
use super::render::{code, Page, PageError};
use super::team_choice;
use crate::digest::queue::{Item, Queue};
use crate::digest::{meeting, Calendar, Window, WindowSpec};
use crate::server::api::query_pairs;
use crate::server::digests::Shared;
use crate::server::App;

/// `GET /`: today's meeting in the team's zone. The date picker's GET form
/// (`/?date=`) leads to that date's page; a date that is not one is a 400 naming it.
pub async fn today(
    State(app): State<Arc<App>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let q = query_pairs(raw.clone());
    if let Some(d) = q.get("date").and_then(|v| v.last()) {
        let page = Page::new(&app, &q);
        return match crate::timefmt::parse_date(d) {
            Ok(date) => {
                let lang = q
                    .get("lang")
                    .and_then(|v| v.last())
                    .map(|l| format!("?lang={}", urlencode(l)));
                let to = format!("/digests/{date}{}", lang.unwrap_or_default());
                (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
            }
            Err(e) => page.error(bad_date(page.lang, d, &e.to_string())),
        };
    }
    let now = chrono::Utc::now().with_timezone(&app.settings.timezone);
    show(&app, raw, &headers, Ok(now.date_naive())).await
}

/// `GET /digests/YYYY-MM-DD`.
pub async fn on_date(
    State(app): State<Arc<App>>,
    Path(date): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = Page::new(&app, &query_pairs(raw.clone())).lang;
    let parsed = crate::timefmt::parse_date(&date).map_err(|e| bad_date(lang, &date, &e.0));
    show(&app, raw, &headers, parsed).await
}

/// `GET /digests/YYYY-MM-DD/items/{key}`: the detail of one item, as HTML to put in
/// the page (what `j`/`k` show without reloading).
pub async fn item_detail(
    State(app): State<Arc<App>>,
    Path((date, key)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let q = query_pairs(raw);
    let page = Page::new(&app, &q);
    let result = async {
        let date =
            crate::timefmt::parse_date(&date).map_err(|e| bad_date(page.lang, &date, &e.0))?;
        let (spec, window) = meeting_of(&app, date);
        let choice = team_choice::choose(&app.settings.teams, &q, &headers)?;
        let shared = app
            .digests
            .of(&app.store, &spec, &window, choice.team)
            .await?;
        let q = shared.queue();
        let base = base_path(date, &page);
        let rows = row_maker(&app, &page, &window, &base, Some(&key));
        let view = rows.queue(q, String::new());
        let item = find(q, &key).ok_or_else(|| {
            PageError::new(
                StatusCode::NOT_FOUND,
                format!("no item {key:?} in this meeting"),
            )
        })?;
        let d = item_view(&app, &rows, q, &view, item, &base).await?;
        page.fragment(
            "meeting_detail",
            &DetailPage {
                detail: d,
                m: rows.words,
                github: app.settings.github.repo.is_some(),
            },
        )
    }
    .await;
    match result {
        Ok(html) => (StatusCode::OK, Html(html)).into_response(),
        Err(e) => (e.status, e.message).into_response(),
    }
}

fn bad_date(lang: crate::digest::Lang, given: &str, why: &str) -> PageError {
    let text = match lang {
        crate::digest::Lang::Ja => {
            format!("日付 {given:?} を読めません (YYYY-MM-DD の形で指定してください): {why}")
        }
        crate::digest::Lang::En => {
            format!("{given:?} is not a date: give the meeting date as YYYY-MM-DD ({why})")
        }
    };
    PageError::new(StatusCode::BAD_REQUEST, text)
}

fn meeting_of(app: &App, date: NaiveDate) -> (WindowSpec, Window) {
    let spec = meeting::spec(&app.settings, app.settings.timezone);
    let window = spec.for_meeting(date);
    (spec, window)
}

/// The page's own path in its language, without `item`: what rows link to.
fn base_path(date: NaiveDate, page: &Page) -> String {
    match page.lang_query.is_empty() {
        true => format!("/digests/{date}"),
        false => format!("/digests/{date}?lang={}", code(page.lang)),
    }
}

fn row_maker<'a>(
    app: &App,
    page: &Page,
    window: &Window,
    base: &'a str,
    selected: Option<&'a str>,
) -> RowMaker<'a> {
    RowMaker {
        labels: page.lang.labels(),
        words: meeting_words(page.lang),
        tz: app.settings.timezone,
        end: window.end,
        base,
        selected,
    }
}

/// The page is made once per digest and query (its language, the item selected):
/// the digest is shared (see `server::digests`), and so is its page while it is.
async fn show(
    app: &App,
    raw: Option<String>,
    headers: &HeaderMap,
    date: Result<NaiveDate, PageError>,
) -> Response {
    let q = query_pairs(raw.clone());
    let page = Page::new(app, &q);
    let mut remember = None;
    let result = async {
        let date = date?;
        let (spec, window) = meeting_of(app, date);
        let choice = team_choice::choose(&app.settings.teams, &q, headers)?;
        remember = choice.remember.clone();
        let shared = app
            .digests
            .of(&app.store, &spec, &window, choice.team)
            .await?;
        // A remembered team makes the same query another page.
        let query = format!("{}|{}", choice.name(), raw.unwrap_or_default());
        if let Some(html) = shared.page(&query) {
            return Ok(html);
        }
        let _one = shared.making_page().await;
        // The request this one waited for may have made it.
        if let Some(html) = shared.page(&query) {
            return Ok(html);
        }
        let asked = q.get("item").and_then(|v| v.last()).cloned();
        let unreviewed_only = q
            .get("unreviewed")
            .and_then(|v| v.last())
            .is_some_and(|v| v == "1");
        let mut body = body(app, &page, &spec, &shared, date, asked, unreviewed_only).await?;
        body.teams = team_choice::switcher(
            &app.settings.teams,
            &choice,
            &format!("/digests/{date}"),
            &page.lang_query,
            body.m.every_service,
        );
        let title = format!("{} {date}", page.lang.labels().title);
        let html = page.html(
            "digest",
            &title,
            serde_json::to_value(body).expect("a page serializes"),
        )?;
        let html = shared.keep_page(query, html);
        crate::memory::release_soon();
        Ok::<_, PageError>(html)
    }
    .await;
    let mut response = match result {
        Ok(html) => (StatusCode::OK, Html(html)).into_response(),
        Err(e) => page.error(e),
    };
    if let Some(cookie) = remember {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// What the meeting screen shows.
#[derive(Serialize)]
struct MeetingPage {
    m: &'static MeetingWords,
    date: String,
    previous: String,
    next: String,
    /// "Fri 12-04 00:00 → Mon 12-07 00:00 (Asia/Tokyo)".
    window: String,
    progress: String,
    notes: Vec<String>,
    totals: Vec<Total>,
    vs: String,
    chart_svg: String,
    quiet: Option<String>,
    queue: QueueView,
    detail: Option<DetailView>,
    unreviewed_only: bool,
    /// This page with `unreviewed=1` toggled (the filter without JavaScript).
    filter_href: String,
    github: bool,
    extras: serde_json::Value,
    /// The team switcher (empty with one team).
    teams: Vec<team_choice::TeamLink>,
}

#[derive(Serialize)]
struct DetailPage {
    detail: DetailView,
    m: &'static MeetingWords,
    github: bool,
}

#[derive(Serialize)]
struct Total {
    state: String,
    label: String,
    count: i64,
    change: String,
}

#[allow(clippy::too_many_arguments)]
async fn body(
    app: &App,
    page: &Page,
    spec: &WindowSpec,
    shared: &Shared,
    date: NaiveDate,
    asked: Option<String>,
    unreviewed_only: bool,
) -> Result<MeetingPage, PageError> {
    let window = spec.for_meeting(date);
    let digest = &shared.digest;
    let q = shared.queue();
    let selected = asked.or_else(|| first_unreviewed(q).map(|i| i.key.clone()));
    let base = base_path(date, page);
    let rows = row_maker(app, page, &window, &base, selected.as_deref());
    let earlier_link = earlier_link(&window, page);
    let mut view = rows.queue(q, earlier_link);
    if unreviewed_only {
        hide_done(&mut view);
    }
    let detail = match selected.as_deref().and_then(|k| find(q, k)) {
        Some(item) => Some(item_view(app, &rows, q, &view, item, &base).await?),
        None => None,
    };
    // The HTML digest's own context: totals with their change, the chart, the
    // notes, and the lists below the queue, in the page's language.
    let mut ctx = crate::digest::summary_context(digest, &window, page.lang);
    let totals = ctx["totals"]
        .as_array()
        .map(|t| t.iter().map(total).collect())
        .unwrap_or_default();
    let m = rows.words;
    Ok(MeetingPage {
        m,
        date: date.to_string(),
        previous: spec.calendar.previous_business_day(date).to_string(),
        next: next_business_day(&spec.calendar, date).to_string(),
        window: rows.window(window.start, window.end),
        progress: m
            .progress
            .replace("{reviewed}", &q.reviewed.to_string())
            .replace("{total}", &q.total.to_string()),
        notes: serde_json::from_value(ctx["notes"].take()).unwrap_or_default(),
        totals,
        vs: ctx["previous_text"].as_str().unwrap_or_default().to_owned(),
        chart_svg: ctx["chart_svg"].as_str().unwrap_or_default().to_owned(),
        quiet: ctx["quiet"]
            .as_bool()
            .filter(|q| *q)
            .map(|_| ctx["quiet_text"].as_str().unwrap_or_default().to_owned()),
        queue: view,
        detail,
        unreviewed_only,
        filter_href: format!(
            "{base}{}{}",
            sep(&base),
            if unreviewed_only {
                "unreviewed=0"
            } else {
                "unreviewed=1"
            }
        ),
        github: app.settings.github.repo.is_some(),
        teams: Vec::new(),
        extras: serde_json::json!({
            "open_tasks": ctx["open_tasks"].take(),
            "flapping": ctx["flapping"].take(),
            "noisy": ctx["noisy"].take(),
            "maintenance": ctx["maintenance"].take(),
            "generated": ctx["generated"].take(),
        }),
    })
}

fn total(v: &serde_json::Value) -> Total {
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    Total {
        state: text("state"),
        label: text("label"),
        count: v["count"].as_i64().unwrap_or(0),
        change: text("change"),
    }
}

/// The selected item's detail, with where it sits in the queue.
async fn item_view(
    app: &App,
    rows: &RowMaker<'_>,
    q: &Queue,
    view: &QueueView,
    item: &Item,
    base: &str,
) -> Result<DetailView, PageError> {
    let position = all_items(q)
        .position(|i| i.key == item.key)
        .map_or(0, |p| p + 1);
    let section = q.sections.iter().find(|s| {
        s.states
            .iter()
            .any(|st| st.items.iter().any(|i| i.key == item.key))
    });
    let l = rows.labels;
    let mut parts = Vec::new();
    if let Some(s) = section {
        parts.push(if s.carried_over {
            l.carried_over.to_owned()
        } else {
            s.service.clone().unwrap_or_else(|| l.no_service.to_owned())
        });
    }
    parts.push(l.state(item.state).to_owned());
    parts.push(
        rows.words
            .item_of
            .replace("{n}", &position.to_string())
            .replace("{total}", &view.items.to_string()),
    );
    let back = format!("{base}{}item={}#{}", sep(base), item.key, item.key);
    Ok(detail(&app.store, rows, item, parts.join(" · "), back).await?)
}

fn all_items(q: &Queue) -> impl Iterator<Item = &Item> {
    q.sections
        .iter()
        .flat_map(|s| &s.states)
        .flat_map(|st| &st.items)
        .chain(&q.earlier)
}

fn find<'a>(q: &'a Queue, key: &str) -> Option<&'a Item> {
    all_items(q).find(|i| i.key == key)
}

/// Where the meeting starts: the first item with an alert left to decide.
fn first_unreviewed(q: &Queue) -> Option<&Item> {
    all_items(q)
        .find(|i| i.reviewed < i.count)
        .or_else(|| all_items(q).next())
}

/// "Unreviewed only" without JavaScript: rows whose alerts all have an outcome go.
fn hide_done(view: &mut QueueView) {
    for s in &mut view.sections {
        for st in &mut s.states {
            st.rows.retain(|r| !r.done);
        }
        s.states.retain(|st| !st.rows.is_empty());
    }
    view.sections.retain(|s| !s.states.is_empty());
    view.earlier.retain(|r| !r.done);
}

/// The earlier meetings' unreviewed alerts on `/alerts`: the 7 days before the window.
fn earlier_link(window: &Window, page: &Page) -> String {
    let from = window
        .local(window.start - 7 * 86_400)
        .format("%Y-%m-%dT%H:%M:%S%:z");
    let to = window.local(window.start).format("%Y-%m-%dT%H:%M:%S%:z");
    format!(
        "/alerts?from={}&to={}{}",
        urlencode(&from.to_string()),
        urlencode(&to.to_string()),
        page.lang_query
    )
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
