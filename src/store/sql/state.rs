//! The SQL of `store::state`, compiled for each backend (see `store`).

use crate::store::{StateKey, StoreError};

use super::{Backend, Conn};

impl Backend {
    pub async fn state(&self, key: StateKey) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM sync_state WHERE key = $1")
                .bind(key.as_str())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn state_time(&self, key: StateKey) -> Result<Option<i64>, StoreError> {
        Ok(self.state(key).await?.and_then(|v| v.parse().ok()))
    }
}

/// Sets a value inside the caller's transaction.
pub(super) async fn set_state(
    conn: &mut Conn,
    key: StateKey,
    value: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sync_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key.as_str())
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes a value inside the caller's transaction.
pub(super) async fn clear_state(conn: &mut Conn, key: StateKey) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sync_state WHERE key = $1")
        .bind(key.as_str())
        .execute(conn)
        .await?;
    Ok(())
}
