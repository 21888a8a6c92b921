//! Reviews in the store: every outcome the team recorded is kept (design §8,
//! "reviews are history"); the newest one per alert is its outcome.

use super::{Store, StoreError};

/// A review as stored; `review` turns it into what the alert object shows.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ReviewRow {
    pub alert_id: String,
    pub outcome: String,
    pub note: Option<String>,
    pub reviewer: Option<String>,
    pub reviewed_at: i64,
}

/// A review to add: the outcome's name, the note, and who wrote it when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewReview<'a> {
    pub outcome: &'a str,
    pub note: Option<&'a str>,
    pub by: Option<&'a str>,
    pub at: i64,
}

impl Store {
    /// Adds `review` to each alert of `ids` in one transaction, all or nothing: when
    /// some are not stored alerts, nothing is written and their ids are returned (in
    /// the order given). Empty: every review was written.
    pub async fn add_reviews(
        &self,
        ids: &[String],
        review: NewReview<'_>,
    ) -> Result<Vec<String>, StoreError> {
        on_backend!(self, b => b.add_reviews(ids, review).await)
    }

    /// The newest review of every reviewed alert. Reviews are written by people, so
    /// there are few enough to hold in memory.
    pub async fn latest_reviews(&self) -> Result<Vec<ReviewRow>, StoreError> {
        on_backend!(self, b => b.latest_reviews().await)
    }

    /// The latest review of each of these alerts that has one: a page of alerts
    /// reads its own reviews, not every review the team ever wrote.
    pub async fn latest_reviews_of(&self, ids: &[&str]) -> Result<Vec<ReviewRow>, StoreError> {
        on_backend!(self, b => b.latest_reviews_of(ids).await)
    }

    /// Every review of one alert, newest first.
    pub async fn reviews_of(&self, alert_id: &str) -> Result<Vec<ReviewRow>, StoreError> {
        on_backend!(self, b => b.reviews_of(alert_id).await)
    }

    /// How many alerts opened in `[from, to)` have no review, and the ids of the
    /// newest `shown` of them, newest first.
    pub async fn unreviewed_between(
        &self,
        from: i64,
        to: i64,
        shown: i64,
    ) -> Result<(Vec<String>, i64), StoreError> {
        on_backend!(self, b => b.unreviewed_between(from, to, shown).await)
    }

    /// [`Store::unreviewed_between`] of a team: the alerts of any of `services`, and
    /// those of no service when `no_service`.
    pub async fn unreviewed_between_of(
        &self,
        from: i64,
        to: i64,
        shown: i64,
        services: &[String],
        no_service: bool,
    ) -> Result<(Vec<String>, i64), StoreError> {
        on_backend!(self, b => b.unreviewed_between_of(from, to, shown, services, no_service).await)
    }
}
