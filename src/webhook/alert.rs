//! What an alert event makes of the stored row: pure functions, no I/O.
//!
//! Polling stays the source of truth (design §2): an event fills a new row with what it
//! names, and on a stored row changes only what webhooks know first or alone (status,
//! peak severity, the close, its cause and user, the graph image). It never regresses
//! a row: a closed alert stays closed, and an event older than the status held is dropped.

use crate::mackerel::{max_severity, AlertStatus};
use crate::store::{MarkedAlert, StoredAlert, WebhookMarks};

use super::event::AlertEvent;

/// Alert types whose service comes from their host's roles (as sync attributes them).
fn files_under_host(kind: &str) -> bool {
    !matches!(kind, "service" | "external" | "expression" | "query")
}

/// The REST log trigger word (what `close_cause` holds) for a webhook's `alert.trigger`.
/// An unknown wording gives `None`: the alert's logs will tell.
pub fn close_cause(trigger: &str) -> Option<&'static str> {
    Some(match trigger {
        "monitor" | "monitoring" => "monitoring",
        "manual close" | "manual" => "manual",
        "retire host" | "hostRetire" => "hostRetire",
        "delete monitor" | "monitorDelete" => "monitorDelete",
        "delete service" | "serviceDelete" => "serviceDelete",
        "anomaly detection manually retraining" | "anomalyDetectionManuallyRetraining" => {
            "anomalyDetectionManuallyRetraining"
        }
        "attach external monitoring to a different service" | "externalMonitoringServiceChange" => {
            "externalMonitoringServiceChange"
        }
        _ => return None,
    })
}

/// What one alert event says, in the store's terms.
#[derive(Debug, Clone, PartialEq)]
struct Said {
    status: AlertStatus,
    /// `Some` when the event closes the alert.
    closed_at: Option<i64>,
    /// Mackerel's time of the status the event reports.
    at: i64,
}

fn said(ev: &AlertEvent, now: i64) -> Said {
    let a = &ev.alert;
    let opened = opened_at(ev);
    // The docs' own example has `isOpen: true` with a `closedAt`: the status decides
    // unless Mackerel says outright that the alert is closed.
    let closed = a.status == AlertStatus::Ok || a.is_open == Some(false);
    let closed_at = closed.then(|| a.closed_at.or(a.status_changed_at).unwrap_or(now));
    let at = a.status_changed_at.or(closed_at).unwrap_or(opened);
    Said {
        status: a.status,
        closed_at,
        at,
    }
}

fn opened_at(ev: &AlertEvent) -> i64 {
    let a = &ev.alert;
    a.opened_at
        .or(a.created_at.map(|ms| ms / 1000))
        .unwrap_or_default()
}

fn severity_of(status: AlertStatus) -> Option<AlertStatus> {
    (status != AlertStatus::Ok).then_some(status)
}

fn raise(known: Option<&str>, status: AlertStatus) -> Option<String> {
    let known = known.and_then(AlertStatus::parse);
    max_severity(known, severity_of(status)).map(|s| s.as_str().to_owned())
}

/// The row of an alert the store does not hold yet, from the event alone.
pub fn new_row(ev: &AlertEvent, now: i64) -> MarkedAlert {
    let s = said(ev, now);
    let kind = ev.kind.clone().unwrap_or_else(|| "unknown".to_owned());
    let (services, roles) = attribution(ev, &kind);
    let cause = s.closed_at.and_then(|_| trigger_cause(ev));
    let alert = StoredAlert {
        id: ev.alert.id.clone(),
        status: if s.closed_at.is_some() {
            AlertStatus::Ok
        } else {
            s.status
        }
        .as_str()
        .to_owned(),
        severity: raise(None, s.status),
        monitor_id: None,
        monitor_name: ev.alert.monitor_name.clone(),
        host_id: ev.host.as_ref().map(|h| h.id.clone()),
        host_name: ev.host.as_ref().and_then(|h| h.name.clone()),
        opened_at: opened_at(ev),
        closed_at: s.closed_at,
        close_cause: cause,
        reason: None,
        message: ev.message.clone(),
        value: ev.alert.metric_value,
        // The event's `memo` is the monitor's, not the alert's: polling fills the alert's.
        memo: None,
        series: None,
        roles,
        services,
        url: ev.alert.url.clone(),
        image_url: ev.image_url.clone(),
        gone: false,
        logs_read: false,
        attribution_pending: false,
        kind,
    };
    MarkedAlert {
        alert,
        marks: WebhookMarks {
            closed_by: closing_user(ev, &s),
            status_at: Some(s.at),
        },
    }
}

