//! The meeting's review queue (design §10): the digest's alerts as review items,
//! every alert in exactly one. An item is one monitor on one host (or a monitor
//! alone) in one state; recovered alerts of one monitor stay in one item across
//! hosts, as the human formats condense them. Open alerts from before the window
//! have their own section and are not repeated under their service; an alert of
//! several services is listed under the first, with the others as "also in".
//!
//! A pure function of the digest: the web page draws it, and `/api/digest` sends
//! it in place of every alert object on a heavy day.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use super::build::STATE_ORDER;
use super::model::{Digest, DigestAlert};
use crate::alert::{AlertView, State};
use crate::review::{Outcome, TaskRef};

#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    /// Distinct alerts of the window (the digest's totals), and how many have an outcome.
    pub total: usize,
    pub reviewed: usize,
    pub sections: Vec<QueueSection>,
    /// Unreviewed alerts of the 7 days before the window, as items too.
    pub earlier: Vec<Item>,
    /// How many unreviewed alerts those 7 days hold in all (`earlier` shows the newest).
    pub earlier_total: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueSection {
    /// `None` with `carried_over`: open alerts from before the window; `None`
    /// otherwise: "(no service)".
    pub service: Option<String>,
    pub carried_over: bool,
    pub states: Vec<StateItems>,
    /// Recovery median of the service's recovered alerts, as the digest has it.
    pub recovery_median_secs: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StateItems {
    pub state: State,
    /// Alerts in these items (an item may hold several).
    pub alerts: usize,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Stable within a digest: `item-` and its first alert's id.
    pub key: String,
    pub alert_ids: Vec<String>,
    pub state: State,
    /// The highest severity of its alerts.
    pub severity: Option<String>,
    pub monitor_id: Option<String>,
    pub monitor: Option<String>,
    pub kind: String,
    /// Its host; `None` for a monitor without host, or an item across hosts.
    pub host_id: Option<String>,
    pub host: Option<String>,
    /// Every host of its alerts, by display name (several for a condensed item).
    pub hosts: Vec<HostAlerts>,
    /// Every service of its alerts; `also_in` those other than the section's.
    pub services: Vec<String>,
    pub also_in: Vec<String>,
    /// The first opening and the last close (`None` while one is open).
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    /// The longest alert's duration; for a condensed recovered item, the median.
    pub duration_secs: i64,
    pub count: usize,
    /// Alerts of the same monitor and host open in the 7 days before the window.
    pub fired_before_7d: i64,
    pub flapping: bool,
    pub in_maintenance: bool,
    pub reviewed: usize,
    /// The outcome every alert has, when they all have the same one.
    pub outcome: Option<Outcome>,
    pub task: Option<TaskRef>,
}

/// A host of an item and the alert ids it holds there (a follow-up task is per host).
#[derive(Debug, Clone, Serialize)]
pub struct HostAlerts {
    pub host_id: Option<String>,
    pub host: Option<String>,
    pub alert_ids: Vec<String>,
}

/// The queue of `digest`.
pub fn queue(digest: &Digest) -> Queue {
    let mut placed: HashSet<&str> = HashSet::new();
    let mut sections = Vec::new();
    if !digest.carried_over.is_empty() {
        let alerts: Vec<&DigestAlert> = digest.carried_over.iter().map(Arc::as_ref).collect();
        placed.extend(alerts.iter().map(|a| a.alert.id.as_str()));
        sections.push(section(None, true, &alerts, None));
    }
    for s in &digest.services {
        let alerts: Vec<&DigestAlert> = s
            .alerts
            .iter()
            .map(Arc::as_ref)
            .filter(|a| placed.insert(a.alert.id.as_str()))
            .collect();
        if alerts.is_empty() {
            continue;
        }
        sections.push(section(
            s.service.as_deref(),
            false,
            &alerts,
            s.recovery_median_secs,
        ));
    }
    let reviewed = sections
        .iter()
        .flat_map(|s| &s.states)
        .flat_map(|st| &st.items)
        .map(|i| i.reviewed)
        .sum();
    Queue {
        total: digest.totals.total() as usize,
        reviewed,
        sections,
        earlier: earlier_items(&digest.unreviewed_earlier),
        earlier_total: digest.unreviewed_earlier_total,
    }
}

fn section(
    service: Option<&str>,
    carried_over: bool,
    alerts: &[&DigestAlert],
    recovery_median_secs: Option<i64>,
) -> QueueSection {
    let states = STATE_ORDER
        .iter()
        .filter_map(|&state| {
            let of_state: Vec<&DigestAlert> = alerts
                .iter()
                .copied()
                .filter(|a| a.alert.state == state)
                .collect();
            (!of_state.is_empty()).then(|| StateItems {
                state,
                alerts: of_state.len(),
                items: items(&of_state, state, service),
            })
        })
        .collect();
    QueueSection {
        service: service.map(str::to_owned),
        carried_over,
        states,
        recovery_median_secs,
    }
}

/// What an item gathers: monitor id, host id (none across hosts), and type and
/// monitor name (which tell apart alerts without a monitor id).
type GroupKey<'a> = (Option<&'a str>, Option<&'a str>, String);

/// The items of one state: alerts grouped by monitor and host (by monitor alone
/// when recovered), in the order their first alert opened.
fn items(alerts: &[&DigestAlert], state: State, service: Option<&str>) -> Vec<Item> {
    let across_hosts = state == State::Recovered;
    let mut order: Vec<GroupKey> = Vec::new();
    let mut groups: HashMap<GroupKey, Vec<&DigestAlert>> = HashMap::new();
    for a in alerts {
        let v = &a.alert;
        let host = if across_hosts {
            None
        } else {
            v.host_id.as_deref()
        };
        // Alerts without a monitor id are told apart by their type and name.
        let key = (
            v.monitor_id.as_deref(),
            host,
            format!("{}\u{0}{}", v.kind, v.monitor.as_deref().unwrap_or("")),
        );
        let group = groups.entry(key.clone()).or_default();
        if group.is_empty() {
            order.push(key);
        }
        group.push(a);
    }
    let mut out: Vec<Item> = order
        .into_iter()
        .map(|k| item(&groups[&k], state, service, across_hosts))
        .collect();
    if across_hosts {
        // The noisiest recovered monitor first: it is the one worth a word.
        out.sort_by(|a, b| b.count.cmp(&a.count).then(a.opened_at.cmp(&b.opened_at)));
    } else {
        out.sort_by_key(|i| i.opened_at);
    }
    out
}

fn item(alerts: &[&DigestAlert], state: State, service: Option<&str>, across: bool) -> Item {
    let mut alerts = alerts.to_vec();
    alerts.sort_by(|a, b| (a.opened_secs, &a.alert.id).cmp(&(b.opened_secs, &b.alert.id)));
    let first = &alerts[0].alert;
    let services = union(alerts.iter().flat_map(|a| a.alert.services.iter()));
    let outcomes: Vec<Option<Outcome>> = alerts
        .iter()
        .map(|a| a.review.as_ref().map(|r| r.outcome))
        .collect();
    let reviewed = outcomes.iter().filter(|o| o.is_some()).count();
    let all_same = outcomes.windows(2).all(|w| w[0] == w[1]);
    let mut durations: Vec<i64> = alerts.iter().map(|a| a.duration_secs).collect();
    durations.sort_unstable();
    Item {
        key: format!("item-{}", first.id),
        alert_ids: alerts.iter().map(|a| a.alert.id.clone()).collect(),
        state,
        severity: highest(alerts.iter().map(|a| a.alert.severity.as_deref())),
        monitor_id: first.monitor_id.clone(),
        monitor: first.monitor.clone(),
        kind: first.kind.clone(),
        host_id: if across { None } else { first.host_id.clone() },
        host: if across { None } else { first.host.clone() },
        hosts: hosts(&alerts),
        // Under a service, the others it is in; from before the window, none
        // (the row names its services).
        also_in: match service {
            Some(section) => services.iter().filter(|s| *s != section).cloned().collect(),
            None => Vec::new(),
        },
        services,
        opened_at: alerts[0].opened_secs,
        closed_at: alerts
            .iter()
            .map(|a| a.closed_secs)
            .collect::<Option<Vec<i64>>>()
            .and_then(|c| c.into_iter().max()),
        duration_secs: if across {
            durations[durations.len() / 2]
        } else {
            *durations.last().unwrap_or(&0)
        },
        count: alerts.len(),
        fired_before_7d: alerts.iter().map(|a| a.fired_before_7d).max().unwrap_or(0),
        flapping: alerts.iter().any(|a| a.flapping),
        in_maintenance: alerts.iter().any(|a| a.host_in_maintenance),
        reviewed,
        outcome: if all_same { outcomes[0] } else { None },
        task: alerts.iter().rev().find_map(|a| a.task.clone()),
    }
}

fn hosts(alerts: &[&DigestAlert]) -> Vec<HostAlerts> {
    let mut out: Vec<HostAlerts> = Vec::new();
    for a in alerts {
        let v = &a.alert;
        match out.iter_mut().find(|h| h.host_id == v.host_id) {
            Some(h) => h.alert_ids.push(v.id.clone()),
            None => out.push(HostAlerts {
                host_id: v.host_id.clone(),
                host: v.host.clone(),
                alert_ids: vec![v.id.clone()],
            }),
        }
    }
    out
}

fn union<'a>(names: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    out
}

