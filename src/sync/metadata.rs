//! Monitors, hosts, services and the org name: refreshed when stale, and looked up
//! one by one for ids the lists do not hold (retired hosts, deleted monitors, checks).

use std::collections::HashMap;

use sqlx::SqliteConnection;

use crate::mackerel::{Client, MackerelError, Service};
use crate::store::{self, HostRecord, MonitorRecord, Store, StoreError};

pub const ORG_KEY: &str = "org_name";
pub const REFRESHED_KEY: &str = "metadata_refreshed_at";

/// What sync knows around alerts, and what it learnt in this pass (to be written).
pub struct Metadata {
    pub monitors: HashMap<String, MonitorRecord>,
    pub hosts: HashMap<String, HostRecord>,
    pub org: Option<String>,
    refreshed_at: Option<i64>,
    refreshed_now: bool,
    new_monitors: Vec<MonitorRecord>,
    new_hosts: Vec<HostRecord>,
    services: Vec<Service>,
    /// Ids the full lists returned, when they were read this pass.
    listed: Option<(Vec<String>, Vec<String>)>,
    pub skipped: usize,
}

impl Metadata {
    pub async fn load(store: &Store) -> Result<Metadata, StoreError> {
        Ok(Metadata {
            monitors: store.monitors().await?,
            hosts: store.hosts().await?,
            org: store.state(ORG_KEY).await?,
            refreshed_at: store
                .state(REFRESHED_KEY)
                .await?
                .and_then(|v| v.parse().ok()),
            refreshed_now: false,
            new_monitors: Vec::new(),
            new_hosts: Vec::new(),
            services: Vec::new(),
            listed: None,
            skipped: 0,
        })
    }

    pub fn is_stale(&self, now: i64, max_age_secs: i64) -> bool {
        self.org.is_none() || self.refreshed_at.is_none_or(|t| now - t >= max_age_secs)
    }

    /// Reads every list once: monitors, hosts in all four statuses, services, org.
    pub async fn refresh(&mut self, client: &Client) -> Result<(), MackerelError> {
        if self.refreshed_now {
            return Ok(());
        }
        for monitor in client.monitors().await? {
            match monitor {
                Ok(m) => self.learn_monitor(MonitorRecord::from_monitor(&m)),
                Err(reason) => {
                    tracing::warn!(%reason, "skipping a monitor that does not parse");
                    self.skipped += 1;
                }
            }
        }
        let hosts = client.hosts().await?;
        let monitor_ids = self.new_monitors.iter().map(|m| m.id.clone()).collect();
        self.listed = Some((monitor_ids, hosts.iter().map(|h| h.id.clone()).collect()));
        for host in hosts {
            self.learn_host(HostRecord::from_host(&host));
        }
        self.services = client.services().await?;
        self.org = Some(client.org().await?.name);
        self.refreshed_now = true;
        Ok(())
    }

    /// Makes sure every monitor and host these alerts name is known, asking Mackerel
    /// for the ones the lists do not hold.
    pub async fn resolve<'a>(
        &mut self,
        client: &Client,
        wanted: impl Iterator<Item = &'a crate::mackerel::Alert> + Clone,
    ) -> Result<(), MackerelError> {
        let unknown = |m: &Self| {
            wanted.clone().any(|a| {
                a.monitor_id
                    .as_ref()
                    .is_some_and(|id| !m.monitors.contains_key(id))
                    || a.host_id
                        .as_ref()
                        .is_some_and(|id| !m.hosts.contains_key(id))
            })
        };
        if !unknown(self) {
            return Ok(());
        }
        self.refresh(client).await?;
        for alert in wanted {
            if let Some(id) = alert
                .monitor_id
                .as_ref()
                .filter(|id| !self.monitors.contains_key(*id))
            {
                let record = lookup_monitor(client, id, &alert.kind).await?;
                self.learn_monitor(record);
            }
            if let Some(id) = alert
                .host_id
                .as_ref()
                .filter(|id| !self.hosts.contains_key(*id))
            {
                let record = match client.host(id).await? {
                    Some(h) => HostRecord::from_host(&h),
                    None => HostRecord::gone(id),
                };
                self.learn_host(record);
            }
        }
        Ok(())
    }

    fn learn_monitor(&mut self, m: MonitorRecord) {
        self.new_monitors.push(m.clone());
        self.monitors.insert(m.id.clone(), m);
    }

    fn learn_host(&mut self, h: HostRecord) {
        self.new_hosts.push(h.clone());
        self.hosts.insert(h.id.clone(), h);
    }

    /// Writes what this pass learnt, inside the pass's transaction.
    pub async fn save(&self, conn: &mut SqliteConnection, now: i64) -> Result<(), StoreError> {
        // First: what the full lists no longer hold is deleted or retired. Then the
        // upserts below restore anything looked up one by one this pass.
        if let Some((monitors, hosts)) = &self.listed {
            store::meta::mark_unlisted(conn, monitors, hosts).await?;
        }
        for m in &self.new_monitors {
            store::meta::upsert_monitor(conn, m, now).await?;
        }
        for h in &self.new_hosts {
            store::meta::upsert_host(conn, h, now).await?;
        }
        for s in &self.services {
            store::meta::upsert_service(conn, s, now).await?;
        }
        if self.refreshed_now {
            store::set_state(conn, REFRESHED_KEY, &now.to_string()).await?;
        }
        if let Some(org) = &self.org {
            store::set_state(conn, ORG_KEY, org).await?;
        }
        Ok(())
    }
}

/// A monitor the list did not hold: check monitors live under `/monitoring/checks`;
/// others may have been deleted (404), which is remembered so it is not asked again.
async fn lookup_monitor(
    client: &Client,
    id: &str,
    alert_kind: &str,
) -> Result<MonitorRecord, MackerelError> {
    if alert_kind == "check" {
        return Ok(match client.check_monitor(id).await? {
            Some(c) => MonitorRecord {
                id: c.id,
                kind: "check".into(),
                name: Some(c.name),
                service: None,
                gone: false,
            },
            None => MonitorRecord::gone(id, "check"),
        });
    }
    Ok(match client.monitor(id).await? {
        Some(Ok(m)) => MonitorRecord::from_monitor(&m),
        Some(Err(reason)) => {
            tracing::warn!(monitor = id, %reason, "monitor does not parse; keeping its id only");
            MonitorRecord::gone(id, alert_kind)
        }
        None => MonitorRecord::gone(id, alert_kind),
    })
}
