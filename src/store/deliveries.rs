//! Digests delivered: a window is claimed before it is sent and marked sent after, so
//! that it reaches a channel at most once, across crashes and restarts (design §8).

use super::{Store, StoreError};

/// What the store says of a window before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This process may send it now.
    Granted,
    /// It was sent at this time.
    Sent(i64),
    /// A send began at this time and its outcome was never recorded.
    Unknown(i64),
}

/// The window a delivery is for, and where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryKey<'a> {
    pub start: i64,
    pub end: i64,
    pub channel: &'a str,
}

impl Store {
    /// Claims the window for sending, in one write transaction. With `force`, a window
    /// already sent or of unknown outcome is claimed again.
    pub async fn claim_delivery(
        &self,
        key: DeliveryKey<'_>,
        now: i64,
        force: bool,
    ) -> Result<Claim, StoreError> {
        let mut tx = self.begin().await?;
        let found: Option<(String, i64)> = sqlx::query_as(
            "SELECT state, delivered_at FROM deliveries WHERE window_start = ? AND window_end = ? AND channel = ?",
        )
        .bind(key.start)
        .bind(key.end)
        .bind(key.channel)
        .fetch_optional(&mut *tx)
        .await?;
        match found {
            Some((state, at)) if !force => {
                return Ok(if state == "sent" {
                    Claim::Sent(at)
                } else {
                    Claim::Unknown(at)
                })
            }
            _ => {}
        }
        sqlx::query(
            "INSERT INTO deliveries (window_start, window_end, channel, delivered_at, state) VALUES (?, ?, ?, ?, 'claimed') \
             ON CONFLICT DO UPDATE SET delivered_at = excluded.delivered_at, state = 'claimed'",
        )
        .bind(key.start)
        .bind(key.end)
        .bind(key.channel)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Claim::Granted)
    }

    /// Records that the claimed window was sent at `at`.
    pub async fn mark_delivered(&self, key: DeliveryKey<'_>, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET state = 'sent', delivered_at = ? WHERE window_start = ? AND window_end = ? AND channel = ?",
        )
        .bind(at)
        .bind(key.start)
        .bind(key.end)
        .bind(key.channel)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Gives a claim back when the send surely did not happen.
    pub async fn release_delivery(&self, key: DeliveryKey<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM deliveries WHERE window_start = ? AND window_end = ? AND channel = ? AND state = 'claimed'",
        )
        .bind(key.start)
        .bind(key.end)
        .bind(key.channel)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The state of a window's delivery, if any: `("sent" | "claimed", time)`.
    pub async fn delivery(
        &self,
        key: DeliveryKey<'_>,
    ) -> Result<Option<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT state, delivered_at FROM deliveries WHERE window_start = ? AND window_end = ? AND channel = ?",
        )
        .bind(key.start)
        .bind(key.end)
        .bind(key.channel)
        .fetch_optional(self.pool())
        .await?)
    }
}
