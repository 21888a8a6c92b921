//! The weekly report for the department meeting (design §7 `report week`): the
//! seven days before the date against the seven before them. A pure build from
//! what [`load`] reads, so tests and the server get the same report.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Serialize;

use super::week_lists::{maintenance, noisy, tasks};
use crate::alert::{state_at, State};
use crate::digest::{percentile, HostInMaintenance};
use crate::review::{ReviewView, Task};
use crate::store::StoredAlert;

/// Everything the weekly report is built from.
#[derive(Debug, Clone)]
pub struct WeekInput {
    pub tz: Tz,
    /// The seven days, each `[start, end)` in Unix seconds.
    pub days: Vec<(NaiveDate, i64, i64)>,
    /// Alerts opened in the week, and in the week before.
    pub alerts: Vec<StoredAlert>,
    pub previous: Vec<StoredAlert>,
    pub reviews: HashMap<String, ReviewView>,
    pub tasks: Vec<Task>,
    pub maintenance: Vec<HostInMaintenance>,
}

impl WeekInput {
    pub fn start(&self) -> i64 {
        self.days.first().map_or(0, |d| d.1)
    }
    pub fn end(&self) -> i64 {
        self.days.last().map_or(0, |d| d.2)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekReport {
    pub start: String,
    pub end: String,
    pub timezone: String,
    pub days: Vec<String>,
    pub alerts: i64,
    pub previous_alerts: i64,
    pub per_day: Vec<i64>,
    pub services: Vec<ServiceWeek>,
    pub recovery: Recovery,
    pub reviews: Reviews,
    pub tasks: Tasks,
    pub maintenance_hosts: Vec<MaintenanceHost>,
    pub noisy_monitors: Vec<NoisyMonitor>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceWeek {
    /// `None` stands for "(no service)".
    pub service: Option<String>,
    pub per_day: Vec<i64>,
    pub total: i64,
    pub previous_total: i64,
}

/// Time to recovery over `recovered` alerts only (design §5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recovery {
    pub recovered: i64,
    pub median_secs: Option<i64>,
    pub p90_secs: Option<i64>,
    pub previous_recovered: i64,
    pub previous_median_secs: Option<i64>,
    pub previous_p90_secs: Option<i64>,
    pub per_day_median_secs: Vec<Option<i64>>,
}

/// The week's alerts by their latest outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reviews {
    pub action: i64,
    pub no_action: i64,
    pub unreviewed: i64,
    pub by_outcome: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskLine {
    pub id: i64,
    pub title: String,
    pub url: Option<String>,
    /// Days since it opened, as of the week's end.
    pub age_days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tasks {
    pub opened: Vec<TaskLine>,
    pub closed: Vec<TaskLine>,
    pub still_open: Vec<TaskLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaintenanceHost {
    pub name: String,
    pub services: Vec<String>,
    /// When asakai saw it enter maintenance (or first saw it there).
    pub since: Option<String>,
    pub days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoisyMonitor {
    pub monitor: String,
    pub alerts: i64,
    pub hosts: i64,
    pub previous_alerts: i64,
}

pub fn build(input: &WeekInput) -> WeekReport {
    let end = input.end();
    let day_of = |t: i64| input.days.iter().position(|d| d.1 <= t && t < d.2);
    let mut per_day = vec![0; input.days.len()];
    for a in &input.alerts {
        if let Some(i) = day_of(a.opened_at) {
            per_day[i] += 1;
        }
    }
    WeekReport {
        start: local(input.tz, input.start()),
        end: local(input.tz, end),
        timezone: input.tz.name().to_owned(),
        days: input.days.iter().map(|d| d.0.to_string()).collect(),
        alerts: input.alerts.len() as i64,
        previous_alerts: input.previous.len() as i64,
        per_day,
        services: services(input, &day_of),
        recovery: recovery(input, &day_of),
        reviews: reviews(input),
        tasks: tasks(input),
        maintenance_hosts: input
            .maintenance
            .iter()
            .map(|h| maintenance(h, end))
            .collect(),
        noisy_monitors: noisy(input),
    }
}

fn local(tz: Tz, t: i64) -> String {
    use chrono::TimeZone;
    tz.timestamp_opt(t, 0)
        .single()
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

fn service_keys(a: &StoredAlert) -> Vec<Option<String>> {
    if a.services.is_empty() {
        vec![None]
    } else {
        a.services.iter().cloned().map(Some).collect()
    }
}

fn services(input: &WeekInput, day_of: &dyn Fn(i64) -> Option<usize>) -> Vec<ServiceWeek> {
    let blank = |s: &Option<String>| ServiceWeek {
        service: s.clone(),
        per_day: vec![0; input.days.len()],
        total: 0,
        previous_total: 0,
    };
    let mut by: BTreeMap<Option<String>, ServiceWeek> = BTreeMap::new();
    for a in &input.alerts {
        for s in service_keys(a) {
            let e = by.entry(s.clone()).or_insert_with(|| blank(&s));
            e.total += 1;
            if let Some(i) = day_of(a.opened_at) {
                e.per_day[i] += 1;
            }
        }
    }
    for a in &input.previous {
        for s in service_keys(a) {
            by.entry(s.clone())
                .or_insert_with(|| blank(&s))
                .previous_total += 1;
        }
    }
    let mut list: Vec<ServiceWeek> = by.into_values().collect();
    list.sort_by_key(|s| std::cmp::Reverse((s.total, s.previous_total)));
    list
}

/// Durations of the alerts that recovered by themselves (as of `at`), sorted.
fn recovered_secs<'a>(alerts: impl Iterator<Item = &'a StoredAlert>, at: i64) -> Vec<i64> {
    let mut secs: Vec<i64> = alerts
        .filter(|a| {
            state_at(
                a.closed_at,
                a.close_cause.as_deref(),
                a.reason.as_deref(),
                at,
            )
            .0 == State::Recovered
        })
        .filter_map(|a| a.closed_at.map(|c| c - a.opened_at))
        .collect();
    secs.sort_unstable();
    secs
}

fn recovery(input: &WeekInput, day_of: &dyn Fn(i64) -> Option<usize>) -> Recovery {
    let end = input.end();
    let now = recovered_secs(input.alerts.iter(), end);
    let before = recovered_secs(input.previous.iter(), input.start());
    let per_day_median_secs = (0..input.days.len())
        .map(|i| {
            let of_day = input
                .alerts
                .iter()
                .filter(|a| day_of(a.opened_at) == Some(i));
            percentile(&recovered_secs(of_day, end), 50)
        })
        .collect();
    Recovery {
        recovered: now.len() as i64,
        median_secs: percentile(&now, 50),
        p90_secs: percentile(&now, 90),
        previous_recovered: before.len() as i64,
        previous_median_secs: percentile(&before, 50),
        previous_p90_secs: percentile(&before, 90),
        per_day_median_secs,
    }
}

fn reviews(input: &WeekInput) -> Reviews {
    let mut r = Reviews {
        action: 0,
        no_action: 0,
        unreviewed: 0,
        by_outcome: BTreeMap::new(),
    };
    for a in &input.alerts {
        match input.reviews.get(&a.id) {
            None => r.unreviewed += 1,
            Some(v) => {
                *r.by_outcome
                    .entry(v.outcome.as_str().to_owned())
                    .or_default() += 1;
                if v.outcome.is_action() {
                    r.action += 1;
                } else {
                    r.no_action += 1;
                }
            }
        }
    }
    r
}
