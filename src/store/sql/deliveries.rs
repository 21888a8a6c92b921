//! The SQL of `store::deliveries`, compiled for each backend (see `store`).

use crate::store::deliveries::{Claim, DeliveryKey};
use crate::store::StoreError;

use super::Backend;

impl Backend {
    pub async fn claim_delivery(
        &self,
        key: DeliveryKey<'_>,
        now: i64,
        force: bool,
    ) -> Result<Claim, StoreError> {
        let mut tx = self.begin().await?;
        let found: Option<(String, i64)> = sqlx::query_as(
            "SELECT state, delivered_at FROM deliveries WHERE window_start = $1 AND window_end = $2 AND channel = $3",
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
            "INSERT INTO deliveries (window_start, window_end, channel, delivered_at, state) VALUES ($1, $2, $3, $4, 'claimed') \
             ON CONFLICT (window_start, window_end, channel) DO UPDATE SET delivered_at = excluded.delivered_at, state = 'claimed'",
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

    pub async fn mark_delivered(&self, key: DeliveryKey<'_>, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET state = 'sent', delivered_at = $1 WHERE window_start = $2 AND window_end = $3 AND channel = $4",
        )
        .bind(at)
        .bind(key.start)
        .bind(key.end)
        .bind(key.channel)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn release_delivery(&self, key: DeliveryKey<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM deliveries WHERE window_start = $1 AND window_end = $2 AND channel = $3 AND state = 'claimed'",
        )
        .bind(key.start)
        .bind(key.end)
        .bind(key.channel)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn delivery(
        &self,
        key: DeliveryKey<'_>,
    ) -> Result<Option<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT state, delivered_at FROM deliveries WHERE window_start = $1 AND window_end = $2 AND channel = $3",
        )
        .bind(key.start)
        .bind(key.end)
        .bind(key.channel)
        .fetch_optional(self.pool())
        .await?)
    }
}
