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
        on_backend!(self, b => b.record_slack_post(post).await)
    }

    /// The message at `channel` and `ts`, if asakai posted it.
    pub async fn slack_post(
        &self,
        channel: &str,
        ts: &str,
    ) -> Result<Option<SlackPost>, StoreError> {
        on_backend!(self, b => b.slack_post(channel, ts).await)
    }

    /// Messages posted since `since`, oldest first: those a review may still change.
    pub async fn slack_posts_since(&self, since: i64) -> Result<Vec<SlackPost>, StoreError> {
        on_backend!(self, b => b.slack_posts_since(since).await)
    }

    /// What the message says now, after `chat.update`.
    pub async fn set_slack_post_rendered(
        &self,
        channel: &str,
        ts: &str,
        rendered: &str,
    ) -> Result<(), StoreError> {
        on_backend!(self, b => b.set_slack_post_rendered(channel, ts, rendered).await)
    }
}
