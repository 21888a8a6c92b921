//! The lists of the weekly report: tasks, hosts in maintenance, noisy monitors.

use std::collections::{BTreeSet, HashMap};

use super::week::{MaintenanceHost, NoisyMonitor, TaskLine, Tasks, WeekInput};
use crate::alert::rfc3339;
use crate::digest::HostInMaintenance;
use crate::review::{Task, TaskState};
use crate::store::StoredAlert;

/// How many of the noisiest monitors the report names.
const NOISY: usize = 5;

fn task_line(t: &Task, end: i64) -> TaskLine {
    TaskLine {
        id: t.id,
        title: t.title.clone(),
        url: t.github_url.clone(),
        age_days: (end - t.created_at).max(0) / 86_400,
    }
}

pub(super) fn tasks(input: &WeekInput) -> Tasks {
    let (start, end) = (input.start(), input.end());
    let within = |t: Option<i64>| t.is_some_and(|t| start <= t && t < end);
    let pick = |keep: &dyn Fn(&Task) -> bool| -> Vec<TaskLine> {
        input
            .tasks
            .iter()
            .filter(|t| keep(t))
            .map(|t| task_line(t, end))
            .collect()
    };
    let open_at_end = |t: &Task| {
        t.created_at < end && (t.state == TaskState::Open || t.closed_at.is_some_and(|c| c >= end))
    };
    let mut still_open = pick(&open_at_end);
    still_open.sort_by_key(|t| std::cmp::Reverse(t.age_days));
    Tasks {
        opened: pick(&|t| within(Some(t.created_at))),
        closed: pick(&|t| within(t.closed_at)),
        still_open,
    }
}

pub(super) fn maintenance(h: &HostInMaintenance, end: i64) -> MaintenanceHost {
    let since = h.since.or(h.seen_since);
    MaintenanceHost {
        name: h.name.clone(),
        services: h.services.clone(),
        since: since.map(rfc3339),
        days: since.map(|s| (end - s).max(0) / 86_400),
    }
}

fn monitor_name(a: &StoredAlert) -> String {
    a.monitor_name
        .clone()
        .or_else(|| a.monitor_id.clone())
        .unwrap_or_else(|| a.kind.clone())
}

pub(super) fn noisy(input: &WeekInput) -> Vec<NoisyMonitor> {
    let mut by: HashMap<String, (i64, BTreeSet<String>, i64)> = HashMap::new();
    for a in &input.alerts {
        let e = by.entry(monitor_name(a)).or_default();
        e.0 += 1;
        e.1.extend(a.host_id.clone());
    }
    for a in &input.previous {
        if let Some(e) = by.get_mut(&monitor_name(a)) {
            e.2 += 1;
        }
    }
    let mut list: Vec<NoisyMonitor> = by
        .into_iter()
        .map(|(monitor, (alerts, hosts, previous_alerts))| NoisyMonitor {
            monitor,
            alerts,
            hosts: hosts.len() as i64,
            previous_alerts,
        })
        .collect();
    list.sort_by(|a, b| b.alerts.cmp(&a.alerts).then(a.monitor.cmp(&b.monitor)));
    list.truncate(NOISY);
    list
}
