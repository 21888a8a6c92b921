//! Slack: Block Kit from the slack template's mrkdwn, within Slack's limits.
//! Posting it is [`super::webhook`]'s or [`super::app`]'s.

use serde_json::{json, Value};

use crate::digest::context::Context;

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
