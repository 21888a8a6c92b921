//! "With critical at X, N of M alerts would not have fired": from each alert's own
//! value (the one Mackerel reported when it opened) and the monitor's thresholds.
//! A value is the one at opening, so the metric may have gone further later:
//! "would not have fired" is an upper bound, and the report says so.

use serde::Serialize;

use super::thresholds::Threshold;
use crate::store::StoredAlert;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    pub operator: String,
    pub warning: Option<f64>,
    pub critical: Option<f64>,
    /// Alerts that carry a value, and those that do not (left out of the what-if).
    pub with_value: i64,
    pub without_value: i64,
    pub scenarios: Vec<Scenario>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// "warning" or "critical".
    pub threshold: String,
    pub at: f64,
    /// Of the `of` alerts considered, how many would not have reached it.
    pub would_not_fire: i64,
    pub of: i64,
}

/// The what-if of a threshold monitor, or `None` when it has no usable threshold.
pub fn what_if(t: &Threshold, alerts: &[&StoredAlert]) -> Option<WhatIf> {
    let op = t.operator.clone().filter(|o| o == ">" || o == "<")?;
    if t.warning.is_none() && t.critical.is_none() {
        return None;
    }
    let values: Vec<f64> = alerts.iter().filter_map(|a| a.value).collect();
    let critical: Vec<f64> = alerts
        .iter()
        .filter(|a| a.severity.as_deref() == Some("CRITICAL"))
        .filter_map(|a| a.value)
        .collect();
    let mut scenarios = Vec::new();
    // The lower of the two thresholds decides whether an alert opens at all.
    let opens_at = if t.warning.is_some() {
        "warning"
    } else {
        "critical"
    };
    scenarios.extend(scenario(opens_at, &values, &op));
    if t.warning.is_some() && t.critical.is_some() {
        scenarios.extend(scenario("critical", &critical, &op));
    }
    Some(WhatIf {
        operator: op,
        warning: t.warning,
        critical: t.critical,
        with_value: values.len() as i64,
        without_value: (alerts.len() - values.len()) as i64,
        scenarios,
    })
}

/// Moving the threshold to the median of the values that crossed it.
fn scenario(threshold: &str, values: &[f64], op: &str) -> Option<Scenario> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if op == "<" {
        sorted.reverse();
    }
    let at = round(sorted[(sorted.len() - 1) / 2]);
    let not_beyond = |v: &&f64| if op == ">" { **v <= at } else { **v >= at };
    Some(Scenario {
        threshold: threshold.to_owned(),
        at,
        would_not_fire: values.iter().filter(not_beyond).count() as i64,
        of: values.len() as i64,
    })
}

/// Three significant digits: a threshold someone would type.
fn round(v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(2 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_round_to_what_a_person_would_type() {
        assert_eq!(round(92.3456), 92.3);
        assert_eq!(round(0.012345), 0.0123);
        assert_eq!(round(1234.5), 1230.0);
    }

    #[test]
    fn a_lower_than_threshold_moves_down() {
        let s = scenario("warning", &[10.0, 5.0, 1.0], "<").unwrap();
        assert_eq!((s.at, s.would_not_fire, s.of), (5.0, 2, 3));
        let s = scenario("warning", &[91.0, 95.0, 99.0], ">").unwrap();
        assert_eq!((s.at, s.would_not_fire), (95.0, 2));
    }
}
