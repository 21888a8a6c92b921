//! A stand-in for Slack on loopback, for `asakai demo` (design §11): it speaks
//! the Web API's `chat.postMessage` and `chat.update` as Slack answers them,
//! prints each message as a channel would show it, and clicks an outcome menu as
//! a person in Slack would: a signed `block_actions` interaction sent to asakai's
//! `/slack/interactions`. A click comes from the terminal (`3 expected`) or from
//! `POST /click/3/expected`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::review::Outcome;
use crate::secret::Secret;

/// The demo's bot token: the stand-in answers `invalid_auth` to any other.
pub const BOT_TOKEN: &str = "xoxb-asakai-demo";

/// The name a click is recorded under.
const SLACK_USER: &str = "you-in-slack";

/// A running stand-in.
#[derive(Clone)]
pub struct SlackStandIn {
    pub url: String,
    state: Arc<Shared>,
}

struct Shared {
    /// The stand-in's own address, for the printed `curl`.
    url: String,
    secret: Secret,
    /// asakai's address, once it listens.
    asakai: OnceLock<String>,
    http: reqwest::Client,
    channels: Mutex<Channels>,
}

/// Every message posted, and the menus shown, numbered for clicks.
#[derive(Default)]
struct Channels {
    /// What each message (channel, ts) says now, as printed lines.
    messages: HashMap<(String, String), Vec<String>>,
    /// Menu number − 1 → (channel, ts, item).
    menus: Vec<(String, String, String)>,
    posted: u64,
}

impl SlackStandIn {
    /// Starts the stand-in; interactions are signed with `secret`.
    pub async fn start(secret: Secret) -> std::io::Result<SlackStandIn> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(Shared {
            url: url.clone(),
            secret,
            asakai: OnceLock::new(),
            http: reqwest::Client::new(),
            channels: Mutex::default(),
        });
        let app = Router::new()
            .route("/api/chat.postMessage", post(post_message))
            .route("/api/chat.update", post(update))
            .route("/click/{n}/{outcome}", post(click_route))
            .with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(SlackStandIn { url, state })
    }

    /// `[slack] api_base` for asakai.
    pub fn api_base(&self) -> String {
        format!("{}/api/", self.url)
    }

    /// Where clicks go: asakai's base URL.
    pub fn connect(&self, asakai: &str) {
        let _ = self
            .state
            .asakai
            .set(asakai.trim_end_matches('/').to_owned());
    }

    /// Reads clicks (`3 expected`) typed in the terminal, when it is one.
    pub fn read_terminal(&self) {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return;
        }
        let state = self.state.clone();
        let runtime = tokio::runtime::Handle::current();
        // A thread of its own: reading the terminal blocks.
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                let mut words = line.split_whitespace();
                let (Some(n), Some(outcome)) = (words.next(), words.next()) else {
                    continue;
                };
                let said = match n.parse() {
                    Ok(n) => runtime
                        .block_on(click(&state, n, outcome))
                        .unwrap_or_else(|e| e),
                    Err(_) => format!("{n:?} is not a menu number"),
                };
                eprintln!("[Slack stand-in] {said}");
            }
        });
    }
}

fn authorised(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {BOT_TOKEN}"))
}

async fn post_message(
    State(state): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    if !authorised(&headers) {
        return Json(json!({"ok": false, "error": "invalid_auth"}));
    }
    let Some(channel) = body["channel"].as_str().map(str::to_owned) else {
        return Json(json!({"ok": false, "error": "channel_not_found"}));
    };
    let mut channels = state.channels.lock().expect("the stand-in's lock");
    channels.posted += 1;
    let ts = format!("{}.{:06}", chrono::Utc::now().timestamp(), channels.posted);
    let first = channels.menus.len() + 1;
    let lines = channels.show(&channel, &ts, &body);
    eprintln!(
        "[Slack stand-in] new post in {channel}:\n{}\n{}",
        lines.join("\n"),
        how_to_click(first, channels.menus.len(), &state.url)
    );
    channels
        .messages
        .insert((channel.clone(), ts.clone()), lines);
    Json(
        json!({"ok": true, "channel": channel, "ts": ts, "message": {"type": "message", "ts": ts}}),
    )
}

