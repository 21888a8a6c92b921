//! A plain suggestion per monitor, only where the evidence is strong: enough
//! alerts, and a clear majority one way. Otherwise the report says nothing.

use super::monitors::MonitorStats;
use crate::digest::{duration, Lang};

/// Fewer alerts than this say nothing about a monitor.
const MIN_ALERTS: i64 = 5;
const MIN_REVIEWED: i64 = 4;

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

pub fn suggestion(s: &MonitorStats) -> Option<String> {
    let reviewed = s.reviewed.max(1) as f64;
    let median = s.median_secs.map(|m| duration(m, Lang::En.labels()));
    let strong_reviews = s.reviewed >= MIN_REVIEWED;
    if strong_reviews && s.false_alarm as f64 / reviewed >= 0.5 {
        return Some(format!(
            "{} of reviews call it a false alarm: check what the monitor measures and where",
            pct(s.false_alarm as f64 / reviewed)
        ));
    }
    if strong_reviews && s.noise as f64 / reviewed >= 0.7 {
        let how = match &median {
            Some(m) if s.median_secs.is_some_and(|m| m <= 15 * 60) => format!(", median {m}"),
            _ => String::new(),
        };
        return Some(format!(
            "{} noise{how}: raise the threshold or add maxCheckAttempts",
            pct(s.noise as f64 / reviewed)
        ));
    }
    if strong_reviews && s.expected as f64 / reviewed >= 0.7 {
        return Some(format!(
            "{} expected (planned work): put the hosts in maintenance during that work instead",
            pct(s.expected as f64 / reviewed)
        ));
    }
    if s.alerts >= MIN_ALERTS && s.recovered_within_5m_share >= 0.7 {
        return Some(format!(
            "{} recovered by itself within 5 minutes: add maxCheckAttempts (or a longer duration) so blips do not alert",
            pct(s.recovered_within_5m_share)
        ));
    }
    if s.alerts >= MIN_ALERTS && s.flapping >= 3 {
        return Some(format!(
            "flapped (3 or more alerts a day on one host) on {} days: widen the gap between warning and critical, or add maxCheckAttempts",
            s.flapping
        ));
    }
    None
}
