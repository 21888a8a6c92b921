//! Delivering a digest to Slack at most once per window (design §8): the window is
//! claimed in the store before it is sent and marked sent after. A send whose outcome
//! cannot be known (the request went out, no answer came back) keeps its claim, so the
//! window is not sent again unless someone forces it.

use std::time::Duration;

use backon::BackoffBuilder;
use serde_json::Value;

use crate::store::deliveries::{Claim, DeliveryKey};
use crate::store::{Store, StoreError};
use crate::teams::Destination;

/// How a delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// Sent now.
    Sent,
    /// Sent now, but the store could not record it: the claim stays, so it is not sent again.
    SentUnrecorded,
    /// Already sent at this time; nothing was done.
    AlreadySent(i64),
}

/// Posts a Slack rendering (Block Kit JSON as text) to a team's destination, once
/// for `key`: what the digest and the weekly report share.
pub async fn slack_once(
    store: &Store,
    destination: &Destination,
    key: DeliveryKey<'_>,
    text: &str,
    force: bool,
) -> Result<Delivered, DeliveryError> {
    let url = match destination {
        Destination::Webhook(url) => url,
        Destination::Channel(_) | Destination::None => return Err(PostError::NoWebhook.into()),
    };
    let body: Value =
        serde_json::from_str(text).map_err(|e| DeliveryError::NotJson(e.to_string()))?;
    deliver_once(
        store,
        key,
        url.expose(),
        &body,
        force,
        Duration::from_millis(500),
    )
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("the Slack rendering is not JSON (check the slack template): {0}")]
    NotJson(String),
    #[error(
        "a post of this window began at {} and its outcome is unknown (the process stopped, \
         or Slack never answered); check the channel, and add --force to post it again",
        crate::alert::rfc3339(*.0)
    )]
    OutcomeUnknown(i64),
    #[error(transparent)]
    Post(#[from] PostError),
    #[error(transparent)]
    Slack(#[from] crate::slack::web_api::SlackError),
    #[error("the digest cannot be rendered for Slack: {0}")]
    Render(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("the Slack webhook answered HTTP {status}: {body}")]
    Rejected { status: u16, body: String },
    #[error("could not reach the Slack webhook: {0}")]
    Unreachable(String),
    #[error("the Slack webhook did not answer ({0}); the message may or may not have been posted")]
    NoAnswer(String),
    #[error("no Slack webhook is configured: set SLACK_WEBHOOK_URL or [slack] webhook_url (a [[team]]: slack_webhook_env)")]
    NoWebhook,
}

impl PostError {
    /// Whether the message surely was not posted.
    fn surely_not_posted(&self) -> bool {
        !matches!(self, PostError::NoAnswer(_))
    }
}

/// Sends `body` to `url` for the window `key` unless it was sent before (or `force`).
pub async fn deliver_once(
    store: &Store,
    key: DeliveryKey<'_>,
    url: &str,
    body: &Value,
    force: bool,
    backoff_min: Duration,
) -> Result<Delivered, DeliveryError> {
    let now = chrono::Utc::now().timestamp();
    match store.claim_delivery(key, now, force).await? {
        Claim::Granted => {}
        Claim::Sent(at) => return Ok(Delivered::AlreadySent(at)),
        Claim::Unknown(at) => return Err(DeliveryError::OutcomeUnknown(at)),
    }
    if let Err(e) = post(url, body, backoff_min).await {
        if e.surely_not_posted() {
            if let Err(release) = store.release_delivery(key).await {
                tracing::warn!(error = %release, "could not release the claim of a failed post");
            }
        }
        return Err(e.into());
    }
    Ok(record_sent(store, key).await)
}

/// Marks the window sent, trying again for a while: the post happened, and a busy
/// database must not make it look otherwise.
async fn record_sent(store: &Store, key: DeliveryKey<'_>) -> Delivered {
    let mut waits = backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(200))
        .with_max_delay(Duration::from_secs(5))
        .with_max_times(5)
        .build();
    loop {
        match store
            .mark_delivered(key, chrono::Utc::now().timestamp())
            .await
        {
            Ok(()) => return Delivered::Sent,
            Err(e) => match waits.next() {
                Some(wait) => {
                    tracing::warn!(error = %e, "retrying the record of a Slack post");
                    tokio::time::sleep(wait).await;
                }
                None => {
                    tracing::warn!(error = %e, "posted to Slack, but could not record it");
                    return Delivered::SentUnrecorded;
                }
            },
        }
    }
}

/// Posts `body` to the incoming webhook. Only what surely did not reach Slack is tried
/// again (no connection, or Slack's 429 and 5xx); a request that went out and got no
/// answer is not, since a second try could post twice. The URL (a secret) is never
/// part of an error.
pub async fn post(url: &str, body: &Value, backoff_min: Duration) -> Result<(), PostError> {
    if url.trim().is_empty() {
        return Err(PostError::NoWebhook);
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("asakai/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| PostError::Unreachable(e.without_url().to_string()))?;
    let mut delays = backon::ExponentialBuilder::default()
        .with_min_delay(backoff_min)
        .with_max_delay(Duration::from_secs(30))
        .with_max_times(4)
        .with_jitter()
        .build();
    loop {
        let (retry, error) = match http.post(url).json(body).send().await {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect();
                (
                    status == 429 || status >= 500,
                    PostError::Rejected { status, body },
                )
            }
            Err(e) if e.is_connect() || e.is_builder() => {
                (true, PostError::Unreachable(e.without_url().to_string()))
            }
            Err(e) => (false, PostError::NoAnswer(e.without_url().to_string())),
        };
        match delays.next() {
            Some(wait) if retry => {
                tracing::warn!(error = %error, "retrying the Slack post");
                tokio::time::sleep(wait).await;
            }
            _ => return Err(error),
        }
    }
}
