//! Monitors, hosts, services and the org name: refreshed when stale, and looked up
//! one by one for ids the lists do not hold (retired hosts, deleted monitors, checks).
//!
//! Metadata only refines alerts, so an endpoint that fails does not stop a pass: the
//! pass goes on with what is stored, says so, and alerts that could not be attributed
//! are marked and attributed again once the metadata is back. Only a rejected key stops it.

use std::collections::{HashMap, HashSet};

use crate::graphs::MetricTarget;
use crate::mackerel::{Alert, Client, MackerelError, Service};
use crate::store::{
    HostRecord, MetadataWrite, MonitorRecord, StateChange, StateKey, Store, StoreError,
};

/// What sync knows around alerts, and what it learnt in this pass (to be written).
pub struct Metadata {
    pub monitors: HashMap<String, MonitorRecord>,
    pub hosts: HashMap<String, HostRecord>,
    pub org: Option<String>,
    refreshed_at: Option<i64>,
    /// A refresh was tried in this pass (it is tried once).
    refresh_tried: bool,
    /// Every list of the refresh was read.
    refreshed_fully: bool,
    new_monitors: Vec<MonitorRecord>,
    new_hosts: Vec<HostRecord>,
    /// The series of the metric monitors the list returned, for their alerts' graphs.
    new_metrics: Vec<MetricTarget>,
    services: Vec<Service>,
    /// Ids the full lists returned, when they were read this pass (written once).
    listed_monitors: Option<Vec<String>>,
    listed_hosts: Option<Vec<String>>,
    /// Ids whose lookup failed this pass: not asked again until the next pass.
    failed_ids: HashSet<String>,
    /// What could not be read this pass, for the pass record.
    pub failures: Vec<String>,
    pub skipped: usize,
}

impl Metadata {
    pub async fn load(store: &Store) -> Result<Metadata, StoreError> {
        Ok(Metadata {
            monitors: store.monitors().await?,
            hosts: store.hosts().await?,
            org: store.state(StateKey::OrgName).await?,
            refreshed_at: store.state_time(StateKey::MetadataRefreshedAt).await?,
            refresh_tried: false,
            refreshed_fully: false,
            new_monitors: Vec::new(),
            new_hosts: Vec::new(),
            new_metrics: Vec::new(),
            services: Vec::new(),
            listed_monitors: None,
            listed_hosts: None,
            failed_ids: HashSet::new(),
            failures: Vec::new(),
            skipped: 0,
        })
    }

    pub fn is_stale(&self, now: i64, max_age_secs: i64) -> bool {
        self.org.is_none() || self.refreshed_at.is_none_or(|t| now - t >= max_age_secs)
    }

    /// Whether something could not be read in this pass.
    pub fn degraded(&self) -> bool {
        !self.failures.is_empty()
    }

    /// Reads every list once a pass: monitors, hosts in all four statuses, services, org.
    /// A list that fails is noted and skipped; a rejected key stops the pass.
    pub async fn refresh(&mut self, client: &Client) -> Result<(), MackerelError> {
        if self.refresh_tried {
            return Ok(());
        }
        self.refresh_tried = true;
        let failures = self.failures.len();
        if let Some(list) = self.tolerate("monitors", client.monitors().await)? {
            let mut ids = Vec::new();
            for monitor in list {
                match monitor {
                    Ok(m) => {
                        ids.push(m.id.clone());
                        self.new_metrics.extend(crate::graphs::target::of(&m));
                        self.learn_monitor(MonitorRecord::from_monitor(&m));
                    }
                    Err(reason) => {
                        tracing::warn!(%reason, "skipping a monitor that does not parse");
                        self.skipped += 1;
                    }
                }
            }
            self.listed_monitors = Some(ids);
        }
        if let Some(hosts) = self.tolerate("hosts", client.hosts().await)? {
            self.listed_hosts = Some(hosts.iter().map(|h| h.id.clone()).collect());
            for host in hosts {
                self.learn_host(HostRecord::from_host(&host));
            }
        }
        if let Some(services) = self.tolerate("services", client.services().await)? {
            self.services = services;
        }
        if let Some(org) = self.tolerate("organization", client.org().await)? {
            self.org = Some(org.name);
        }
        self.refreshed_fully = self.failures.len() == failures;
        Ok(())
    }

