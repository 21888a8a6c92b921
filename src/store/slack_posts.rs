//! The messages posted through the Slack app: where they are (channel, ts), whose
//! and of which window they are, and what they last said.

use super::{Store, StoreError};

/// A message posted with `chat.postMessage`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SlackPost {
    pub channel: String,
    pub ts: String,
    pub team: String,
    pub window_start: i64,
    pub window_end: i64,
    /// The meeting date (`YYYY-MM-DD`) of the window, when it is a meeting's.
    pub meeting: Option<String>,
    pub posted_at: i64,
    pub rendered: String,
}

impl Store {
    /// Keeps a message asakai posted (Slack answered `ok` with its channel and ts).
    pub async fn record_slack_post(&self, post: &SlackPost) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO slack_posts (channel, ts, team, window_start, window_end, meeting, posted_at, rendered) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, ts) DO NOTHING",
        )
        .bind(&post.channel)
        .bind(&post.ts)
        .bind(&post.team)
        .bind(post.window_start)
        .bind(post.window_end)
        .bind(&post.meeting)
        .bind(post.posted_at)
        .bind(&post.rendered)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The message at `channel` and `ts`, if asakai posted it.
    pub async fn slack_post(
        &self,
        channel: &str,
        ts: &str,
    ) -> Result<Option<SlackPost>, StoreError> {
        Ok(
            sqlx::query_as("SELECT * FROM slack_posts WHERE channel = ? AND ts = ?")
                .bind(channel)
                .bind(ts)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Messages posted since `since`, oldest first: those a review may still change.
    pub async fn slack_posts_since(&self, since: i64) -> Result<Vec<SlackPost>, StoreError> {
        Ok(
            sqlx::query_as("SELECT * FROM slack_posts WHERE posted_at >= ? ORDER BY posted_at")
                .bind(since)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// What the message says now, after `chat.update`.
    pub async fn set_slack_post_rendered(
        &self,
        channel: &str,
        ts: &str,
        rendered: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE slack_posts SET rendered = ? WHERE channel = ? AND ts = ?")
            .bind(rendered)
            .bind(channel)
            .bind(ts)
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}