/// The stored row after the event: unchanged when the event would regress it.
pub fn updated_row(stored: &MarkedAlert, ev: &AlertEvent, now: i64) -> MarkedAlert {
    let s = said(ev, now);
    let mut row = stored.clone();
    if stored.alert.closed_at.is_some() {
        // Closed stays closed; a late close event may still add what polling cannot know.
        if s.closed_at.is_some() {
            fill_close(&mut row, ev, &s);
        }
        return row;
    }
    if s.closed_at.is_none() && stored.marks.status_at.is_some_and(|held| s.at < held) {
        return row;
    }
    let a = &mut row.alert;
    a.severity = raise(a.severity.as_deref(), s.status);
    a.image_url = ev.image_url.clone().or(a.image_url.take());
    row.marks.status_at = Some(s.at.max(stored.marks.status_at.unwrap_or(s.at)));
    match s.closed_at {
        None => a.status = s.status.as_str().to_owned(),
        Some(closed_at) => {
            a.status = AlertStatus::Ok.as_str().to_owned();
            a.closed_at = Some(closed_at);
            a.close_cause = trigger_cause(ev);
            row.marks.closed_by = closing_user(ev, &s);
        }
    }
    row
}

/// A close event for a row already closed (by polling, or by this same event before):
/// only what the row lacks is added.
fn fill_close(row: &mut MarkedAlert, ev: &AlertEvent, s: &Said) {
    let a = &mut row.alert;
    if a.close_cause.is_none() {
        a.close_cause = trigger_cause(ev);
    }
    if a.image_url.is_none() {
        a.image_url = ev.image_url.clone();
    }
    if row.marks.closed_by.is_none() {
        row.marks.closed_by = closing_user(ev, s);
    }
}

fn trigger_cause(ev: &AlertEvent) -> Option<String> {
    ev.alert
        .trigger
        .as_deref()
        .and_then(close_cause)
        .map(str::to_owned)
}

/// The acting user of a close (a person closing by hand, or retiring the host).
fn closing_user(ev: &AlertEvent, s: &Said) -> Option<String> {
    s.closed_at?;
    ev.user.as_ref().and_then(|u| u.display())
}

/// Services and `service:role`s as the event names them (as of the event): a service
/// object names its service; a host's roles name the host's services.
fn attribution(ev: &AlertEvent, kind: &str) -> (Vec<String>, Vec<String>) {
    if matches!(kind, "expression" | "query") {
        return Default::default();
    }
    if let Some(name) = ev.service.as_ref().and_then(|s| s.name.clone()) {
        return (vec![name], Vec::new());
    }
    let host = ev.host.as_ref().filter(|_| files_under_host(kind));
    let Some(map) = host.and_then(|h| h.role_map()) else {
        return Default::default();
    };
    let services = map.keys().cloned().collect();
    let mut roles: Vec<String> = map
        .iter()
        .flat_map(|(s, rs)| rs.iter().map(move |r| format!("{s}:{r}")))
        .collect();
    roles.sort();
    roles.dedup();
    (services, roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(alert: serde_json::Value) -> AlertEvent {
        serde_json::from_value(serde_json::json!({"type": "host", "alert": alert})).unwrap()
    }

    #[test]
    fn a_close_without_closed_at_is_dated_by_its_status_change_or_arrival() {
        let changed = event(serde_json::json!(
            {"id": "a", "status": "ok", "openedAt": 10, "statusChangedAt": 20}
        ));
        assert_eq!(new_row(&changed, 99).alert.closed_at, Some(20));
        let bare = event(serde_json::json!({"id": "a", "status": "ok", "openedAt": 10}));
        assert_eq!(new_row(&bare, 99).alert.closed_at, Some(99));
    }

    #[test]
    fn opened_at_falls_back_to_created_at_in_milliseconds() {
        let ev = event(serde_json::json!(
            {"id": "a", "status": "warning", "createdAt": 1693211911720_i64}
        ));
        assert_eq!(new_row(&ev, 0).alert.opened_at, 1693211911);
    }

    #[test]
    fn webhook_triggers_map_to_the_log_words_the_store_uses() {
        assert_eq!(close_cause("manual close"), Some("manual"));
        assert_eq!(close_cause("monitor"), Some("monitoring"));
        assert_eq!(close_cause("retire host"), Some("hostRetire"));
        assert_eq!(close_cause("delete monitor"), Some("monitorDelete"));
        assert_eq!(close_cause("delete service"), Some("serviceDelete"));
        assert_eq!(close_cause("something new"), None);
    }
}
