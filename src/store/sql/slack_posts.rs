//! The SQL of `store::slack_posts`, compiled for each backend (see `store`).

use crate::store::{SlackPost, StoreError};

use super::Backend;

impl Backend {
    pub async fn record_slack_post(&self, post: &SlackPost) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO slack_posts (channel, ts, team, window_start, window_end, meeting, posted_at, rendered) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (channel, ts) DO NOTHING",
        )
        .bind(&post.channel)
        .bind(&post.ts)
        .bind(&post.team)
        .bind(post.window_start)
        .bind(post.window_end)
        .bind(&post.meeting)
        .bind(post.posted_at)
        .bind(&post.rendered)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    pub async fn slack_post(
        &self,
        channel: &str,
        ts: &str,
    ) -> Result<Option<SlackPost>, StoreError> {
        Ok(
            sqlx::query_as("SELECT * FROM slack_posts WHERE channel = $1 AND ts = $2")
                .bind(channel)
                .bind(ts)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn slack_posts_since(&self, since: i64) -> Result<Vec<SlackPost>, StoreError> {
        Ok(
            sqlx::query_as("SELECT * FROM slack_posts WHERE posted_at >= $1 ORDER BY posted_at")
                .bind(since)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn set_slack_post_rendered(
        &self,
        channel: &str,
        ts: &str,
        rendered: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE slack_posts SET rendered = $1 WHERE channel = $2 AND ts = $3")
            .bind(rendered)
            .bind(channel)
            .bind(ts)
            .execute(self.writer())
            .await?;
        Ok(())
    }
}
