//! Keeping posted messages true (design §11): a review made anywhere (Slack, the
//! page, the API, the command line) shows in the message within a tick.

use std::sync::Arc;

use super::app::{message, refresh};
use super::health::Kind;
use crate::server::digests::Shared;
use crate::server::App;
use crate::store::{SlackPost, StoreError};

/// How long after posting a message is kept up to date.
const KEPT_FRESH_SECS: i64 = 2 * 86_400;

/// The window a message is of: its meeting's, or the bounds it was posted with.
fn window_of(app: &App, post: &SlackPost) -> crate::digest::Window {
    let tz = app.settings.timezone;
    let spec = crate::digest::meeting::spec(&app.settings, tz);
    match post
        .meeting
        .as_deref()
        .and_then(|d| crate::timefmt::parse_date(d).ok())
    {
        Some(date) => spec.for_meeting(date),
        None => crate::digest::Window {
            start: post.window_start,
            end: post.window_end,
            tz,
            meeting: None,
        },
    }
}

/// The digest a message was made from: its team's, of its window.
pub async fn digest_of(app: &App, post: &SlackPost) -> Result<Arc<Shared>, StoreError> {
    let spec = crate::digest::meeting::spec(&app.settings, app.settings.timezone);
    let team = app.settings.teams.iter().find(|t| t.name == post.team);
    app.digests
        .of(&app.store, &spec, &window_of(app, post), team)
        .await
}

/// Updates one message if what it says changed.
pub async fn one(app: &App, post: &SlackPost) {
    let result = async {
        let api = super::app::api(&app.settings)?;
        let shared = digest_of(app, post).await?;
        let team = app.settings.teams.iter().find(|t| t.name == post.team);
        let lang = team.map_or(app.settings.digest.lang, |t| t.lang);
        let window = window_of(app, post);
        let images =
            super::app::graph_images(&app.store, &app.settings, shared.queue(), lang).await;
        let msg = message(
            &app.settings,
            &shared.digest,
            &window,
            lang,
            shared.queue(),
            &images,
        )
        .map_err(|e| crate::slack::webhook::DeliveryError::Render(e.to_string()))?;
        refresh(&app.store, &api, post, &msg).await
    }
    .await;
    match result {
        Ok(true) => {
            let now = chrono::Utc::now().timestamp();
            app.slack_health.posted(&post.team, Kind::Update, now);
            tracing::info!(channel = %post.channel, ts = %post.ts, "updated a Slack post")
        }
        Ok(false) => {}
        Err(e) => {
            if let crate::slack::webhook::DeliveryError::Slack(s) = &e {
                app.metrics.slack_error(s.name());
            }
            let now = chrono::Utc::now().timestamp();
            app.slack_health
                .failed(&post.team, Kind::Update, now, super::health::name(&e), &e);
            tracing::warn!(error = %e, "could not update a Slack post");
        }
    }
}

/// Every recent message, updated where it changed (the worker's tick).
pub async fn all(app: &App, now: i64) {
    if app.settings.slack.is_none() {
        return;
    }
    match app.store.slack_posts_since(now - KEPT_FRESH_SECS).await {
        Ok(posts) => {
            for post in &posts {
                one(app, post).await;
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not read the Slack posts to update"),
    }
}
