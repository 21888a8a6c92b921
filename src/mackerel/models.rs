//! Typed bodies of the Mackerel API, as `shared/mackerel-api.md` documents them.
//!
//! Fields that only some alert or monitor types carry are `Option`s; types that
//! Mackerel adds later are kept (as strings or [`MonitorKind::Other`]) rather than
//! failing a whole list.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An alert's status, in the REST API's uppercase spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AlertStatus {
    Ok,
    Critical,
    Warning,
    Unknown,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Ok => "OK",
            AlertStatus::Critical => "CRITICAL",
            AlertStatus::Warning => "WARNING",
            AlertStatus::Unknown => "UNKNOWN",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "OK" => Some(AlertStatus::Ok),
            "CRITICAL" => Some(AlertStatus::Critical),
            "WARNING" => Some(AlertStatus::Warning),
            "UNKNOWN" => Some(AlertStatus::Unknown),
            _ => None,
        }
    }

    /// Rank for "highest severity ever": CRITICAL > WARNING > UNKNOWN; OK is no severity.
    pub fn severity_rank(self) -> u8 {
        match self {
            AlertStatus::Ok => 0,
            AlertStatus::Unknown => 1,
            AlertStatus::Warning => 2,
            AlertStatus::Critical => 3,
        }
    }
}

/// The higher of two known severities (`None` when neither is known).
pub fn max_severity(a: Option<AlertStatus>, b: Option<AlertStatus>) -> Option<AlertStatus> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.severity_rank() > x.severity_rank() {
            y
        } else {
            x
        }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// One alert as `GET /api/v0/alerts` and `GET /api/v0/alerts/<id>` return it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub id: String,
    pub status: AlertStatus,
    #[serde(default)]
    pub monitor_id: Option<String>,
    /// The monitor type: connectivity, host, service, external, check, expression,
    /// anomalyDetection, query, or one Mackerel adds later.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub host_id: Option<String>,
    #[serde(default)]
    pub value: Option<f64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub memo: Option<String>,
    #[serde(default)]
    pub series: Option<serde_json::Value>,
    pub opened_at: i64,
    #[serde(default)]
    pub closed_at: Option<i64>,
}

/// A page of the alerts list, with each record parsed on its own so that one bad
/// record does not lose the page.
#[derive(Debug)]
pub struct AlertPage {
    pub alerts: Vec<Result<Alert, RecordError>>,
    pub next_id: Option<String>,
}

/// A record of a list that did not parse: its id when it had one, and why.
#[derive(Debug, Clone, thiserror::Error)]
#[error("alert {id} does not parse: {reason}")]
pub struct RecordError {
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawAlertPage {
    /// Each record kept as raw text, parsed on its own (no intermediate JSON tree).
    pub alerts: Vec<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    pub next_id: Option<String>,
}

impl From<RawAlertPage> for AlertPage {
    fn from(raw: RawAlertPage) -> Self {
        let alerts = raw
            .alerts
            .iter()
            .map(|r| parse_raw_alert(r.get()))
            .collect();
        AlertPage {
            alerts,
            next_id: raw.next_id.filter(|id| !id.is_empty()),
        }
    }
}

/// Parses one alert record from its text; when it is malformed, names it by id.
fn parse_raw_alert(text: &str) -> Result<Alert, RecordError> {
    serde_json::from_str(text).map_err(|e| {
        let id = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "(no id)".to_owned());
        RecordError {
            id,
            reason: e.to_string(),
        }
    })
}

/// Parses one alert record, naming it (by id where it has one) when it is malformed.
pub fn parse_alert(value: serde_json::Value) -> Result<Alert, RecordError> {
    let id = value
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or("(no id)")
        .to_owned();
    serde_json::from_value(value).map_err(|e| RecordError {
        id,
        reason: e.to_string(),
    })
}

/// One entry of `GET /api/v0/alerts/<id>/logs`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertLog {
    #[serde(default)]
    pub id: Option<String>,
    pub created_at: i64,
    pub status: AlertStatus,
    /// monitoring, manual, monitorDelete, hostRetire, serviceDelete,
    /// anomalyDetectionManuallyRetraining, externalMonitoringServiceChange, ...
    pub trigger: String,
    #[serde(default)]
    pub monitor_id: Option<String>,
    #[serde(default)]
    pub target_value: Option<f64>,
    #[serde(default)]
    pub status_detail: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AlertLogPage {
    pub logs: Vec<AlertLog>,
    #[serde(default)]
    pub next_id: Option<String>,
}

/// One point of `GET /hosts/<id>/metrics` or `GET /services/<name>/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
pub struct MetricPoint {
    /// Unix seconds.
    pub time: i64,
    /// `null` is taken as no point (the docs show numbers only; a gap costs nothing).
    pub value: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct MetricsBody {
    pub metrics: Vec<MetricPoint>,
}

/// A host: `roles` maps service names to role names.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Host {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub memo: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub roles: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub is_retired: bool,
    #[serde(default)]
    pub retired_at: Option<i64>,
    #[serde(default)]
    pub created_at: Option<i64>,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Deserialize)]
pub(crate) struct HostList {
    pub hosts: Vec<Host>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct HostBody {
    pub host: Host,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Service {
    pub name: String,
    #[serde(default)]
    pub memo: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ServiceList {
    pub services: Vec<Service>,
}

/// A check monitor: the API knows only its id and name.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CheckMonitor {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CheckBody {
    pub check: CheckMonitor,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Org {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct MonitorList {
    pub monitors: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct MonitorBody {
    pub monitor: serde_json::Value,
}

/// Mackerel's error bodies: `{"error": {"message": "..."}}` or `{"error": "..."}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum ErrorDetail {
    Object { message: String },
    Text(String),
}

impl ErrorDetail {
    pub fn message(self) -> String {
        match self {
            ErrorDetail::Object { message } | ErrorDetail::Text(message) => message,
        }
    }
}

pub use super::monitor::{Monitor, MonitorKind};
