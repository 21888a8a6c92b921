//! Monitors, hosts and services as last seen in Mackerel: what sync joins alerts with.

use std::collections::{BTreeMap, HashMap};

use crate::mackerel::{Host, Monitor};

use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MonitorRecord {
    pub id: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub name: Option<String>,
    pub service: Option<String>,
    /// Mackerel answered 404: deleted.
    pub gone: bool,
}

impl MonitorRecord {
    pub fn from_monitor(m: &Monitor) -> Self {
        MonitorRecord {
            id: m.id.clone(),
            kind: m.type_name().to_owned(),
            name: m.display_name(),
            service: m.service().map(str::to_owned),
            gone: false,
        }
    }

    /// What is remembered of a monitor Mackerel no longer knows.
    pub fn gone(id: &str, kind: &str) -> Self {
        MonitorRecord {
            id: id.to_owned(),
            kind: kind.to_owned(),
            name: None,
            service: None,
            gone: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct HostRecord {
    pub id: String,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub status: Option<String>,
    #[sqlx(json)]
    pub roles: BTreeMap<String, Vec<String>>,
    pub is_retired: bool,
    pub retired_at: Option<i64>,
    /// Mackerel answered 404 (a host retired long ago).
    pub gone: bool,
}

impl HostRecord {
    pub fn from_host(h: &Host) -> Self {
        HostRecord {
            id: h.id.clone(),
            name: Some(h.name.clone()),
            display_name: h.display_name.clone(),
            status: h.status.clone(),
            roles: h.roles.clone(),
            is_retired: h.is_retired,
            retired_at: h.retired_at,
            gone: false,
        }
    }

    pub fn gone(id: &str) -> Self {
        HostRecord {
            id: id.to_owned(),
            name: None,
            display_name: None,
            status: None,
            roles: BTreeMap::new(),
            is_retired: true,
            retired_at: None,
            gone: true,
        }
    }
}

impl Store {
    pub async fn monitors(&self) -> Result<HashMap<String, MonitorRecord>, StoreError> {
        on_backend!(self, b => b.monitors().await)
    }

    pub async fn hosts(&self) -> Result<HashMap<String, HostRecord>, StoreError> {
        on_backend!(self, b => b.hosts().await)
    }

    /// The names of the services Mackerel listed at the last metadata read.
    pub async fn service_names(&self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        on_backend!(self, b => b.service_names().await)
    }
}
