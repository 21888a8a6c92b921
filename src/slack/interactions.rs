//! `POST /slack/interactions` (design §11): an outcome chosen in a morning post.
//! Verified first (signature and time), answered at once, recorded as a review
//! under the Slack user's name, and the message updated after. Off (404) without
//! `SLACK_SIGNING_SECRET`; exempt from page auth and the cross-site rule (Slack
//! is another site, and the signature is its credential).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::signature;
use crate::review::Outcome;
use crate::server::api::ApiError;
use crate::server::App;
use crate::store::SlackPost;

pub async fn receive(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = app
        .settings
        .slack
        .as_ref()
        .and_then(|s| s.signing_secret.as_ref())
    else {
        return ApiError::new(StatusCode::NOT_FOUND, "no such page").into_response();
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    if let Err(e) = signature::verify(
        secret,
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
        &body,
        now,
    ) {
        app.metrics.slack_interaction("unauthorized");
        return ApiError::new(StatusCode::UNAUTHORIZED, e.to_string()).into_response();
    }
    match decide(&app, &body, now).await {
        Ok(post) => {
            app.metrics.slack_interaction("recorded");
            // Slack wants its answer within 3 s: the message is updated after.
            let app = app.clone();
            tokio::spawn(async move { super::refresh::one(&app, &post).await });
            StatusCode::OK.into_response()
        }
        Err(e) => {
            app.metrics.slack_interaction("rejected");
            e.into_response()
        }
    }
}

/// What was chosen, by whom, on which item of which message.
struct Choice {
    outcome: Outcome,
    item: String,
    channel: String,
    ts: String,
    by: String,
}

fn parse(body: &[u8]) -> Result<Choice, ApiError> {
    let bad = |what: &str| ApiError::new(StatusCode::BAD_REQUEST, what.to_owned());
    let payload = form_urlencoded::parse(body)
        .find(|(k, _)| k == "payload")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| bad("payload: the form has no payload field"))?;
    let v: Value =
        serde_json::from_str(&payload).map_err(|e| bad(&format!("payload: not JSON ({e})")))?;
    if v["type"] != "block_actions" {
        return Err(bad("payload: not a block_actions interaction"));
    }
    let action = &v["actions"][0];
    if action["action_id"] != "outcome" {
        return Err(bad(
            "actions: unknown action (asakai's menus are \"outcome\")",
        ));
    }
    let value = action["selected_option"]["value"]
        .as_str()
        .or(action["value"].as_str())
        .ok_or_else(|| bad("actions: no outcome chosen"))?;
    let outcome = Outcome::parse(value).map_err(|e| bad(&format!("actions: {e}")))?;
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let user = &v["user"];
    Ok(Choice {
        outcome,
        item: text(&action["block_id"]).ok_or_else(|| bad("actions: no block_id"))?,
        channel: text(&v["container"]["channel_id"])
            .or(text(&v["channel"]["id"]))
            .ok_or_else(|| bad("container: no channel"))?,
        ts: text(&v["container"]["message_ts"])
            .or(text(&v["message"]["ts"]))
            .ok_or_else(|| bad("container: no message_ts"))?,
        by: text(&user["username"])
            .or(text(&user["name"]))
            .or(text(&user["id"]))
            .ok_or_else(|| bad("user: nobody chose"))?,
    })
}

/// Records the outcome for every alert of the chosen item of that message.
async fn decide(app: &App, body: &[u8], now: i64) -> Result<SlackPost, ApiError> {
    let choice = parse(body)?;
    let post = app
        .store
        .slack_post(&choice.channel, &choice.ts)
        .await?
        .ok_or_else(|| ApiError::bad("container", "not a message asakai posted"))?;
    let shared = super::refresh::digest_of(app, &post).await?;
    let item = shared
        .queue()
        .sections
        .iter()
        .flat_map(|s| &s.states)
        .flat_map(|st| &st.items)
        .find(|i| i.key == choice.item)
        .ok_or_else(|| {
            ApiError::bad(
                "actions",
                format!("no item {:?} in that meeting", choice.item),
            )
        })?;
    let ids = item.alert_ids.clone();
    crate::review::record(
        &app.store,
        &ids,
        choice.outcome,
        None,
        Some(&choice.by),
        now,
    )
    .await?;
    app.digests.wrote();
    Ok(post)
}
