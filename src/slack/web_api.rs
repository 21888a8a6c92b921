//! Slack's Web API for the app mode (design §11, shared/slack-api.md): the one type
//! that talks to it. `chat.postMessage` and `chat.update` with the bot token;
//! Slack's `ok: false` answers come back named; throttling (429 with
//! `Retry-After`), server errors and connections refused are tried again; a
//! request that went out and got no answer is not (a second try could post twice).

use std::time::Duration;

use serde_json::{json, Value};

use crate::secret::{redact_urls, Secret};

pub const DEFAULT_API_BASE: &str = "https://slack.com/api/";

/// How many times a call is tried again after a transient failure.
const RETRIES: usize = 3;
/// The longest `Retry-After` honoured within one call.
const LONGEST_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    /// Slack answered `ok: false` with this error (`invalid_auth`, `channel_not_found`...).
    #[error("Slack refused the call: {0}{advice}", advice = advice(.0))]
    Api(String),
    #[error("Slack is throttling the app (ratelimited); tried again and gave up")]
    RateLimited,
    #[error("Slack answered HTTP {0}; tried again and gave up")]
    Server(u16),
    #[error("cannot reach Slack at {0}")]
    Unreachable(String),
    /// The request went out and no answer came: the message may have been posted.
    #[error("Slack did not answer ({0}); the message may or may not have been posted")]
    NoAnswer(String),
    #[error("Slack's answer does not parse: {0}")]
    Decode(String),
}

/// What to do about an error Slack names.
fn advice(error: &str) -> &'static str {
    match error {
        "invalid_auth" | "not_authed" | "account_inactive" | "token_revoked" => {
            " (check SLACK_BOT_TOKEN: a bot token of the app, xoxb-...)"
        }
        "channel_not_found" => {
            " (check the team's slack_channel; a private channel needs the app invited)"
        }
        "not_in_channel" => " (invite the app to the team's channel: /invite @the-app)",
        "missing_scope" => " (the app needs the chat:write scope)",
        _ => "",
    }
}

impl SlackError {
    /// The name `/metrics` counts it under.
    pub fn name(&self) -> &str {
        match self {
            SlackError::Api(e) => e,
            SlackError::RateLimited => "ratelimited",
            SlackError::Server(_) => "server_error",
            SlackError::Unreachable(_) => "unreachable",
            SlackError::NoAnswer(_) => "no_answer",
            SlackError::Decode(_) => "bad_answer",
        }
    }

    /// Whether the message surely was not posted (a claim may be released).
    pub fn surely_not_posted(&self) -> bool {
        !matches!(self, SlackError::NoAnswer(_))
    }
}

/// Where a posted message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub channel: String,
    pub ts: String,
}

#[derive(Clone)]
pub struct SlackApi {
    http: reqwest::Client,
    base: String,
    token: Secret,
}

impl SlackApi {
    pub fn new(base: &str, token: Secret) -> Result<SlackApi, SlackError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("asakai/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SlackError::Unreachable(e.without_url().to_string()))?;
        let mut base = base.to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(SlackApi { http, base, token })
    }

    /// `chat.postMessage`: the message, and where Slack put it.
    pub async fn post_message(&self, channel: &str, message: &Value) -> Result<Posted, SlackError> {
        let mut body = message.clone();
        body["channel"] = json!(channel);
        let answer = self.call("chat.postMessage", &body).await?;
        match (answer["channel"].as_str(), answer["ts"].as_str()) {
            (Some(channel), Some(ts)) => Ok(Posted {
                channel: channel.to_owned(),
                ts: ts.to_owned(),
            }),
            _ => Err(SlackError::Decode(
                "no channel and ts in chat.postMessage's answer".into(),
            )),
        }
    }

    /// `chat.update` of a message the app posted.
    pub async fn update(&self, at: &Posted, message: &Value) -> Result<(), SlackError> {
        let mut body = message.clone();
        body["channel"] = json!(at.channel);
        body["ts"] = json!(at.ts);
        self.call("chat.update", &body).await.map(|_| ())
    }

    async fn call(&self, method: &str, body: &Value) -> Result<Value, SlackError> {
        let mut tries = 0;
        loop {
            let (error, wait) = match self.once(method, body).await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let transient = matches!(
                error,
                SlackError::RateLimited | SlackError::Server(_) | SlackError::Unreachable(_)
            );
            if !transient || tries >= RETRIES {
                return Err(error);
            }
            tries += 1;
            let wait = wait.unwrap_or(Duration::from_millis(500) * (1 << tries));
            tracing::warn!(method, error = %error, wait_ms = wait.as_millis() as u64, "retrying a Slack call");
            tokio::time::sleep(wait.min(LONGEST_WAIT)).await;
        }
    }

    /// One call: its answer, or the error and how long Slack asked to wait.
    async fn once(
        &self,
        method: &str,
        body: &Value,
    ) -> Result<Value, (SlackError, Option<Duration>)> {
        let url = format!("{}{method}", self.base);
        let sent = self
            .http
            .post(&url)
            .bearer_auth(self.token.expose())
            .json(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) if e.is_connect() => {
                return Err((SlackError::Unreachable(redact_urls(&self.base)), None))
            }
            Err(e) => return Err((SlackError::NoAnswer(e.without_url().to_string()), None)),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if status == 429 {
            return Err((SlackError::RateLimited, retry_after));
        }
        if status >= 500 {
            return Err((SlackError::Server(status), retry_after));
        }
        let answer: Value = response
            .json()
            .await
            .map_err(|e| (SlackError::Decode(e.without_url().to_string()), None))?;
        if answer["ok"] == json!(true) {
            return Ok(answer);
        }
        let name = answer["error"]
            .as_str()
            .unwrap_or("unknown_error")
            .to_owned();
        if name == "ratelimited" {
            return Err((SlackError::RateLimited, retry_after));
        }
        Err((SlackError::Api(name), None))
    }
}
