//! Slack app mode (design §11): the morning digest posted with `chat.postMessage`
//! to the team's channel, once per (team, window); each item that needs a
//! decision carries an outcome menu; the message is updated with `chat.update`
//! whenever what it says changed (a review here, on the page, the API or the
//! command line).

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use super::web_api::{Posted, SlackApi, SlackError};
use crate::config::Settings;
use crate::digest::queue::{Item, Queue};
use crate::digest::{escape_slack, render, Digest, Format, Lang, Window};
use crate::slack::webhook::{Delivered, DeliveryError};
use crate::store::deliveries::{Claim, DeliveryKey};
use crate::store::{SlackPost, Store};
use crate::teams::Team;

/// Items with a menu in one message; the rest are on the page.
pub const MENU_ITEMS: usize = 20;
const MAX_BLOCKS: usize = 50;

/// The bot's API, when `SLACK_BOT_TOKEN` is set.
pub fn api(settings: &Settings) -> Result<SlackApi, DeliveryError> {
    let app = settings
        .slack
        .as_ref()
        .ok_or_else(|| DeliveryError::Slack(SlackError::Api("not_authed".into())))?;
    Ok(SlackApi::new(&app.api_base, app.bot_token.clone())?)
}

/// Items whose graph the message shows (Slack fetches each image).
const GRAPHS_SHOWN: usize = 3;

/// A graph Slack fetches for an item (graph.png with its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphImage {
    /// The item it is the graph of.
    pub key: String,
    pub url: String,
    /// What it shows: the monitor and host, for those who cannot see it.
    pub alt: String,
}

impl GraphImage {
    /// Its image block.
    pub fn block(&self) -> Value {
        json!({"type": "image", "image_url": self.url, "alt_text": self.alt,
               "title": {"type": "plain_text", "text": self.alt}})
    }
}

/// The graphs of the first items to decide that have one, as Slack fetches them:
/// none without `[server] public_url`.
pub async fn graph_images(
    store: &Store,
    settings: &Settings,
    queue: &Queue,
    lang: Lang,
) -> Vec<GraphImage> {
    let mut images = Vec::new();
    if settings.server.public_url.is_none() {
        return images;
    }
    let l = lang.labels();
    for item in items_to_decide(queue) {
        if images.len() == GRAPHS_SHOWN {
            break;
        }
        let Some(id) = item.alert_ids.last() else {
            continue;
        };
        // Whether it has points is enough to know here: Slack's fetch draws it.
        let has_points = match store.graph_of(id).await {
            Ok(Some(g)) => g
                .points
                .as_deref()
                .and_then(|p| crate::graphs::series::decode(p).ok())
                .is_some_and(|p| !p.is_empty()),
            _ => false,
        };
        if !has_points {
            continue;
        }
        if let Some(url) = crate::web::png_url(store, settings, id).await {
            let monitor = crate::digest::monitor_name(
                item.monitor.as_deref(),
                item.monitor_id.as_deref(),
                &item.kind,
                l,
            );
            let alt = format!("{monitor} {}", item.host.as_deref().unwrap_or_default());
            images.push(GraphImage {
                key: item.key.clone(),
                url,
                alt: alt.trim().to_owned(),
            });
        }
    }
    images
}

/// An incoming webhook's message (no menus there) with the graphs of its top
/// items at its end, within Slack's 50 blocks.
pub fn with_images(mut message: Value, images: &[GraphImage]) -> Value {
    if images.is_empty() {
        return message;
    }
    if let Some(blocks) = message["blocks"].as_array_mut() {
        let room = MAX_BLOCKS.saturating_sub(images.len() + 1);
        blocks.truncate(room);
        blocks.push(json!({"type": "divider"}));
        blocks.extend(images.iter().map(GraphImage::block));
    }
    message
}

/// The message of a team's digest: its Block Kit, then the items to decide with a
/// menu each (and the graphs of `images` under theirs), "12 of 40 reviewed", and a
/// link to the page for the rest.
pub fn message(
    settings: &Settings,
    digest: &Digest,
    window: &Window,
    lang: Lang,
    queue: &Queue,
    images: &[GraphImage],
) -> Result<Value, crate::digest::RenderError> {
    let templates = settings.file.templates_dir.as_deref();
    let text = render(digest, window, Format::Slack, lang, templates)?;
    let mut message: Value = serde_json::from_str(&text).unwrap_or_else(|_| json!({"text": text}));
    let l = lang.labels();
    let to_decide: Vec<&Item> = items_to_decide(queue);
    let shown = &to_decide[..to_decide.len().min(MENU_ITEMS)];
    let progress = l
        .reviewed_of
        .replace("{reviewed}", &queue.reviewed.to_string())
        .replace("{total}", &queue.total.to_string());
    let mut extra = vec![json!({"type": "divider"})];
    // Said once: the template's own line says it unless a custom template left it out.
    if !text.contains(&progress) {
        extra.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": progress}]}));
    }
    for i in shown {
        extra.push(item_block(i, lang));
        if let Some(image) = images.iter().find(|g| g.key == i.key) {
            extra.push(image.block());
        }
    }
    if to_decide.len() > shown.len() || settings.server.public_url.is_some() {
        let more = to_decide.len() - shown.len();
        let link = page_link(settings, window);
        let text = match (more, link) {
            (0, Some(url)) => format!("<{url}|{}>", l.title),
            (n, Some(url)) => format!("+{n} — <{url}|{}>", l.title),
            (n, None) => format!("+{n}"),
        };
        extra.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}));
    }
    let blocks = message["blocks"]
        .as_array_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let room = MAX_BLOCKS.saturating_sub(extra.len());
    let mut all: Vec<Value> = blocks.into_iter().take(room).collect();
    all.extend(extra);
    message["blocks"] = Value::Array(all);
    Ok(message)
}

