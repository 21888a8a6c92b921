//! The SQL of `store::reviews`, compiled for each backend (see `store`).

use sqlx::types::Json;

use crate::store::{NewReview, ReviewRow, StoreError};

use super::dialect::{each, text, CROSS_JOIN};
use super::{Backend, Conn};

/// Which of `ids` are stored alerts, read inside the caller's transaction so that
/// the reviews written after are of alerts known now.
async fn known_alert_ids(conn: &mut Conn, ids: &[String]) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT id FROM alerts WHERE id IN (SELECT i.value FROM {})",
        each("$1", "i")
    ))
    .bind(Json(ids))
    .fetch_all(conn)
    .await?)
}

/// Adds a review of one alert inside the caller's transaction.
pub(super) async fn insert_review(
    conn: &mut Conn,
    alert_id: &str,
    review: NewReview<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO reviews (alert_id, outcome, note, reviewer, reviewed_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(alert_id)
    .bind(review.outcome)
    .bind(review.note.map(text))
    .bind(review.by)
    .bind(review.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The outcome of one alert (its newest review), inside the caller's transaction.
pub(super) async fn latest_outcome_in(
    conn: &mut Conn,
    alert_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT outcome FROM reviews WHERE alert_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(alert_id)
    .fetch_optional(conn)
    .await?)
}

/// Alerts opened in `[from, to)` with no review, for "still unreviewed from earlier
/// meetings".
const UNREVIEWED: &str = "FROM alerts a WHERE a.opened_at >= $1 AND a.opened_at < $2 \
     AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.alert_id = a.id)";

impl Backend {
    pub async fn add_reviews(
        &self,
        ids: &[String],
        review: NewReview<'_>,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin().await?;
        let known = known_alert_ids(&mut tx, ids).await?;
        let unknown: Vec<String> = ids.iter().filter(|i| !known.contains(i)).cloned().collect();
        if !unknown.is_empty() {
            return Ok(unknown);
        }
        for id in ids {
            insert_review(&mut tx, id, review).await?;
        }
        tx.commit().await?;
        Ok(unknown)
    }

    pub async fn latest_reviews(&self) -> Result<Vec<ReviewRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT r.alert_id, r.outcome, r.note, r.reviewer, r.reviewed_at FROM reviews r \
             JOIN (SELECT max(id) AS id FROM reviews GROUP BY alert_id) l ON l.id = r.id",
        )
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn latest_reviews_of(&self, ids: &[&str]) -> Result<Vec<ReviewRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT r.alert_id, r.outcome, r.note, r.reviewer, r.reviewed_at FROM reviews r \
             WHERE r.id IN (SELECT (SELECT max(x.id) FROM reviews x WHERE x.alert_id = j.value) \
                            FROM {})",
            each("$1", "j")
        ))
        .bind(sqlx::types::Json(ids))
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn reviews_of(&self, alert_id: &str) -> Result<Vec<ReviewRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT alert_id, outcome, note, reviewer, reviewed_at FROM reviews WHERE alert_id = $1 ORDER BY id DESC",
        )
        .bind(alert_id)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn unreviewed_between(
        &self,
        from: i64,
        to: i64,
        shown: i64,
    ) -> Result<(Vec<String>, i64), StoreError> {
        // Counted as all alerts of the range (the opened_at index alone) minus the
        // reviewed ones, found from the reviews: people write few, a heavy week holds
        // hundreds of thousands of alerts, and probing reviews for each cost 111 ms.
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT (SELECT count(*) FROM alerts WHERE opened_at >= $1 AND opened_at < $2) \
                  - (SELECT count(*) FROM (SELECT DISTINCT alert_id FROM reviews) r \
                     {CROSS_JOIN} alerts a ON a.id = r.alert_id \
                     WHERE a.opened_at >= $1 AND a.opened_at < $2)"
        ))
        .bind(from)
        .bind(to)
        .fetch_one(self.pool())
        .await?;
        let ids: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT a.id {UNREVIEWED} ORDER BY a.opened_at DESC LIMIT $3"
        ))
        .bind(from)
        .bind(to)
        .bind(shown)
        .fetch_all(self.pool())
        .await?;
        Ok((ids, total))
    }

    pub async fn unreviewed_between_of(
        &self,
        from: i64,
        to: i64,
        shown: i64,
        services: &[String],
        no_service: bool,
    ) -> Result<(Vec<String>, i64), StoreError> {
        // The services bound as one JSON array: one statement for any number of them.
        let list = serde_json::to_string(services).expect("names serialize");
        let team = format!(
            "(EXISTS (SELECT 1 FROM {} WHERE j.value IN (SELECT t.value FROM {})) \
             OR ($4 AND a.services = '[]'))",
            each("a.services", "j"),
            each("$3", "t")
        );
        // The team's alerts of the range through the (service, opened_at) index, the
        // service-less ones through opened_at, minus the reviewed (people write few).
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT (SELECT count(DISTINCT s.alert_id) FROM alert_services s \
                     WHERE s.service IN (SELECT t.value FROM {each}) \
                     AND s.opened_at >= $1 AND s.opened_at < $2) \
                  + (SELECT CASE WHEN $4 THEN (SELECT count(*) FROM alerts \
                     WHERE opened_at >= $1 AND opened_at < $2 AND services = '[]') ELSE 0 END) \
                  - (SELECT count(*) FROM (SELECT DISTINCT alert_id FROM reviews) r \
                     {CROSS_JOIN} alerts a ON a.id = r.alert_id \
                     WHERE a.opened_at >= $1 AND a.opened_at < $2 AND {team})",
            each = each("$3", "t"),
        ))
        .bind(from)
        .bind(to)
        .bind(&list)
        .bind(no_service)
        .fetch_one(self.pool())
        .await?;
        let ids: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT a.id {UNREVIEWED} AND {team} ORDER BY a.opened_at DESC LIMIT $5"
        ))
        .bind(from)
        .bind(to)
        .bind(&list)
        .bind(no_service)
        .bind(shown)
        .fetch_all(self.pool())
        .await?;
        Ok((ids, total))
    }
}
