//! Which Mackerel series belongs to an alert, over which range (design §12 and
//! `shared/mackerel-api.md`, "Metrics").

use serde::{Deserialize, Serialize};

use crate::mackerel::{Monitor, MonitorKind};

/// Where a monitor's series lives and what it is compared with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricTarget {
    pub monitor_id: String,
    /// `host`: `GET /hosts/{alert.hostId}/metrics`; `service`: `GET /services/{service}/metrics`.
    pub source: String,
    pub service: Option<String>,
    pub metric: String,
    /// `>` or `<`: the alert fires when the value is beyond a threshold that way.
    pub operator: Option<String>,
    pub warning: Option<f64>,
    pub critical: Option<f64>,
}

/// The prefix of the service metric Mackerel graphs an external monitor's response
/// time under, followed by the monitor's id. mackerel-api.md has it from a third-party
/// source (marked `?` there): a 404 on it is remembered as "no series", never an error.
pub const EXTERNAL_RESPONSE_TIME: &str = "__externalhttp.responsetime.";

/// The series of a host-metric, service-metric or external (with a service) monitor.
pub fn of(m: &Monitor) -> Option<MetricTarget> {
    let target = |source: &str, service: Option<String>, metric: String| MetricTarget {
        monitor_id: m.id.clone(),
        source: source.to_owned(),
        service,
        metric,
        operator: None,
        warning: None,
        critical: None,
    };
    match &m.kind {
        MonitorKind::Host(h) => Some(MetricTarget {
            operator: h.operator.clone(),
            warning: h.warning,
            critical: h.critical,
            ..target("host", None, h.metric.clone()?)
        }),
        MonitorKind::Service(s) => Some(MetricTarget {
            operator: s.operator.clone(),
            warning: s.warning,
            critical: s.critical,
            ..target("service", Some(s.service.clone()), s.metric.clone()?)
        }),
        // Response time is graphed only for a monitor linked to a service.
        MonitorKind::External(e) => Some(MetricTarget {
            operator: Some(">".to_owned()),
            warning: e.response_time_warning,
            critical: e.response_time_critical,
            ..target(
                "service",
                Some(e.service.clone()?),
                format!("{EXTERNAL_RESPONSE_TIME}{}", m.id),
            )
        }),
        _ => None,
    }
}

/// How far before the opening the series starts, and after the close it ends.
pub const MARGIN: i64 = 3600;
/// The most data read around the opening: six hours in all.
pub const MOST: i64 = 6 * 3600;
/// Mackerel's newest points come in a minute or two late: a range is complete
/// only this long after its end.
pub const SETTLE: i64 = 120;

/// The range to read for an alert at `now`: an hour before it opened to an hour
/// after it closed (an open alert: to now), at most [`MOST`] in all.
pub fn range(opened_at: i64, closed_at: Option<i64>, now: i64) -> (i64, i64) {
    let from = opened_at - MARGIN;
    let end = closed_at.map_or(now, |c| c + MARGIN).min(now);
    (from, end.min(from + MOST).max(from))
}

/// Whether a read of `range` at `now` has everything it will ever have.
pub fn complete(range: (i64, i64), closed_at: Option<i64>, opened_at: i64, now: i64) -> bool {
    let wanted_end = closed_at
        .map_or(i64::MAX, |c| c + MARGIN)
        .min(opened_at - MARGIN + MOST);
    range.1 >= wanted_end && now >= range.1 + SETTLE
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: i64 = 1_764_000_000;

    #[test]
    fn a_closed_alert_reads_an_hour_either_side() {
        assert_eq!(
            range(OPEN, Some(OPEN + 1800), OPEN + 86_400),
            (OPEN - 3600, OPEN + 5400)
        );
    }

    #[test]
    fn a_long_or_open_alert_reads_at_most_six_hours() {
        assert_eq!(
            range(OPEN, Some(OPEN + 86_400), OPEN + 2 * 86_400),
            (OPEN - 3600, OPEN + 5 * 3600)
        );
        assert_eq!(range(OPEN, None, OPEN + 600), (OPEN - 3600, OPEN + 600));
        assert_eq!(range(OPEN, None, OPEN + 86_400).1, OPEN + 5 * 3600);
    }

    #[test]
    fn a_range_is_complete_once_its_end_has_passed_and_settled() {
        let closed = Some(OPEN + 600);
        let now = OPEN + 700;
        let r = range(OPEN, closed, now);
        assert!(!complete(r, closed, OPEN, now), "the hour after is to come");
        let later = OPEN + 600 + 3600 + SETTLE;
        assert!(complete(range(OPEN, closed, later), closed, OPEN, later));
        let open_long = OPEN + 5 * 3600 + SETTLE;
        assert!(complete(
            range(OPEN, None, open_long),
            None,
            OPEN,
            open_long
        ));
        assert!(!complete(
            range(OPEN, None, OPEN + 60),
            None,
            OPEN,
            OPEN + 60
        ));
    }

    #[test]
    fn targets_follow_the_monitor_type() {
        let m = |v: serde_json::Value| Monitor::from_json(v).unwrap();
        let host = of(&m(
            serde_json::json!({"id": "h", "type": "host", "name": "cpu",
            "metric": "cpu%", "operator": ">", "warning": 80.0, "critical": 90.0}),
        ))
        .unwrap();
        assert_eq!(
            (host.source.as_str(), host.metric.as_str()),
            ("host", "cpu%")
        );
        assert_eq!((host.warning, host.critical), (Some(80.0), Some(90.0)));
        let svc = of(&m(
            serde_json::json!({"id": "s", "type": "service", "service": "blog",
            "metric": "5xx", "operator": "<", "critical": 1.0}),
        ))
        .unwrap();
        assert_eq!(svc.service.as_deref(), Some("blog"));
        assert_eq!(svc.operator.as_deref(), Some("<"));
        let ext = of(&m(
            serde_json::json!({"id": "e1", "type": "external", "url": "https://x/",
            "service": "shop", "responseTimeWarning": 3000, "responseTimeCritical": 5000}),
        ))
        .unwrap();
        assert_eq!(ext.metric, "__externalhttp.responsetime.e1");
        assert_eq!(ext.critical, Some(5000.0));
        let lone = m(serde_json::json!({"id": "e2", "type": "external", "url": "https://x/"}));
        assert_eq!(of(&lone), None, "no service: no response-time graph");
        assert_eq!(
            of(&m(serde_json::json!({"id": "c", "type": "connectivity"}))),
            None
        );
    }
}
