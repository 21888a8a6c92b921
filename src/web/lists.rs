//! `GET /tasks` (open and done, with their alerts, recurrences and GitHub links)
//! and `GET /monitors` (the monitor hygiene report of `asakai report monitors`),
//! every word and time as the page's reader reads them.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::{json, Value};

use super::alert_rows::monitor_title;
use super::alerts_page::store_error;
use super::clock::{Clock, Stamp};
use super::render::{Page, PageError};
use super::words::{fill, Words};
use crate::report::{self, monitors::MonitorStats};
use crate::review::{task, Task, TaskState, TaskView};
use crate::server::api::query_pairs;
use crate::server::App;
use crate::store::StoredAlert;

/// The monitor report's default span, as on the command line.
const MONITORS_SINCE_DAYS: i64 = 30;

pub async fn tasks(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let page = Page::new(&app, &query_pairs(raw));
    match task_lists(&app, &page).await {
        Ok(b) => page.render(StatusCode::OK, "tasks", page.words.tasks, b),
        Err(e) => page.error(e),
    }
}

/// A task as the tasks page shows it.
#[derive(Serialize)]
struct TaskItem {
    id: i64,
    title: String,
    open: bool,
    created: Stamp,
    closed: Option<Stamp>,
    url: Option<String>,
    github_error: Option<String>,
    fired_again: String,
    alert_ids: Vec<String>,
}

async fn task_lists(app: &App, page: &Page) -> Result<Value, PageError> {
    let err = |e| store_error(page.words, e);
    let clock = Clock::now(app.settings.timezone);
    let all = task::list(&app.store, None).await.map_err(err)?;
    let mut views = Vec::with_capacity(all.len());
    for t in &all {
        views.push(task::view(&app.store, t).await.map_err(err)?);
    }
    // One alert of each task tells whether its title is the one asakai made.
    let firsts: Vec<String> = views
        .iter()
        .filter_map(|v| v.alert_ids.first().cloned())
        .collect();
    let alerts: HashMap<String, StoredAlert> = app
        .store
        .alerts_by_id(&firsts)
        .await
        .map_err(err)?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    let (mut open, mut done) = (Vec::new(), Vec::new());
    for (t, v) in all.iter().zip(views) {
        let first = v.alert_ids.first().and_then(|id| alerts.get(id));
        let item = task_item(t, v, first, page.words, clock);
        match t.state {
            TaskState::Open => open.push(item),
            TaskState::Done => done.push(item),
        }
    }
    let back = format!("/tasks{}", lang_suffix(page));
    Ok(json!({"open": open, "done": done, "back": back}))
}

/// `?lang=xx` when the visitor chose a language: a form comes back to the page in it.
pub fn lang_suffix(page: &Page) -> String {
    match page.lang_query.strip_prefix('&') {
        Some(q) => format!("?{q}"),
        None => String::new(),
    }
}

fn task_item(
    t: &Task,
    v: TaskView,
    first: Option<&StoredAlert>,
    words: &Words,
    clock: Clock,
) -> TaskItem {
    let mut fired_again = if v.fired_again == 0 {
        words.never_fired_again.to_owned()
    } else {
        words.fired_again_count.of(v.fired_again)
    };
    if let Some(last) = &v.last_fired_at {
        let at = clock.stamp_rfc3339(last).text;
        fired_again += &fill(words.last_fired, &[("at", &at)]);
    }
    TaskItem {
        id: v.id,
        title: task_title(t, first, words),
        open: t.state == TaskState::Open,
        created: clock.stamp(t.created_at),
        closed: t.closed_at.map(|c| clock.stamp(c)),
        url: v.url,
        github_error: v.github_error,
        fired_again,
        alert_ids: v.alert_ids,
    }
}

/// A task's title as people read it: one asakai made itself ("Follow up: …", kept
/// in English for GitHub) in the page's language; one a person typed, as typed.
pub fn task_title(t: &Task, alert: Option<&StoredAlert>, words: &Words) -> String {
    let Some(a) = alert.filter(|a| t.title == task::default_title(a)) else {
        return t.title.clone();
    };
    let monitor = monitor_title(a, &HashMap::new(), words);
    match a.host_name.as_deref().or(a.host_id.as_deref()) {
        Some(host) => fill(
            words.follow_up_title,
            &[("monitor", &monitor), ("host", host)],
        ),
        None => fill(words.follow_up_title_no_host, &[("monitor", &monitor)]),
    }
}

pub async fn monitors(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let page = Page::new(&app, &query_pairs(raw));
    match monitor_report(&app, &page).await {
        Ok(b) => page.render(StatusCode::OK, "monitors", page.words.monitors, b),
        Err(e) => page.error(e),
    }
}

/// A monitor of the report as the page shows it.
#[derive(Serialize)]
struct MonitorRow {
    monitor_id: Option<String>,
    monitor: String,
    alerts: i64,
    reviewed: i64,
    no_action: Option<String>,
    wasted: String,
    suggestion: Option<String>,
}

