//! Monitors: one typed variant per documented type, and a catch-all for types
//! Mackerel adds later (the Go client once dropped the rest of the list on one).

use serde::{Deserialize, Serialize};

/// A monitor from `GET /api/v0/monitors`, or a check monitor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monitor {
    pub id: String,
    /// Mackerel's `name`; connectivity monitors may omit it (their default name is "connectivity").
    pub name: Option<String>,
    pub kind: MonitorKind,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostMetric {
    #[serde(default)]
    pub metric: Option<String>,
    #[serde(default)]
    pub operator: Option<String>,
    #[serde(default)]
    pub warning: Option<f64>,
    #[serde(default)]
    pub critical: Option<f64>,
    #[serde(default)]
    pub duration: Option<i64>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub exclude_scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connectivity {
    #[serde(default)]
    pub alert_status_on_gone: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub exclude_scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMetric {
    pub service: String,
    #[serde(default)]
    pub metric: Option<String>,
    #[serde(default)]
    pub operator: Option<String>,
    #[serde(default)]
    pub warning: Option<f64>,
    #[serde(default)]
    pub critical: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct External {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    /// Optional: an external monitor need not belong to a service.
    #[serde(default)]
    pub service: Option<String>,
    /// Response-time thresholds in milliseconds (only with a `service`).
    #[serde(default)]
    pub response_time_warning: Option<f64>,
    #[serde(default)]
    pub response_time_critical: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Expression {
    #[serde(default)]
    pub expression: Option<String>,
    #[serde(default)]
    pub operator: Option<String>,
    #[serde(default)]
    pub warning: Option<f64>,
    #[serde(default)]
    pub critical: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnomalyDetection {
    #[serde(default)]
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Query {
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub legend: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum MonitorKind {
    Host(HostMetric),
    Connectivity(Connectivity),
    Service(ServiceMetric),
    External(External),
    Expression(Expression),
    AnomalyDetection(AnomalyDetection),
    Query(Query),
    /// Check monitors come from `/api/v0/monitoring/checks`, never from the monitors list.
    Check,
    /// A type this version of asakai does not know yet.
    Other {
        type_name: String,
    },
}

impl Monitor {
    /// Reads one monitor from its JSON object. An unknown `type` gives
    /// [`MonitorKind::Other`]; a known type whose fields do not fit is an error.
    pub fn from_json(value: serde_json::Value) -> Result<Monitor, String> {
        let field = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let id = field("id").ok_or("monitor without an id")?;
        let name = field("name");
        let type_name = field("type").ok_or_else(|| format!("monitor {id} has no type"))?;
        fn typed<T: for<'de> Deserialize<'de>>(v: serde_json::Value) -> Result<T, String> {
            serde_json::from_value(v).map_err(|e| e.to_string())
        }
        let kind = match type_name.as_str() {
            "host" => MonitorKind::Host(typed(value)?),
            "connectivity" => MonitorKind::Connectivity(typed(value)?),
            "service" => MonitorKind::Service(typed(value)?),
            "external" => MonitorKind::External(typed(value)?),
            "expression" => MonitorKind::Expression(typed(value)?),
            "anomalyDetection" => MonitorKind::AnomalyDetection(typed(value)?),
            "query" => MonitorKind::Query(typed(value)?),
            "check" => MonitorKind::Check,
            _ => MonitorKind::Other { type_name },
        };
        Ok(Monitor { id, name, kind })
    }

    /// The type as Mackerel spells it.
    pub fn type_name(&self) -> &str {
        match &self.kind {
            MonitorKind::Host(_) => "host",
            MonitorKind::Connectivity(_) => "connectivity",
            MonitorKind::Service(_) => "service",
            MonitorKind::External(_) => "external",
            MonitorKind::Expression(_) => "expression",
            MonitorKind::AnomalyDetection(_) => "anomalyDetection",
            MonitorKind::Query(_) => "query",
            MonitorKind::Check => "check",
            MonitorKind::Other { type_name } => type_name,
        }
    }

    /// The service a service-metric or external monitor names, if any.
    pub fn service(&self) -> Option<&str> {
        match &self.kind {
            MonitorKind::Service(m) => Some(&m.service),
            MonitorKind::External(m) => m.service.as_deref(),
            _ => None,
        }
    }

    /// The name to show: Mackerel's default for unnamed connectivity monitors.
    pub fn display_name(&self) -> Option<String> {
        match (&self.name, &self.kind) {
            (Some(n), _) => Some(n.clone()),
            (None, MonitorKind::Connectivity(_)) => Some("connectivity".to_owned()),
            (None, _) => None,
        }
    }
}