async fn update(
    State(state): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    if !authorised(&headers) {
        return Json(json!({"ok": false, "error": "invalid_auth"}));
    }
    let (Some(channel), Some(ts)) = (body["channel"].as_str(), body["ts"].as_str()) else {
        return Json(json!({"ok": false, "error": "message_not_found"}));
    };
    let key = (channel.to_owned(), ts.to_owned());
    let mut channels = state.channels.lock().expect("the stand-in's lock");
    let Some(before) = channels.messages.get(&key).cloned() else {
        return Json(json!({"ok": false, "error": "message_not_found"}));
    };
    let lines = channels.show(channel, ts, &body);
    // Only what changed: the outcome on the item, and "N of M reviewed".
    let changed: Vec<&String> = lines.iter().filter(|l| !before.contains(l)).collect();
    eprintln!(
        "[Slack stand-in] post in {channel} updated:\n{}",
        changed
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    channels.messages.insert(key, lines);
    Json(json!({"ok": true, "channel": channel, "ts": ts}))
}

impl Channels {
    /// A message's blocks as lines of text; each outcome menu gets its number.
    fn show(&mut self, channel: &str, ts: &str, message: &Value) -> Vec<String> {
        let blocks = message["blocks"].as_array().cloned().unwrap_or_default();
        if blocks.is_empty() {
            return vec![format!("  {}", message["text"].as_str().unwrap_or(""))];
        }
        let text = |v: &Value| v["text"].as_str().unwrap_or("").to_owned();
        let mut lines = Vec::new();
        for b in &blocks {
            let shown = match b["type"].as_str() {
                Some("header") => text(&b["text"]),
                Some("divider") => "──".to_owned(),
                Some("image") => format!("(graph: {})", b["image_url"].as_str().unwrap_or("")),
                Some("context") => {
                    let parts: Vec<String> = b["elements"]
                        .as_array()
                        .map(|e| e.iter().map(text).collect())
                        .unwrap_or_default();
                    parts.join("  ")
                }
                Some("section") if b["accessory"]["type"] == "static_select" => {
                    let item = b["block_id"].as_str().unwrap_or("").to_owned();
                    let n = self.menu_number(channel, ts, &item);
                    format!("[{n}] {}", text(&b["text"]))
                }
                Some("section") => text(&b["text"]),
                _ => continue,
            };
            // Line by line, so that an update can show just the lines it changed.
            lines.extend(shown.lines().map(|l| format!("  {l}")));
        }
        lines
    }

    fn menu_number(&mut self, channel: &str, ts: &str, item: &str) -> usize {
        let at = |m: &(String, String, String)| m.0 == channel && m.1 == ts && m.2 == item;
        match self.menus.iter().position(at) {
            Some(i) => i + 1,
            None => {
                self.menus
                    .push((channel.to_owned(), ts.to_owned(), item.to_owned()));
                self.menus.len()
            }
        }
    }
}

/// How to choose an outcome on the menus `first..=last` just shown.
fn how_to_click(first: usize, last: usize, url: &str) -> String {
    if first > last {
        return "  (nothing to decide here: no outcome menus)".to_owned();
    }
    let outcomes: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
    let typed = if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        format!("type `{first} expected` here and Enter, or run ")
    } else {
        String::new()
    };
    let menus = if first == last {
        format!("[{first}]")
    } else {
        format!("[{first}]–[{last}]")
    };
    format!(
        "  To choose an outcome on {menus} as someone in Slack would ({}): {typed}\
         curl -X POST {url}/click/{first}/expected",
        outcomes.join(", "),
    )
}

async fn click_route(
    State(state): State<Arc<Shared>>,
    Path((n, outcome)): Path<(usize, String)>,
) -> (StatusCode, String) {
    match click(&state, n, &outcome).await {
        Ok(said) => {
            eprintln!("[Slack stand-in] {said}");
            (StatusCode::OK, said + "\n")
        }
        Err(e) => (StatusCode::BAD_REQUEST, e + "\n"),
    }
}

/// Chooses `outcome` on menu `n` as a person in Slack would: a signed interaction.
async fn click(state: &Shared, n: usize, outcome: &str) -> Result<String, String> {
    let (channel, ts, item) = {
        let channels = state.channels.lock().expect("the stand-in's lock");
        channels
            .menus
            .get(n.wrapping_sub(1))
            .cloned()
            .ok_or_else(|| format!("there is no menu [{n}]"))?
    };
    let asakai = state.asakai.get().ok_or("asakai is not listening yet")?;
    let payload = json!({
        "type": "block_actions",
        "user": {"id": "U0DEMO", "username": SLACK_USER, "name": SLACK_USER, "team_id": "T0DEMO"},
        "team": {"id": "T0DEMO", "domain": "demo"},
        "channel": {"id": channel, "name": channel.trim_start_matches('#')},
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "message": {"type": "message", "ts": ts},
        "actions": [{"type": "static_select", "block_id": item, "action_id": "outcome",
                     "selected_option": {"text": {"type": "plain_text", "text": outcome}, "value": outcome},
                     "action_ts": format!("{}.000001", chrono::Utc::now().timestamp())}],
        "api_app_id": "A0DEMO", "trigger_id": "0.0.demo"
    });
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish();
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = crate::slack::signature::sign(&state.secret, &timestamp, body.as_bytes());
    let answer = state
        .http
        .post(format!("{asakai}/slack/interactions"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", timestamp)
        .header("x-slack-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("asakai did not answer: {e}"))?;
    let status = answer.status();
    let said = answer.text().await.unwrap_or_default();
    if status.is_success() {
        Ok(format!(
            "{SLACK_USER} chose {outcome} on [{n}] in {channel}; asakai recorded it"
        ))
    } else {
        Err(format!("asakai refused the choice ({status}): {said}"))
    }
}
