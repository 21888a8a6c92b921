//! Turning what Mackerel said into the rows asakai keeps, without forgetting what
//! only earlier passes knew (the severity seen while open, logs, graph images).

use crate::mackerel::{max_severity, Alert, AlertLog, AlertStatus};
use crate::store::StoredAlert;

use super::attribution::{attribute, Attribution};
use super::metadata::Metadata;

/// Where an alert's page in Mackerel is.
pub fn alert_url(web_base: &str, org: Option<&str>, id: &str) -> Option<String> {
    org.map(|org| format!("{web_base}/orgs/{org}/alerts/{id}"))
}

/// The row for `alert`, merged with the stored one.
pub fn merge(
    existing: Option<&StoredAlert>,
    alert: &Alert,
    meta: &Metadata,
    web_base: &str,
) -> StoredAlert {
    let seen = (alert.status != AlertStatus::Ok).then_some(alert.status);
    let known = existing
        .and_then(|e| e.severity.as_deref())
        .and_then(AlertStatus::parse);
    // Attribution is kept as of ingestion once an alert is stored closed: hosts change
    // roles and monitors get deleted, but what the alert was filed under does not.
    // One stored while its metadata could not be read is not frozen until it is complete.
    let frozen = existing.filter(|e| e.closed_at.is_some() && !e.attribution_pending);
    let monitor = alert
        .monitor_id
        .as_ref()
        .and_then(|id| meta.monitors.get(id));
    let host = alert.host_id.as_ref().and_then(|id| meta.hosts.get(id));
    let metadata_missing = frozen.is_none()
        && ((alert.monitor_id.is_some() && monitor.is_none())
            || (alert.host_id.is_some() && host.is_none()));
    let Attribution {
        services,
        roles,
        monitor_name,
        host_name,
    } = match frozen {
        Some(e) => Attribution {
            services: e.services.clone(),
            roles: e.roles.clone(),
            monitor_name: e.monitor_name.clone(),
            host_name: e.host_name.clone(),
        },
        None => attribute(alert, monitor, host),
    };
    let url = alert_url(web_base, meta.org.as_deref(), &alert.id)
        .or_else(|| existing.and_then(|e| e.url.clone()));
    // A Mackerel alert never reopens: one stored closed (a webhook can close it before
    // the lists show it closed) stays closed while a list still shows it open.
    let closed_at = alert
        .closed_at
        .or_else(|| existing.filter(|e| !e.gone).and_then(|e| e.closed_at));
    let status = match closed_at {
        Some(_) => AlertStatus::Ok,
        None => alert.status,
    };
    StoredAlert {
        attribution_pending: metadata_missing || url.is_none(),
        id: alert.id.clone(),
        kind: alert.kind.clone(),
        status: status.as_str().to_owned(),
        severity: max_severity(known, seen).map(|s| s.as_str().to_owned()),
        monitor_id: alert.monitor_id.clone(),
        monitor_name: monitor_name.or_else(|| existing.and_then(|e| e.monitor_name.clone())),
        host_id: alert.host_id.clone(),
        host_name: host_name.or_else(|| existing.and_then(|e| e.host_name.clone())),
        opened_at: alert.opened_at,
        closed_at,
        close_cause: existing
            .and_then(|e| e.close_cause.clone())
            .filter(|_| closed_at.is_some()),
        reason: alert.reason.clone(),
        message: alert.message.clone(),
        value: alert.value,
        memo: alert.memo.clone(),
        series: alert.series.as_ref().map(|s| s.to_string()),
        roles,
        services,
        url,
        // Only webhooks carry the graph image: polling keeps it.
        image_url: existing.and_then(|e| e.image_url.clone()),
        gone: false,
        logs_read: existing.is_some_and(|e| e.logs_read) && closed_at.is_some(),
    }
}

/// The alert as Mackerel last gave it, rebuilt from its stored row (to attribute it again).
pub fn as_alert(r: &StoredAlert) -> Alert {
    Alert {
        id: r.id.clone(),
        status: AlertStatus::parse(&r.status).unwrap_or(AlertStatus::Ok),
        monitor_id: r.monitor_id.clone(),
        kind: r.kind.clone(),
        host_id: r.host_id.clone(),
        value: r.value,
        message: r.message.clone(),
        reason: r.reason.clone(),
        memo: r.memo.clone(),
        series: r
            .series
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok()),
        opened_at: r.opened_at,
        closed_at: r.closed_at,
    }
}

/// The row of an alert Mackerel answers 404 for: no longer open, closed by the
/// system when it was found gone (design §5).
pub fn gone(existing: &StoredAlert, now: i64) -> StoredAlert {
    let mut r = existing.clone();
    r.gone = true;
    if r.closed_at.is_none() {
        r.closed_at = Some(now);
        r.close_cause = Some(GONE_CAUSE.to_owned());
    }
    r
}

/// The close cause of an alert found gone: neither monitoring nor a person closed it.
pub const GONE_CAUSE: &str = "gone";

/// What an alert's logs tell: the trigger of its closing entry, and its highest severity.
pub fn apply_logs(r: &mut StoredAlert, logs: &[AlertLog]) {
    let peak = logs
        .iter()
        .map(|l| l.status)
        .filter(|s| *s != AlertStatus::Ok)
        .fold(None, |acc, s| max_severity(acc, Some(s)));
    let known = r.severity.as_deref().and_then(AlertStatus::parse);
    r.severity = max_severity(known, peak).map(|s| s.as_str().to_owned());
    if r.closed_at.is_some() {
        if let Some(close) = logs.iter().rev().find(|l| l.status == AlertStatus::Ok) {
            r.close_cause = Some(close.trigger.clone());
        }
    }
    r.logs_read = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(at: i64, status: AlertStatus, trigger: &str) -> AlertLog {
        AlertLog {
            id: None,
            created_at: at,
            status,
            trigger: trigger.into(),
            monitor_id: None,
            target_value: None,
            status_detail: None,
        }
    }

    fn closed_record() -> StoredAlert {
        StoredAlert {
            id: "a".into(),
            kind: "host".into(),
            status: "OK".into(),
            severity: None,
            monitor_id: None,
            monitor_name: None,
            host_id: None,
            host_name: None,
            opened_at: 1,
            closed_at: Some(5),
            close_cause: None,
            reason: None,
            message: None,
            value: None,
            memo: None,
            series: None,
            roles: vec![],
            services: vec![],
            url: None,
            image_url: None,
            gone: false,
            logs_read: false,
            attribution_pending: false,
        }
    }

    #[test]
    fn logs_give_the_peak_severity_and_the_closing_trigger() {
        let mut r = closed_record();
        let logs = [
            log(1, AlertStatus::Warning, "monitoring"),
            log(2, AlertStatus::Critical, "monitoring"),
            log(3, AlertStatus::Warning, "monitoring"),
            log(5, AlertStatus::Ok, "manual"),
        ];
        apply_logs(&mut r, &logs);
        assert_eq!(r.severity.as_deref(), Some("CRITICAL"));
        assert_eq!(r.close_cause.as_deref(), Some("manual"));
        assert!(r.logs_read);
    }
}
