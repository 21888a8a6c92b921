//! The SQL of `store::meta`, compiled for each backend (see `store`).

use std::collections::HashMap;

use sqlx::types::Json;

use crate::mackerel::Service;
use crate::store::{HostRecord, MonitorRecord, StoreError};

use super::dialect::{each, json_value, text};
use super::{Backend, Conn};

impl Backend {
    pub async fn monitors(&self) -> Result<HashMap<String, MonitorRecord>, StoreError> {
        let rows: Vec<MonitorRecord> =
            sqlx::query_as("SELECT id, type, name, service, gone <> 0 AS gone FROM monitors")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|m| (m.id.clone(), m)).collect())
    }

    pub async fn hosts(&self) -> Result<HashMap<String, HostRecord>, StoreError> {
        let rows: Vec<HostRecord> = sqlx::query_as(
            &format!("SELECT id, name, display_name, status, {} AS roles, is_retired <> 0 AS is_retired, retired_at, gone <> 0 AS gone FROM hosts", json_value("roles")),
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|h| (h.id.clone(), h)).collect())
    }
}

/// One host as stored, read inside the caller's transaction (a webhook updates it in place).
pub(super) async fn host_in(conn: &mut Conn, id: &str) -> Result<Option<HostRecord>, StoreError> {
    Ok(sqlx::query_as(
        &format!("SELECT id, name, display_name, status, {} AS roles, is_retired <> 0 AS is_retired, retired_at, gone <> 0 AS gone FROM hosts WHERE id = $1", json_value("roles")),
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

pub(super) async fn upsert_monitor(
    conn: &mut Conn,
    m: &MonitorRecord,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO monitors (id, type, name, service, gone, fetched_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET type = excluded.type, \
         name = coalesce(excluded.name, monitors.name), service = coalesce(excluded.service, monitors.service), \
         gone = excluded.gone, fetched_at = excluded.fetched_at",
    )
    .bind(&m.id)
    .bind(&m.kind)
    .bind(m.name.as_deref().map(text))
    .bind(&m.service)
    .bind(i64::from(m.gone))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes a host and, when its status is new or changed, a line of its status history.
pub(super) async fn upsert_host(
    conn: &mut Conn,
    h: &HostRecord,
    now: i64,
) -> Result<(), StoreError> {
    let previous: Option<Option<String>> =
        sqlx::query_scalar("SELECT status FROM hosts WHERE id = $1")
            .bind(&h.id)
            .fetch_optional(&mut *conn)
            .await?;
    sqlx::query(
        "INSERT INTO hosts (id, name, display_name, status, roles, is_retired, retired_at, gone, fetched_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET \
         name = coalesce(excluded.name, hosts.name), display_name = excluded.display_name, \
         status = coalesce(excluded.status, hosts.status), \
         roles = CASE WHEN excluded.gone <> 0 THEN hosts.roles ELSE excluded.roles END, \
         is_retired = excluded.is_retired, retired_at = coalesce(excluded.retired_at, hosts.retired_at), \
         gone = excluded.gone, fetched_at = excluded.fetched_at",
    )
    .bind(&h.id)
    .bind(h.name.as_deref().map(text))
    .bind(h.display_name.as_deref().map(text))
    .bind(&h.status)
    .bind(Json(&h.roles))
    .bind(i64::from(h.is_retired))
    .bind(h.retired_at)
    .bind(i64::from(h.gone))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let changed = match (&previous, &h.status) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(old), Some(new)) => old.as_deref() != Some(new.as_str()),
    };
    if changed {
        sqlx::query("INSERT INTO host_status_changes (host_id, status, observed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(&h.id)
            .bind(&h.status)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(super) async fn upsert_service(
    conn: &mut Conn,
    s: &Service,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO services (name, memo, roles, fetched_at) VALUES ($1, $2, $3, $4) \
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
    conn: &mut Conn,
    monitors: &[String],
) -> Result<(), StoreError> {
    sqlx::query(
        &format!("UPDATE monitors SET gone = 1 WHERE gone = 0 AND type <> 'check' AND id NOT IN (SELECT l.value FROM {})", each("$1", "l")),
    )
    .bind(Json(monitors))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// After a full list of hosts in all four statuses: those missing from it were retired.
pub(super) async fn mark_unlisted_hosts(
    conn: &mut Conn,
    hosts: &[String],
) -> Result<(), StoreError> {
    sqlx::query(&format!("UPDATE hosts SET is_retired = 1 WHERE is_retired = 0 AND id NOT IN (SELECT l.value FROM {})", each("$1", "l")))
        .bind(Json(hosts))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Backend {
    pub async fn service_names(&self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM services")
            .fetch_all(&self.pool)
            .await?;
        Ok(names.into_iter().collect())
    }
}