/// CRITICAL > WARNING > UNKNOWN, as the digest ranks them.
fn highest<'a>(severities: impl Iterator<Item = Option<&'a str>>) -> Option<String> {
    let rank = |s: &str| match s {
        "CRITICAL" => 3,
        "WARNING" => 2,
        "UNKNOWN" => 1,
        _ => 0,
    };
    severities
        .flatten()
        .max_by_key(|s| rank(s))
        .map(str::to_owned)
}

/// Earlier meetings' unreviewed alerts, one item per monitor and host, newest first.
fn earlier_items(alerts: &[AlertView]) -> Vec<Item> {
    let mut order: Vec<(Option<&str>, Option<&str>)> = Vec::new();
    let mut groups: HashMap<(Option<&str>, Option<&str>), Vec<&AlertView>> = HashMap::new();
    for a in alerts {
        let key = (a.monitor_id.as_deref(), a.host_id.as_deref());
        let group = groups.entry(key).or_default();
        if group.is_empty() {
            order.push(key);
        }
        group.push(a);
    }
    order
        .into_iter()
        .map(|k| earlier_item(&groups[&k]))
        .collect()
}

fn earlier_item(alerts: &[&AlertView]) -> Item {
    let newest = alerts[0];
    let durations = alerts.iter().filter_map(|a| {
        a.closed_at
            .map(|c| c.0 - a.opened_at.0)
            .or(Some(chrono::Utc::now().timestamp() - a.opened_at.0))
    });
    Item {
        key: format!("item-{}", newest.id),
        alert_ids: alerts.iter().map(|a| a.id.clone()).collect(),
        state: newest.state,
        severity: highest(alerts.iter().map(|a| a.severity.as_deref())),
        monitor_id: newest.monitor_id.clone(),
        monitor: newest.monitor.clone(),
        kind: newest.kind.clone(),
        host_id: newest.host_id.clone(),
        host: newest.host.clone(),
        hosts: vec![HostAlerts {
            host_id: newest.host_id.clone(),
            host: newest.host.clone(),
            alert_ids: alerts.iter().map(|a| a.id.clone()).collect(),
        }],
        services: union(alerts.iter().flat_map(|a| a.services.iter())),
        also_in: Vec::new(),
        opened_at: alerts.iter().map(|a| a.opened_at.0).min().unwrap_or(0),
        closed_at: newest.closed_at.map(|t| t.0),
        duration_secs: durations.max().unwrap_or(0).max(0),
        count: alerts.len(),
        fired_before_7d: 0,
        flapping: false,
        in_maintenance: false,
        reviewed: 0,
        outcome: None,
        task: None,
    }
}

/// What the team decides on at the meeting (design §11): an alert still open, one
/// a person closed, and one that flapped. Slack's menus and the HTML digest's
/// graphs go to these first.
pub fn needs_decision(state: crate::alert::State, flapping: bool) -> bool {
    use crate::alert::State;
    matches!(state, State::Open | State::ClosedManually) || flapping
}