    /// The value of a metadata read, or `None` (noted) when it failed for a reason
    /// other than the key.
    fn tolerate<T>(
        &mut self,
        what: &str,
        result: Result<T, MackerelError>,
    ) -> Result<Option<T>, MackerelError> {
        match result {
            Ok(v) => Ok(Some(v)),
            Err(e @ MackerelError::KeyRejected { .. }) => Err(e),
            Err(e) => {
                tracing::warn!(what, error = %e, "could not read metadata; going on without it");
                self.failures.push(format!("{what}: {e}"));
                Ok(None)
            }
        }
    }

    /// Makes sure every monitor and host these alerts name is known, asking Mackerel
    /// for the ones the lists do not hold.
    pub async fn resolve(
        &mut self,
        client: &Client,
        wanted: &[Alert],
    ) -> Result<(), MackerelError> {
        let unknown = |m: &Self, a: &Alert| {
            a.monitor_id.as_ref().is_some_and(|id| m.wants_monitor(id))
                || a.host_id.as_ref().is_some_and(|id| m.wants_host(id))
        };
        if !wanted.iter().any(|a| unknown(self, a)) {
            return Ok(());
        }
        self.refresh(client).await?;
        for alert in wanted {
            if let Some(id) = alert
                .monitor_id
                .as_ref()
                .filter(|id| self.wants_monitor(id))
            {
                let found = lookup_monitor(client, id, &alert.kind).await;
                if let Some(record) = self.tolerate_lookup(id, found)? {
                    self.learn_monitor(record);
                }
            }
            if let Some(id) = alert.host_id.as_ref().filter(|id| self.wants_host(id)) {
                let found = client
                    .host(id)
                    .await
                    .map(|h| h.map_or_else(|| HostRecord::gone(id), |h| HostRecord::from_host(&h)));
                if let Some(record) = self.tolerate_lookup(id, found)? {
                    self.learn_host(record);
                }
            }
        }
        Ok(())
    }

    fn wants_monitor(&self, id: &str) -> bool {
        !self.monitors.contains_key(id) && !self.failed_ids.contains(id)
    }

    fn wants_host(&self, id: &str) -> bool {
        !self.hosts.contains_key(id) && !self.failed_ids.contains(id)
    }

    fn tolerate_lookup<T>(
        &mut self,
        id: &str,
        result: Result<T, MackerelError>,
    ) -> Result<Option<T>, MackerelError> {
        let found = self.tolerate(id, result)?;
        if found.is_none() {
            self.failed_ids.insert(id.to_owned());
        }
        Ok(found)
    }

    fn learn_monitor(&mut self, m: MonitorRecord) {
        self.new_monitors.push(m.clone());
        self.monitors.insert(m.id.clone(), m);
    }

    fn learn_host(&mut self, h: HostRecord) {
        self.new_hosts.push(h.clone());
        self.hosts.insert(h.id.clone(), h);
    }

    /// What was learnt since the last checkpoint, to be written with the next one,
    /// and the state that goes with it. Once taken, it is not given again.
    pub fn take_writes(&mut self, now: i64) -> (MetadataWrite, Vec<StateChange>) {
        let write = MetadataWrite {
            listed_monitors: self.listed_monitors.take(),
            listed_hosts: self.listed_hosts.take(),
            monitors: std::mem::take(&mut self.new_monitors),
            hosts: std::mem::take(&mut self.new_hosts),
            metrics: std::mem::take(&mut self.new_metrics),
            services: std::mem::take(&mut self.services),
        };
        let mut state = Vec::new();
        if std::mem::take(&mut self.refreshed_fully) {
            let at = now.to_string();
            state.push(StateChange::Set(StateKey::MetadataRefreshedAt, at));
            self.refreshed_at = Some(now);
        }
        if let Some(org) = &self.org {
            state.push(StateChange::Set(StateKey::OrgName, org.clone()));
        }
        (write, state)
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
