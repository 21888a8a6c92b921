//! The monitor hygiene report: per monitor, how much of the team's attention it
//! cost and how much of that led to nothing — opsweekly users' favourite question,
//! "is this alert constantly 'no action taken'?" — with a plain suggestion where
//! the evidence is strong, and a threshold what-if from the alerts' own values.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::TimeZone;
use chrono_tz::Tz;
use serde::Serialize;

use super::suggest::Suggestion;
use super::thresholds::Threshold;
use super::what_if::{what_if, WhatIf};
use crate::alert::{rfc3339, state_at, State};
use crate::digest::{percentile, Lang};
use crate::review::{Outcome, ReviewView, Task, TaskState};
use crate::store::StoredAlert;

/// Everything the report is built from.
#[derive(Debug, Clone)]
pub struct MonitorsInput {
    pub tz: Tz,
    pub since: i64,
    pub until: i64,
    /// Alerts opened in `[since, until)`.
    pub alerts: Vec<StoredAlert>,
    pub reviews: HashMap<String, ReviewView>,
    pub tasks: Vec<Task>,
    pub thresholds: HashMap<String, Threshold>,
    /// Where the thresholds came from: "mackerel" (read now), "stored", or "none".
    pub thresholds_from: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorReport {
    pub since: String,
    pub until: String,
    pub alerts: i64,
    pub thresholds_from: String,
    /// Most wasteful first.
    pub monitors: Vec<MonitorStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorStats {
    pub monitor_id: Option<String>,
    pub monitor: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub alerts: i64,
    pub hosts: i64,
    pub reviewed: i64,
    pub expected: i64,
    pub noise: i64,
    pub false_alarm: i64,
    /// Of the reviewed alerts, the share reviewed as expected, noise or false alarm.
    pub no_action_share: Option<f64>,
    /// Of the closed alerts, how long they were open.
    pub median_secs: Option<i64>,
    pub p90_secs: Option<i64>,
    /// Of all its alerts, the share that recovered by itself within 5 minutes.
    pub recovered_within_5m_share: f64,
    /// Host-days on which it opened 3 or more times (design §5's flapping).
    pub flapping: i64,
    pub open_tasks: i64,
    /// Alerts that cost attention for nothing: reviewed as no action, or
    /// unreviewed and gone within 5 minutes. The ranking.
    pub wasted: i64,
    /// The suggestion in English, as `report monitors` prints it.
    pub suggestion: Option<String>,
    /// The same suggestion as evidence, for a reader of another language.
    #[serde(skip)]
    pub advice: Option<Suggestion>,
    pub what_if: Option<WhatIf>,
}

const QUICK_SECS: i64 = 300;

pub fn build(input: &MonitorsInput) -> MonitorReport {
    let mut by: BTreeMap<String, Vec<&StoredAlert>> = BTreeMap::new();
    for a in &input.alerts {
        let key = a
            .monitor_id
            .clone()
            .unwrap_or_else(|| format!("type:{}", a.kind));
        by.entry(key).or_default().push(a);
    }
    let mut monitors: Vec<MonitorStats> = by.values().map(|list| stats(list, input)).collect();
    monitors.sort_by(|a, b| {
        (b.wasted, b.alerts)
            .cmp(&(a.wasted, a.alerts))
            .then(a.monitor.cmp(&b.monitor))
    });
    MonitorReport {
        since: rfc3339(input.since),
        until: rfc3339(input.until),
        alerts: input.alerts.len() as i64,
        thresholds_from: input.thresholds_from.clone(),
        monitors,
    }
}

fn quick_recovery(a: &StoredAlert, until: i64) -> bool {
    let (state, _) = state_at(
        a.closed_at,
        a.close_cause.as_deref(),
        a.reason.as_deref(),
        until,
    );
    state == State::Recovered && a.closed_at.is_some_and(|c| c - a.opened_at <= QUICK_SECS)
}

/// How a monitor's alerts were reviewed (latest outcome each).
struct ReviewCounts {
    reviewed: i64,
    expected: i64,
    noise: i64,
    false_alarm: i64,
    /// Unreviewed alerts that recovered by themselves within 5 minutes.
    unreviewed_quick: i64,
}

fn review_counts(list: &[&StoredAlert], input: &MonitorsInput) -> ReviewCounts {
    let outcome = |a: &&StoredAlert| input.reviews.get(&a.id).map(|r| r.outcome);
    let count = |o: Outcome| list.iter().filter(|a| outcome(a) == Some(o)).count() as i64;
    ReviewCounts {
        reviewed: list.iter().filter(|a| outcome(a).is_some()).count() as i64,
        expected: count(Outcome::Expected),
        noise: count(Outcome::Noise),
        false_alarm: count(Outcome::FalseAlarm),
        unreviewed_quick: list
            .iter()
            .filter(|a| outcome(a).is_none() && quick_recovery(a, input.until))
            .count() as i64,
    }
}

fn stats(list: &[&StoredAlert], input: &MonitorsInput) -> MonitorStats {
    let first = list[0];
    let r = review_counts(list, input);
    let no_action = r.expected + r.noise + r.false_alarm;
    let mut secs: Vec<i64> = list
        .iter()
        .filter_map(|a| a.closed_at.map(|c| c - a.opened_at))
        .collect();
    secs.sort_unstable();
    let quick = list
        .iter()
        .filter(|a| quick_recovery(a, input.until))
        .count();
    let hosts: BTreeSet<&String> = list.iter().filter_map(|a| a.host_id.as_ref()).collect();
    let mut s = MonitorStats {
        monitor_id: first.monitor_id.clone(),
        monitor: first
            .monitor_name
            .clone()
            .or_else(|| first.monitor_id.clone())
            .unwrap_or_else(|| first.kind.clone()),
        kind: first.kind.clone(),
        alerts: list.len() as i64,
        hosts: hosts.len() as i64,
        reviewed: r.reviewed,
        expected: r.expected,
        noise: r.noise,
        false_alarm: r.false_alarm,
        no_action_share: (r.reviewed > 0).then(|| no_action as f64 / r.reviewed as f64),
        median_secs: percentile(&secs, 50),
        p90_secs: percentile(&secs, 90),
        recovered_within_5m_share: quick as f64 / list.len() as f64,
        flapping: flapping(list, input.tz),
        open_tasks: open_tasks(input, &first.monitor_id),
        wasted: no_action + r.unreviewed_quick,
        suggestion: None,
        advice: None,
        what_if: None,
    };
    s.what_if = first
        .monitor_id
        .as_ref()
        .and_then(|id| input.thresholds.get(id))
        .and_then(|t| what_if(t, list));
    s.advice = super::suggest::suggestion(&s);
    s.suggestion = s.advice.as_ref().map(|a| a.text(Lang::En));
    s
}

fn open_tasks(input: &MonitorsInput, monitor_id: &Option<String>) -> i64 {
    input
        .tasks
        .iter()
        .filter(|t| t.state == TaskState::Open && &t.monitor_id == monitor_id)
        .count() as i64
}

/// Host-days with 3 or more openings, days cut in the team's zone.
fn flapping(list: &[&StoredAlert], tz: Tz) -> i64 {
    let mut per: HashMap<(Option<&String>, chrono::NaiveDate), i64> = HashMap::new();
    for a in list {
        if let Some(t) = tz.timestamp_opt(a.opened_at, 0).single() {
            *per.entry((a.host_id.as_ref(), t.date_naive())).or_default() += 1;
        }
    }
    per.values().filter(|n| **n >= 3).count() as i64
}
