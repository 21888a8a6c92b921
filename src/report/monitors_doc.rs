//! The monitor report as a [`Doc`]: the ranking, the suggestions, the what-ifs,
//! and what the report cannot know.

use super::doc::{Doc, Section};
use super::monitors::{MonitorReport, MonitorStats};
use super::what_if::WhatIf;
use crate::digest::{duration, Lang};

/// Rows in the human formats; JSON has every monitor.
const SHOWN: usize = 30;

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn secs(s: Option<i64>) -> String {
    s.map_or_else(|| "-".to_owned(), |s| duration(s, Lang::En.labels()))
}

pub fn doc(r: &MonitorReport) -> Doc {
    Doc {
        title: format!("Monitor hygiene {} – {}", &r.since[..10], &r.until[..10]),
        sections: vec![ranking(r), suggestions(r), what_ifs(r), limits(r)],
    }
}

fn row(m: &MonitorStats) -> Vec<String> {
    let no_action = match m.no_action_share {
        Some(share) => format!("{} of {}", pct(share), m.reviewed),
        None => "- (none reviewed)".to_owned(),
    };
    vec![
        m.monitor.clone(),
        m.kind.clone(),
        m.alerts.to_string(),
        m.hosts.to_string(),
        no_action,
        secs(m.median_secs),
        secs(m.p90_secs),
        pct(m.recovered_within_5m_share),
        m.flapping.to_string(),
        m.open_tasks.to_string(),
    ]
}

fn ranking(r: &MonitorReport) -> Section {
    let head = [
        "monitor",
        "type",
        "alerts",
        "hosts",
        "no action",
        "median",
        "p90",
        "recovered ≤5m",
        "flapping",
        "open tasks",
    ];
    let rows = r.monitors.iter().take(SHOWN).map(row).collect();
    let mut s = Section::new(format!("{} alerts, monitors most wasteful first", r.alerts))
        .table(&head, rows);
    if r.monitors.len() > SHOWN {
        s = s.para(format!(
            "{} more monitors in --format json",
            r.monitors.len() - SHOWN
        ));
    }
    s
}

fn suggestions(r: &MonitorReport) -> Section {
    let items: Vec<String> = r
        .monitors
        .iter()
        .filter_map(|m| m.suggestion.as_ref().map(|s| format!("{}: {s}", m.monitor)))
        .collect();
    let s = Section::new("Suggestions");
    if items.is_empty() {
        s.para("No monitor has strong enough evidence for a suggestion yet (it takes 5 alerts, or 4 reviews).")
    } else {
        s.list(items)
    }
}

fn threshold_text(w: &WhatIf) -> String {
    let part = |name: &str, v: Option<f64>| v.map(|v| format!("{name} {} {v}", w.operator));
    [part("warning", w.warning), part("critical", w.critical)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

fn what_if_line(monitor: &str, w: &WhatIf) -> String {
    let mut line = format!("{monitor} ({}): ", threshold_text(w));
    let parts: Vec<String> = w
        .scenarios
        .iter()
        .map(|s| {
            let subject = if s.threshold == "critical" {
                "critical alerts would have stayed below critical"
            } else {
                "alerts would not have fired"
            };
            format!(
                "with {} at {}, at most {} of {} {subject}",
                s.threshold, s.at, s.would_not_fire, s.of
            )
        })
        .collect();
    if parts.is_empty() {
        line += "no alert carries a value to compare";
    } else {
        line += &parts.join("; ");
    }
    if w.without_value > 0 {
        line += &format!(
            " ({} alerts carry no value and are left out)",
            w.without_value
        );
    }
    line
}

fn what_ifs(r: &MonitorReport) -> Section {
    let s = Section::new("Threshold what-if");
    if r.thresholds_from == "none" {
        return s.para("Thresholds unknown: set MACKEREL_APIKEY so the report can read the monitors' current thresholds.");
    }
    let items: Vec<String> = r
        .monitors
        .iter()
        .filter_map(|m| m.what_if.as_ref().map(|w| what_if_line(&m.monitor, w)))
        .collect();
    if items.is_empty() {
        return s.para("No threshold monitor alerted in this period.");
    }
    let from = if r.thresholds_from == "mackerel" {
        "read from Mackerel now"
    } else {
        "as last read from Mackerel"
    };
    s.para(format!("Thresholds {from}.")).list(items)
}

fn limits(_r: &MonitorReport) -> Section {
    Section::new("What this report cannot know").list(vec![
        "An alert's value is the one Mackerel reported when it opened; the metric may have gone further, so \"would not have fired\" is at most.".into(),
        "Connectivity, check, external and anomaly alerts carry no value: no what-if for them.".into(),
        "The no-action share counts reviewed alerts only; unreviewed alerts count as wasted only when they recovered within 5 minutes.".into(),
    ])
}
