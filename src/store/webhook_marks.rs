//! The alert columns only webhooks write (migration 0020). They sit outside
//! [`StoredAlert`](super::StoredAlert) on purpose: `upsert_alerts` never names them,
//! so a sync pass rewriting a row keeps what a webhook told.

use sqlx::SqliteConnection;

use super::alerts::{alerts_by_id_in, StoredAlert};
use super::{Store, StoreError};

/// What a webhook told of an alert beyond its row.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct WebhookMarks {
    /// Who closed it by hand (the close event's acting user).
    pub closed_by: Option<String>,
    /// Mackerel's time of the status the row holds, as a webhook gave it.
    pub status_at: Option<i64>,
}

/// An alert row with the columns only webhooks write.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkedAlert {
    pub alert: StoredAlert,
    pub marks: WebhookMarks,
}

/// One alert and its marks, read inside the caller's transaction so that the
/// update that follows is made against what is stored now.
pub(super) async fn alert_with_marks(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<MarkedAlert>, StoreError> {
    let Some(alert) = alerts_by_id_in(&mut *conn, &[id.to_owned()]).await?.pop() else {
        return Ok(None);
    };
    let marks: WebhookMarks =
        sqlx::query_as("SELECT closed_by, status_at FROM alerts WHERE id = ?")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Some(MarkedAlert { alert, marks }))
}

/// Sets an alert's marks inside the caller's transaction (its row must exist).
pub(super) async fn set_webhook_marks(
    conn: &mut SqliteConnection,
    id: &str,
    marks: &WebhookMarks,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE alerts SET closed_by = ?, status_at = ?, updated_at = ? WHERE id = ?")
        .bind(&marks.closed_by)
        .bind(marks.status_at)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    /// Who closed an alert by hand, when a webhook of the close told.
    pub async fn closed_by(&self, id: &str) -> Result<Option<String>, StoreError> {
        let by: Option<Option<String>> =
            sqlx::query_scalar("SELECT closed_by FROM alerts WHERE id = ?")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        Ok(by.flatten())
    }
}
