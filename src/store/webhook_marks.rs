//! The alert columns only webhooks write (migration 0020). They sit outside
//! [`StoredAlert`](super::StoredAlert) on purpose: `upsert_alerts` never names them,
//! so a sync pass rewriting a row keeps what a webhook told.

use super::alerts::StoredAlert;
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

impl Store {
    /// Who closed an alert by hand, when a webhook of the close told.
    pub async fn closed_by(&self, id: &str) -> Result<Option<String>, StoreError> {
        on_backend!(self, b => b.closed_by(id).await)
    }
}