async fn monitor_report(app: &App, page: &Page) -> Result<Value, PageError> {
    let words = page.words;
    let clock = Clock::now(app.settings.timezone);
    let since = clock.now - MONITORS_SINCE_DAYS * 86_400;
    // The page reads stored thresholds: a page view never waits on Mackerel.
    let input = report::load_monitors(&app.store, clock.tz, since, clock.now, "stored")
        .await
        .map_err(|e| match e {
            report::ReportError::Store(s) => store_error(words, s),
            report::ReportError::Review(r) => {
                tracing::warn!(error = %r, "the monitor report could not be read");
                PageError::new(StatusCode::INTERNAL_SERVER_ERROR, words.errors.unreadable)
            }
        })?;
    let r = report::monitors::build(&input);
    let names = if r.monitors.iter().any(unnamed) {
        let known = app
            .store
            .monitors()
            .await
            .map_err(|e| store_error(words, e))?;
        known
            .into_iter()
            .filter_map(|(id, m)| m.name.map(|n| (id, n)))
            .collect()
    } else {
        HashMap::new()
    };
    let rows: Vec<MonitorRow> = r
        .monitors
        .iter()
        .map(|m| monitor_row(m, &names, page))
        .collect();
    let span = fill(
        words.monitors_span,
        &[
            ("days", &MONITORS_SINCE_DAYS.to_string()),
            ("from", &clock.stamp(since).text),
            ("to", &clock.stamp(clock.now).text),
            ("alerts", &words.alerts_count.of(r.alerts)),
        ],
    );
    Ok(json!({"span": span, "rows": rows}))
}

/// The report names a monitor by its id when no alert of it carried a name.
fn unnamed(m: &MonitorStats) -> bool {
    m.monitor_id.as_deref() == Some(m.monitor.as_str())
}

fn monitor_row(m: &MonitorStats, names: &HashMap<String, String>, page: &Page) -> MonitorRow {
    let monitor = match &m.monitor_id {
        Some(id) if unnamed(m) => names
            .get(id)
            .cloned()
            .unwrap_or_else(|| page.words.deleted_monitor.to_owned()),
        _ => m.monitor.clone(),
    };
    MonitorRow {
        monitor_id: m.monitor_id.clone(),
        monitor,
        alerts: m.alerts,
        reviewed: m.reviewed,
        no_action: m.no_action_share.map(|s| format!("{:.0}%", s * 100.0)),
        wasted: page.words.alerts_cell.of(m.wasted),
        suggestion: m.advice.as_ref().map(|s| s.text(page.lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Lang;
    use crate::web::words::words;

    fn task(fired_again: i64, last: Option<&str>) -> (Task, TaskView) {
        let t = Task {
            id: 1,
            title: "disk on db01".into(),
            body: String::new(),
            state: TaskState::Open,
            key: "m/h".into(),
            monitor_id: Some("m".into()),
            host_id: Some("h".into()),
            created_at: 1_764_000_000,
            closed_at: None,
            github_wanted: false,
            github_number: None,
            github_url: None,
            github_error: None,
            last_commented_at: None,
        };
        let v = TaskView {
            id: 1,
            title: t.title.clone(),
            state: TaskState::Open,
            key: t.key.clone(),
            alert_ids: vec![],
            url: None,
            github_error: None,
            created_at: "2025-11-24T16:00:00Z".into(),
            closed_at: None,
            fired_again,
            last_fired_at: last.map(str::to_owned),
        };
        (t, v)
    }

    fn fired(n: i64, last: Option<&str>, lang: Lang) -> String {
        let clock = Clock {
            tz: chrono_tz::Asia::Tokyo,
            now: 1_764_100_000,
        };
        let (t, v) = task(n, last);
        task_item(&t, v, None, words(lang), clock).fired_again
    }

    #[test]
    fn fired_again_counts_in_words_of_each_language() {
        let last = Some("2025-11-25T07:28:00Z");
        assert_eq!(fired(0, None, Lang::En), "has not fired again");
        assert_eq!(
            fired(1, last, Lang::En),
            "fired again once (last 11-25 16:28)"
        );
        assert_eq!(
            fired(3, last, Lang::En),
            "fired again 3 times (last 11-25 16:28)"
        );
        assert_eq!(fired(0, None, Lang::Ja), "再発なし");
        assert_eq!(fired(3, last, Lang::Ja), "3回再発(最後は11-25 16:28)");
    }

    #[test]
    fn a_title_asakai_made_is_shown_in_the_page_language_and_a_typed_one_as_typed() {
        let (mut t, _) = task(0, None);
        let mut a = crate::store::StoredAlert {
            monitor_name: Some("disk".into()),
            host_name: Some("db01".into()),
            ..crate::web::alert_rows::tests::sample()
        };
        a.monitor_id = Some("m".into());
        assert_eq!(task_title(&t, Some(&a), words(Lang::Ja)), "disk on db01");
        t.title = task::default_title(&a);
        assert_eq!(t.title, "Follow up: disk on db01");
        assert_eq!(
            task_title(&t, Some(&a), words(Lang::Ja)),
            "フォローアップ: disk(db01)"
        );
        assert_eq!(task_title(&t, Some(&a), words(Lang::En)), t.title);
    }
}
