//! The selected item's detail on the meeting screen (design §10): what it says,
//! how it went, what happened on the same host before, and the controls that
//! decide it. The only forms of the screen live here.

use std::collections::HashMap;

use serde::Serialize;

use super::meeting::{RowMaker, RowView};
use crate::digest::queue::Item;
use crate::digest::{duration, Labels};
use crate::review::{latest_reviews_of, ReviewView};
use crate::store::{AlertFilter, Store, StoreError, StoredAlert, StoredLog};

/// How many earlier alerts of the same monitor on the same host are shown.
const EARLIER_SHOWN: usize = 5;

#[derive(Debug, Serialize)]
pub struct DetailView {
    pub row: RowView,
    /// "blog · Closed manually · item 7 of 19".
    pub context: String,
    /// Comma-separated, for the forms.
    pub ids: String,
    pub message: Option<String>,
    pub reason: Option<String>,
    pub url: Option<String>,
    pub image_url: Option<String>,
    /// The metric around the newest alert, drawn by asakai (safe markup of its own).
    pub graph_svg: Option<String>,
    /// Why there is no graph, in words, when there is none.
    pub no_graph: Option<&'static str>,
    pub timeline: Vec<Moment>,
    /// The item's alerts when it holds more than one.
    pub alerts: Vec<AlertLine>,
    pub earlier: Vec<AlertLine>,
    pub outcomes: Vec<OutcomeButton>,
    /// The note of the newest alert's review, to edit.
    pub note: Option<String>,
    pub reviewed_by: Option<String>,
    /// One task form per host (a task is for one monitor on one host).
    pub task_hosts: Vec<TaskHost>,
    pub several_hosts: bool,
    pub task: Option<String>,
    pub task_url: Option<String>,
    /// Where a form comes back to: this item, in this language.
    pub back: String,
}

