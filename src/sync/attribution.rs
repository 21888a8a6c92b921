//! Which service(s) an alert belongs to (design §3). Mackerel's alerts carry no
//! service: it comes from the host's roles or from the monitor, by alert type.

use crate::mackerel::Alert;
use crate::store::{HostRecord, MonitorRecord};

/// What an alert is filed under, as of ingestion.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attribution {
    /// Sorted, without duplicates; empty for "(no service)".
    pub services: Vec<String>,
    /// `service:role`, sorted.
    pub roles: Vec<String>,
    pub monitor_name: Option<String>,
    pub host_name: Option<String>,
}

/// Alert types whose service comes from their host's roles.
fn is_host_bound(kind: &str) -> bool {
    matches!(kind, "connectivity" | "host" | "check" | "anomalyDetection")
}

pub fn attribute(
    alert: &Alert,
    monitor: Option<&MonitorRecord>,
    host: Option<&HostRecord>,
) -> Attribution {
    let host_name = host.and_then(|h| h.display_name.clone().or_else(|| h.name.clone()));
    let monitor_name = monitor.and_then(|m| m.name.clone());
    let from_host =
        is_host_bound(&alert.kind) || (alert.host_id.is_some() && !is_monitor_bound(&alert.kind));
    let (services, roles) = if from_host {
        host.map(host_services).unwrap_or_default()
    } else if is_monitor_bound(&alert.kind) || alert.host_id.is_none() {
        // service and external monitors name their service; expression and query never do.
        let service = monitor
            .and_then(|m| m.service.clone())
            .filter(|_| alert.kind != "expression" && alert.kind != "query");
        (service.into_iter().collect(), Vec::new())
    } else {
        Default::default()
    };
    Attribution {
        services,
        roles,
        monitor_name,
        host_name,
    }
}

fn is_monitor_bound(kind: &str) -> bool {
    matches!(kind, "service" | "external" | "expression" | "query")
}

fn host_services(host: &HostRecord) -> (Vec<String>, Vec<String>) {
    // BTreeMap keys are already sorted and unique.
    let services = host.roles.keys().cloned().collect();
    let mut roles: Vec<String> = host
        .roles
        .iter()
        .flat_map(|(service, roles)| roles.iter().map(move |r| format!("{service}:{r}")))
        .collect();
    roles.sort();
    roles.dedup();
    (services, roles)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::mackerel::AlertStatus;

    fn alert(kind: &str, host: Option<&str>) -> Alert {
        Alert {
            id: "a".into(),
            status: AlertStatus::Critical,
            monitor_id: Some("m".into()),
            kind: kind.into(),
            host_id: host.map(Into::into),
            value: None,
            message: None,
            reason: None,
            memo: None,
            series: None,
            opened_at: 1,
            closed_at: None,
        }
    }

    fn host(roles: &[(&str, &[&str])]) -> HostRecord {
        let mut h = HostRecord::gone("h");
        h.gone = false;
        h.name = Some("app01".into());
        h.roles = roles
            .iter()
            .map(|(s, r)| (s.to_string(), r.iter().map(|x| x.to_string()).collect()))
            .collect::<BTreeMap<_, _>>();
        h
    }

    fn monitor(kind: &str, service: Option<&str>) -> MonitorRecord {
        MonitorRecord {
            id: "m".into(),
            kind: kind.into(),
            name: Some("mon".into()),
            service: service.map(Into::into),
            gone: false,
        }
    }

    #[test]
    fn a_host_in_two_services_files_its_alert_under_both() {
        let h = host(&[("web", &["app"]), ("blog", &["db", "app"])]);
        let a = attribute(&alert("connectivity", Some("h")), None, Some(&h));
        assert_eq!(a.services, ["blog", "web"]);
        assert_eq!(a.roles, ["blog:app", "blog:db", "web:app"]);
        assert_eq!(a.host_name.as_deref(), Some("app01"));
    }

    #[test]
    fn a_host_without_roles_gives_no_service() {
        let a = attribute(
            &alert("host", Some("h")),
            Some(&monitor("host", None)),
            Some(&host(&[])),
        );
        assert!(a.services.is_empty());
    }

    #[test]
    fn service_and_external_monitors_name_the_service() {
        let m = monitor("service", Some("blog"));
        assert_eq!(
            attribute(&alert("service", None), Some(&m), None).services,
            ["blog"]
        );
        let ext = monitor("external", Some("shop"));
        assert_eq!(
            attribute(&alert("external", None), Some(&ext), None).services,
            ["shop"]
        );
        let bare = monitor("external", None);
        assert!(attribute(&alert("external", None), Some(&bare), None)
            .services
            .is_empty());
    }

    #[test]
    fn expression_and_query_alerts_have_no_service() {
        for kind in ["expression", "query"] {
            assert!(
                attribute(&alert(kind, None), Some(&monitor(kind, Some("x"))), None)
                    .services
                    .is_empty()
            );
        }
    }

    #[test]
    fn an_unknown_type_with_a_host_follows_the_host() {
        let a = attribute(
            &alert("brandNew", Some("h")),
            None,
            Some(&host(&[("web", &["app"])])),
        );
        assert_eq!(a.services, ["web"]);
    }
}
