//! The SQL of `store::checkpoint`, compiled for each backend (see `store`).

use crate::store::{Checkpoint, MetadataWrite, StateChange, StoreError, StoredAlert};

use super::alerts::{alerts_by_id_in, replace_logs, set_logs_aside, upsert_alerts};
use super::graphs::save_monitor_metrics;
use super::meta::{
    mark_unlisted_hosts, mark_unlisted_monitors, upsert_host, upsert_monitor, upsert_service,
};
use super::state::{clear_state, set_state};
use super::{Backend, Conn};

impl Backend {
    pub async fn write_checkpoint<T>(
        &self,
        cp: &Checkpoint,
        now: i64,
        merge: impl FnOnce(Vec<StoredAlert>) -> (Vec<StoredAlert>, T),
    ) -> Result<T, StoreError> {
        let mut tx = self.begin().await?;
        let stored = alerts_by_id_in(&mut tx, &cp.alert_ids).await?;
        let (rows, merged) = merge(stored);
        write_metadata(&mut tx, &cp.metadata, now).await?;
        upsert_alerts(&mut tx, &rows, now).await?;
        for (id, logs) in &cp.logs {
            replace_logs(&mut tx, id, logs).await?;
        }
        for id in &cp.logs_aside {
            set_logs_aside(&mut tx, id, now).await?;
        }
        for change in &cp.state {
            match change {
                StateChange::Set(key, value) => set_state(&mut tx, *key, value).await?,
                StateChange::Clear(key) => clear_state(&mut tx, *key).await?,
            }
        }
        tx.commit().await?;
        Ok(merged)
    }
}

async fn write_metadata(conn: &mut Conn, m: &MetadataWrite, now: i64) -> Result<(), StoreError> {
    if let Some(monitors) = &m.listed_monitors {
        mark_unlisted_monitors(conn, monitors).await?;
    }
    if let Some(hosts) = &m.listed_hosts {
        mark_unlisted_hosts(conn, hosts).await?;
    }
    for monitor in &m.monitors {
        upsert_monitor(conn, monitor, now).await?;
    }
    for host in &m.hosts {
        upsert_host(conn, host, now).await?;
    }
    save_monitor_metrics(conn, &m.metrics, now).await?;
    for service in &m.services {
        upsert_service(conn, service, now).await?;
    }
    Ok(())
}
