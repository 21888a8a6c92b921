//! Slack: Block Kit from the slack template's mrkdwn, within Slack's limits, and
//! posting it to an incoming webhook with retries.

use std::time::Duration;

use backon::BackoffBuilder;
use serde_json::{json, Value};

use super::context::Context;

/// A line of the slack template that starts a new block.
pub const BLOCK_MARK: &str = "===block===";
const MAX_BLOCKS: usize = 50;
const MAX_SECTION: usize = 3000;
const MAX_HEADER: usize = 150;

/// The message: a header, then one section per template block (split to fit),
/// summarised when a day is too big for one message.
pub fn blocks(text: &str, ctx: &Context) -> Value {
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": cut(&ctx.title, MAX_HEADER), "emoji": true}}),
    ];
    for chunk in text
        .split(BLOCK_MARK)
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        if chunk == "divider" {
            blocks.push(json!({"type": "divider"}));
            continue;
        }
        for part in split(chunk, MAX_SECTION) {
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": part}}));
        }
    }
    if blocks.len() > MAX_BLOCKS {
        let left = blocks.len() - (MAX_BLOCKS - 1);
        blocks.truncate(MAX_BLOCKS - 1);
        blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn",
            "text": format!("… {left} more sections: `asakai digest --format html` shows the whole window")}]}));
    }
    let totals: Vec<String> = ctx
        .totals
        .iter()
        .map(|c| format!("{} {}", c.label, c.count))
        .collect();
    json!({"text": format!("{} — {}", ctx.title, totals.join(", ")), "blocks": blocks})
}

fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max - 1) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Splits at line ends so that every part is at most `max` characters.
fn split(text: &str, max: usize) -> Vec<String> {
    let mut parts = vec![String::new()];
    for line in text.lines() {
        let line = cut(line, max);
        let last = parts.last_mut().unwrap();
        if !last.is_empty() && last.chars().count() + line.chars().count() + 1 > max {
            parts.push(String::new());
        }
        let last = parts.last_mut().unwrap();
        if !last.is_empty() {
            last.push('\n');
        }
        last.push_str(&line);
    }
    parts
}

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("the Slack webhook answered HTTP {status}: {body}")]
    Rejected { status: u16, body: String },
    #[error("could not reach the Slack webhook: {0}")]
    Transport(String),
    #[error("no Slack webhook is configured: set SLACK_WEBHOOK_URL or [slack] webhook_url")]
    NoWebhook,
}

/// Posts `body` to the incoming webhook, retrying throttling, server errors and
/// broken connections. The URL (a secret) is never part of an error.
pub async fn post(url: &str, body: &Value, backoff_min: Duration) -> Result<(), PostError> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("asakai/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| PostError::Transport(e.to_string()))?;
    let mut delays = backon::ExponentialBuilder::default()
        .with_min_delay(backoff_min)
        .with_max_delay(Duration::from_secs(30))
        .with_max_times(4)
        .with_jitter()
        .build();
    loop {
        let (transient, error) = match http.post(url).json(body).send().await {
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
            Err(e) => (true, PostError::Transport(e.without_url().to_string())),
        };
        match delays.next() {
            Some(wait) if transient => {
                tracing::warn!(error = %error, "retrying the Slack post");
                tokio::time::sleep(wait).await;
            }
            _ => return Err(error),
        }
    }
}
