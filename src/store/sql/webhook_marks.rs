//! The SQL of `store::webhook_marks`, compiled for each backend (see `store`).

use crate::store::{MarkedAlert, StoreError, WebhookMarks};

use super::alerts::alerts_by_id_in;
use super::{Backend, Conn};

/// One alert and its marks, read inside the caller's transaction so that the
/// update that follows is made against what is stored now.
pub(super) async fn alert_with_marks(
    conn: &mut Conn,
    id: &str,
) -> Result<Option<MarkedAlert>, StoreError> {
    let Some(alert) = alerts_by_id_in(&mut *conn, &[id.to_owned()]).await?.pop() else {
        return Ok(None);
    };
    let marks: WebhookMarks =
        sqlx::query_as("SELECT closed_by, status_at FROM alerts WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Some(MarkedAlert { alert, marks }))
}

/// Sets an alert's marks inside the caller's transaction (its row must exist).
pub(super) async fn set_webhook_marks(
    conn: &mut Conn,
    id: &str,
    marks: &WebhookMarks,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE alerts SET closed_by = $1, status_at = $2, updated_at = $3 WHERE id = $4")
        .bind(&marks.closed_by)
        .bind(marks.status_at)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

impl Backend {
    pub async fn closed_by(&self, id: &str) -> Result<Option<String>, StoreError> {
        let by: Option<Option<String>> =
            sqlx::query_scalar("SELECT closed_by FROM alerts WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        Ok(by.flatten())
    }
}