/// What the team decides in Slack: open, closed by a person, and flapping items.
fn items_to_decide(queue: &Queue) -> Vec<&Item> {
    queue
        .sections
        .iter()
        .flat_map(|s| &s.states)
        .flat_map(|st| &st.items)
        .filter(|i| crate::digest::queue::needs_decision(i.state, i.flapping))
        .collect()
}

/// One item: what it is, and a menu of the five outcomes (its own chosen).
fn item_block(i: &Item, lang: Lang) -> Value {
    let l = lang.labels();
    let monitor =
        crate::digest::monitor_name(i.monitor.as_deref(), i.monitor_id.as_deref(), &i.kind, l);
    let mut text = format!("*{}*", escape_slack(&monitor));
    if let Some(h) = &i.host {
        text.push_str(&format!(" {}", escape_slack(h)));
    }
    text.push_str(&format!(" — {}", l.state(i.state)));
    if i.count > 1 {
        text.push_str(&format!(" ×{}", i.count));
    }
    let options: Vec<Value> = crate::review::Outcome::ALL
        .iter()
        .map(|o| json!({"text": {"type": "plain_text", "text": l.outcomes[o.index()]}, "value": o.as_str()}))
        .collect();
    let mut menu = json!({
        "type": "static_select",
        "action_id": "outcome",
        "placeholder": {"type": "plain_text", "text": placeholder(lang)},
        "options": options,
    });
    if let Some(o) = i.outcome {
        menu["initial_option"] = options[o.index()].clone();
        text.push_str(&format!(" ✓ {}", l.outcomes[o.index()]));
    }
    json!({"type": "section", "block_id": i.key, "text": {"type": "mrkdwn", "text": text}, "accessory": menu})
}

fn placeholder(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Outcome",
        Lang::Ja => "対応",
    }
}

/// The meeting's page, where a person sees the rest.
fn page_link(settings: &Settings, window: &Window) -> Option<String> {
    let base = settings.server.public_url.as_deref()?.trim_end_matches('/');
    Some(match window.meeting {
        Some(d) => format!("{base}/digests/{d}"),
        None => format!("{base}/"),
    })
}

/// A hash of what a message says: it changed when this does.
pub fn fingerprint(message: &Value) -> String {
    let digest = Sha256::digest(message.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Posts the team's digest message to its channel unless this window was posted
/// for the team before (or `force`); keeps where it went for interactions and updates.
pub async fn post_once(
    store: &Store,
    settings: &Settings,
    team: &Team,
    channel: &str,
    window: &Window,
    message: &Value,
    force: bool,
) -> Result<Delivered, DeliveryError> {
    let key_channel = team.delivery_channel("slack");
    let key = DeliveryKey {
        start: window.start,
        end: window.end,
        channel: &key_channel,
    };
    let kept = SlackPost {
        channel: String::new(),
        ts: String::new(),
        team: team.name.clone(),
        window_start: window.start,
        window_end: window.end,
        meeting: window.meeting.map(|d| d.to_string()),
        posted_at: 0,
        rendered: fingerprint(message),
    };
    send_once(store, settings, key, channel, message, force, Some(kept)).await
}

/// Posts `message` to `channel` through the app once for `key` (claimed in the
/// store first, as the webhooks' posts are). A message with menus is `kept` (its
/// channel, ts and time filled in) before the window is marked sent: an
/// interaction may come at once.
pub async fn send_once(
    store: &Store,
    settings: &Settings,
    key: DeliveryKey<'_>,
    channel: &str,
    message: &Value,
    force: bool,
    kept: Option<SlackPost>,
) -> Result<Delivered, DeliveryError> {
    let api = api(settings)?;
    let now = chrono::Utc::now().timestamp();
    match store.claim_delivery(key, now, force).await? {
        Claim::Granted => {}
        Claim::Sent(at) => return Ok(Delivered::AlreadySent(at)),
        Claim::Unknown(at) => return Err(DeliveryError::OutcomeUnknown(at)),
    }
    let posted = match api.post_message(channel, message).await {
        Ok(p) => p,
        Err(e) => {
            if e.surely_not_posted() {
                if let Err(release) = store.release_delivery(key).await {
                    tracing::warn!(error = %release, "could not release the claim of a failed post");
                }
            }
            return Err(e.into());
        }
    };
    if let Some(post) = kept {
        let post = SlackPost {
            channel: posted.channel,
            ts: posted.ts,
            posted_at: now,
            ..post
        };
        if let Err(e) = store.record_slack_post(&post).await {
            tracing::warn!(error = %e, "posted to Slack, but could not keep where: its menus will not work");
        }
    }
    if let Err(e) = store
        .mark_delivered(key, chrono::Utc::now().timestamp())
        .await
    {
        // The claim stays: the window is not posted again unless forced.
        tracing::warn!(error = %e, "posted to Slack, but could not record it");
        return Ok(Delivered::SentUnrecorded);
    }
    Ok(Delivered::Sent)
}

/// Updates a posted message when what it would say now differs from what it says.
/// Answers whether it was updated.
pub async fn refresh(
    store: &Store,
    api: &SlackApi,
    post: &SlackPost,
    message: &Value,
) -> Result<bool, DeliveryError> {
    let now = fingerprint(message);
    if now == post.rendered {
        return Ok(false);
    }
    let at = Posted {
        channel: post.channel.clone(),
        ts: post.ts.clone(),
    };
    api.update(&at, message).await?;
    store
        .set_slack_post_rendered(&post.channel, &post.ts, &now)
        .await?;
    Ok(true)
}
