//! Monitors, hosts and services as last seen in Mackerel: what sync joins alerts with.

use std::collections::{BTreeMap, HashMap};

use sqlx::types::Json;
use sqlx::SqliteConnection;

use super::{Store, StoreError};
use crate::mackerel::{Host, Monitor, Service};

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
        let rows: Vec<MonitorRecord> =
            sqlx::query_as("SELECT id, type, name, service, gone FROM monitors")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|m| (m.id.clone(), m)).collect())
    }

    pub async fn hosts(&self) -> Result<HashMap<String, HostRecord>, StoreError> {
        let rows: Vec<HostRecord> = sqlx::query_as(
            "SELECT id, name, display_name, status, roles, is_retired, retired_at, gone FROM hosts",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|h| (h.id.clone(), h)).collect())
    }
}

/// One host as stored, read inside the caller's transaction (a webhook updates it in place).
pub(super) async fn host_in(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<HostRecord>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, name, display_name, status, roles, is_retired, retired_at, gone FROM hosts WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

pub(super) async fn upsert_monitor(
    conn: &mut SqliteConnection,
    m: &MonitorRecord,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO monitors (id, type, name, service, gone, fetched_at) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET type = excluded.type, \
         name = coalesce(excluded.name, monitors.name), service = coalesce(excluded.service, monitors.service), \
         gone = excluded.gone, fetched_at = excluded.fetched_at",
    )
    .bind(&m.id)
    .bind(&m.kind)
    .bind(&m.name)
    .bind(&m.service)
    .bind(m.gone)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes a host and, when its status is new or changed, a line of its status history.
pub(super) async fn upsert_host(
    conn: &mut SqliteConnection,
    h: &HostRecord,
    now: i64,
) -> Result<(), StoreError> {
    let previous: Option<Option<String>> =
        sqlx::query_scalar("SELECT status FROM hosts WHERE id = ?")
            .bind(&h.id)
            .fetch_optional(&mut *conn)
            .await?;
    sqlx::query(
        "INSERT INTO hosts (id, name, display_name, status, roles, is_retired, retired_at, gone, fetched_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET \
         name = coalesce(excluded.name, hosts.name), display_name = excluded.display_name, \
         status = coalesce(excluded.status, hosts.status), \
         roles = CASE WHEN excluded.gone THEN hosts.roles ELSE excluded.roles END, \
         is_retired = excluded.is_retired, retired_at = coalesce(excluded.retired_at, hosts.retired_at), \
         gone = excluded.gone, fetched_at = excluded.fetched_at",
    )
    .bind(&h.id)
    .bind(&h.name)
    .bind(&h.display_name)
    .bind(&h.status)
    .bind(Json(&h.roles))
    .bind(h.is_retired)
    .bind(h.retired_at)
    .bind(h.gone)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let changed = match (&previous, &h.status) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(old), Some(new)) => old.as_deref() != Some(new.as_str()),
    };
    if changed {
        sqlx::query("INSERT OR IGNORE INTO host_status_changes (host_id, status, observed_at) VALUES (?, ?, ?)")
            .bind(&h.id)
            .bind(&h.status)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(super) async fn upsert_service(
    conn: &mut SqliteConnection,
    s: &Service,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO services (name, memo, roles, fetched_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (name) DO UPDATE SET memo = excluded.memo, roles = excluded.roles, fetched_at = excluded.fetched_at",
    )
    .bind(&s.name)
    .bind(&s.memo)
    .bind(Json(&s.roles))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// After a full list of monitors: those missing from it were deleted (check monitors
/// are never listed).
pub(super) async fn mark_unlisted_monitors(
    conn: &mut SqliteConnection,
    monitors: &[String],
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE monitors SET gone = 1 WHERE gone = 0 AND type <> 'check' AND id NOT IN (SELECT value FROM json_each(?))",
    )
    .bind(Json(monitors))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// After a full list of hosts in all four statuses: those missing from it were retired.
pub(super) async fn mark_unlisted_hosts(
    conn: &mut SqliteConnection,
    hosts: &[String],
) -> Result<(), StoreError> {
    sqlx::query("UPDATE hosts SET is_retired = 1 WHERE is_retired = 0 AND id NOT IN (SELECT value FROM json_each(?))")
        .bind(Json(hosts))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl super::Store {
    /// The names of the services Mackerel listed at the last metadata read.
    pub async fn service_names(&self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM services")
            .fetch_all(&self.pool)
            .await?;
        Ok(names.into_iter().collect())
    }
}