#[derive(Debug, Serialize)]
pub struct Moment {
    pub at: String,
    pub what: String,
    pub severity: Option<String>,
    pub severity_label: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AlertLine {
    pub id: String,
    pub when: String,
    pub severity: Option<String>,
    pub severity_label: Option<String>,
    pub duration: String,
    pub state: &'static str,
    pub outcome: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OutcomeButton {
    pub key: usize,
    pub value: &'static str,
    pub label: &'static str,
    pub chosen: bool,
}

#[derive(Debug, Serialize)]
pub struct TaskHost {
    pub label: String,
    pub ids: String,
}

/// The detail of `item`, read from the store (its alerts, logs, reviews and the
/// same monitor's earlier alerts on the host).
pub async fn detail(
    store: &Store,
    rows: &RowMaker<'_>,
    item: &Item,
    context: String,
    back: String,
) -> Result<DetailView, StoreError> {
    let l = rows.labels;
    let w = rows.words;
    let alerts = store.alerts_by_id(&item.alert_ids).await?;
    let by_id: HashMap<&str, &StoredAlert> = alerts.iter().map(|a| (a.id.as_str(), a)).collect();
    let newest = item
        .alert_ids
        .last()
        .and_then(|id| by_id.get(id.as_str()).copied());
    let earlier = match alerts.iter().min_by_key(|a| a.opened_at) {
        Some(first) => earlier(store, first).await?,
        None => Vec::new(),
    };
    let ids: Vec<&str> = alerts
        .iter()
        .chain(&earlier)
        .map(|a| a.id.as_str())
        .collect();
    let reviews = latest_reviews_of(store, &ids).await?;
    let newest_review = newest.and_then(|a| reviews.get(&a.id));
    let timeline = match newest {
        Some(a) => timeline(store, a, rows).await?,
        None => Vec::new(),
    };
    let (graph_svg, no_graph) = match newest {
        Some(a) => graph(store, &a.id, rows).await?,
        None => (None, None),
    };
    let line = |a: &StoredAlert| alert_line(a, reviews.get(&a.id), rows);
    let mut own: Vec<&StoredAlert> = alerts.iter().collect();
    own.sort_by_key(|a| a.opened_at);
    let chosen = item.outcome.map(|o| o.as_str());
    Ok(DetailView {
        row: rows.row(item, None),
        context,
        ids: item.alert_ids.join(","),
        message: newest.and_then(|a| a.message.clone()),
        reason: newest.and_then(|a| a.reason.clone()),
        url: newest.and_then(|a| a.url.clone()),
        image_url: newest.and_then(|a| a.image_url.clone()),
        graph_svg,
        no_graph,
        timeline,
        alerts: if own.len() > 1 {
            own.into_iter().map(line).collect()
        } else {
            Vec::new()
        },
        earlier: earlier.iter().map(line).collect(),
        outcomes: crate::review::Outcome::ALL
            .iter()
            .enumerate()
            .map(|(i, o)| OutcomeButton {
                key: i + 1,
                value: o.as_str(),
                label: l.outcomes[o.index()],
                chosen: chosen == Some(o.as_str()),
            })
            .collect(),
        note: newest_review.and_then(|r| r.note.clone()),
        reviewed_by: newest_review.and_then(|r| r.by.clone()),
        task_hosts: task_hosts(item, w.task_for_host),
        several_hosts: item.hosts.len() > 1,
        task: item.task.as_ref().map(|t| format!("#{} {}", t.id, t.title)),
        task_url: item.task.as_ref().and_then(|t| t.url.clone()),
        back,
    })
}

/// The alert's graph, or why it has none, in the page's language.
async fn graph(
    store: &Store,
    alert_id: &str,
    rows: &RowMaker<'_>,
) -> Result<(Option<String>, Option<&'static str>), StoreError> {
    let lang = match rows.labels.lang {
        "ja" => crate::digest::Lang::Ja,
        _ => crate::digest::Lang::En,
    };
    Ok(
        match crate::graphs::svg_for_alert(store, alert_id, rows.tz, lang).await? {
            Some(crate::graphs::AlertGraph::Svg(svg)) => (Some(svg), None),
            Some(crate::graphs::AlertGraph::None(why)) => (None, Some(why.text(lang))),
            None => (None, None),
        },
    )
}

fn task_hosts(item: &Item, for_host: &str) -> Vec<TaskHost> {
    if item.hosts.len() <= 1 {
        return vec![TaskHost {
            label: String::new(),
            ids: item.alert_ids.join(","),
        }];
    }
    item.hosts
        .iter()
        .map(|h| TaskHost {
            label: for_host.replace("{host}", h.host.as_deref().unwrap_or("-")),
            ids: h.alert_ids.join(","),
        })
        .collect()
}

/// The same monitor on the same host, opened before `a`, newest first.
async fn earlier(store: &Store, a: &StoredAlert) -> Result<Vec<StoredAlert>, StoreError> {
    let Some(monitor) = a.monitor_id.clone() else {
        return Ok(Vec::new());
    };
    let filter = AlertFilter {
        monitor: Some(monitor),
        host: a.host_id.clone(),
        to: Some(a.opened_at),
        limit: Some(50),
        ..AlertFilter::default()
    };
    // The filter matches names containing the ids too: keep exact matches only.
    Ok(store
        .find_alerts(&filter)
        .await?
        .into_iter()
        .filter(|x| {
            x.id != a.id
                && x.opened_at < a.opened_at
                && x.monitor_id == a.monitor_id
                && x.host_id == a.host_id
        })
        .take(EARLIER_SHOWN)
        .collect())
}

fn alert_line(a: &StoredAlert, review: Option<&ReviewView>, rows: &RowMaker<'_>) -> AlertLine {
    let l = rows.labels;
    let (state, _) = crate::alert::state_at(
        a.closed_at,
        a.close_cause.as_deref(),
        a.reason.as_deref(),
        i64::MAX,
    );
    let end = a
        .closed_at
        .unwrap_or_else(|| chrono::Utc::now().timestamp());
    AlertLine {
        id: a.id.clone(),
        when: rows.span(a.opened_at, a.closed_at),
        severity: a.severity.clone(),
        severity_label: rows.severity(a.severity.as_deref()),
        duration: duration(end - a.opened_at, l),
        state: l.state(state),
        outcome: review.map(|r| l.outcomes[r.outcome.index()].to_owned()),
    }
}

/// Opened (with the first severity the logs hold), every change of severity, and
/// the close: by whom or what, and why.
async fn timeline(
    store: &Store,
    a: &StoredAlert,
    rows: &RowMaker<'_>,
) -> Result<Vec<Moment>, StoreError> {
    let l = rows.labels;
    let w = rows.words;
    let logs = store.alert_logs(&a.id).await?;
    let mut changes = logs.iter().filter(|g| g.status != "OK");
    let first: Option<&StoredLog> = changes.next();
    let opened_as = first.map(|g| g.status.clone()).or(a.severity.clone());
    let mut out = vec![Moment {
        at: rows.time(a.opened_at),
        what: w.opened.to_owned(),
        severity_label: rows.severity(opened_as.as_deref()),
        severity: opened_as,
        detail: first.and_then(|g| g.target_value).map(number),
    }];
    let mut last = first.map(|g| g.status.as_str());
    for g in changes {
        if Some(g.status.as_str()) == last {
            continue;
        }
        last = Some(g.status.as_str());
        out.push(Moment {
            at: rows.time(g.created_at),
            what: w.changed_to.to_owned(),
            severity: Some(g.status.clone()),
            severity_label: rows.severity(Some(&g.status)),
            detail: g.target_value.map(number),
        });
    }
    if let Some(closed) = a.closed_at {
        let (what, detail) = close_detail(store, a, l).await?;
        out.push(Moment {
            at: rows.time(closed),
            what,
            severity: None,
            severity_label: None,
            detail,
        });
    }
    Ok(out)
}

/// How it closed, in the page's language ("Closed manually"), and by whom and why
/// ("sato: rotated logs").
async fn close_detail(
    store: &Store,
    a: &StoredAlert,
    l: &'static Labels,
) -> Result<(String, Option<String>), StoreError> {
    let (state, _) = crate::alert::state_at(
        a.closed_at,
        a.close_cause.as_deref(),
        a.reason.as_deref(),
        i64::MAX,
    );
    let by = store.closed_by(&a.id).await?;
    let detail = match (by, &a.reason) {
        (Some(by), Some(r)) => Some(format!("{by}: {r}")),
        (Some(by), None) => Some(by),
        (None, Some(r)) => Some(r.clone()),
        (None, None) => None,
    };
    Ok((l.state(state).to_owned(), detail))
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}
