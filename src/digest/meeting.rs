//! The digest use-case, shared by the command line and `serve`: the team's windows
//! from the settings, the digest of a window, and its delivery to Slack at most once.

use std::path::Path;

use chrono_tz::Tz;

use super::{build, render, Digest, Format, Lang, Window, WindowSpec};
use crate::config::Settings;
use crate::slack::webhook::{slack_once, Delivered, DeliveryError};
use crate::store::deliveries::DeliveryKey;
use crate::store::{Store, StoreError};
use crate::teams::{Scope, Team};

/// The team's windows (parsed with the settings), in zone `tz`.
pub fn spec(settings: &Settings, tz: Tz) -> WindowSpec {
    WindowSpec {
        tz,
        ..settings.digest.spec.clone()
    }
}

/// `[digest] lang`, English by default.
pub fn configured_lang(settings: &Settings) -> Lang {
    settings.digest.lang
}

/// The digest of `window` as of `now`, of every service.
pub async fn digest_of(
    store: &Store,
    spec: &WindowSpec,
    window: &Window,
    now: i64,
) -> Result<Digest, StoreError> {
    team_digest_of(store, spec, window, now, None).await
}

/// The digest of `window` as of `now` for a team (design §11): the alerts with at
/// least one of its services, each under those of its services it has; the
/// previous window, hosts in maintenance, earlier unreviewed alerts and open tasks
/// narrowed the same way. `None`: every service.
pub async fn team_digest_of(
    store: &Store,
    spec: &WindowSpec,
    window: &Window,
    now: i64,
    scope: Option<&Scope>,
) -> Result<Digest, StoreError> {
    let previous = spec.previous(window);
    let mut input = super::load::input_at(store, window, &previous, now).await?;
    if let Some(scope) = scope {
        input.alerts = scope.filter(std::mem::take(&mut input.alerts));
        input.previous = super::load::counts_of(store, &previous, scope).await?;
        input
            .maintenance
            .retain(|h| scope.keeps(&h.services).is_some());
    }
    input.off_day = window.meeting.and_then(|d| spec.calendar.off_day(d));
    input.notes = crate::review::meeting_notes(store, window, &input.alerts, scope).await?;
    if let Some(scope) = scope {
        narrow_notes(store, &mut input.notes, scope).await?;
    }
    Ok(build(input, window, now))
}

/// The meeting's memory as the team sees it: the tasks of its alerts (its earlier
/// unreviewed alerts are the team's already).
async fn narrow_notes(
    store: &Store,
    notes: &mut super::MeetingNotes,
    scope: &Scope,
) -> Result<(), StoreError> {
    let mut kept = Vec::new();
    for t in std::mem::take(&mut notes.open_tasks) {
        let alerts = store.alerts_by_id(&t.alert_ids).await?;
        if alerts.iter().any(|a| scope.keeps(&a.services).is_some()) {
            kept.push(t);
        }
    }
    notes.open_tasks = kept;
    Ok(())
}

/// Posts the team's digest to its Slack destination unless this window was posted
/// for the team before (or `force`).
pub async fn post_to_slack(
    store: &Store,
    settings: &Settings,
    digest: &Digest,
    window: &Window,
    lang: Lang,
    force: bool,
    team: &Team,
) -> Result<Delivered, PostFailure> {
    if let crate::teams::Destination::Channel(channel) = &team.destination {
        // The app: the message with its outcome menus, kept for updates.
        let queue = super::queue::queue(digest);
        let images = crate::slack::app::graph_images(store, settings, &queue, lang).await;
        let message = crate::slack::app::message(settings, digest, window, lang, &queue, &images)?;
        return Ok(crate::slack::app::post_once(
            store, settings, team, channel, window, &message, force,
        )
        .await?);
    }
    let templates: Option<&Path> = settings.file.templates_dir.as_deref();
    let mut text = render(digest, window, Format::Slack, lang, templates)?;
    // The graphs of the top items, where Slack can fetch them (`public_url`).
    if settings.server.public_url.is_some() {
        let queue = super::queue::queue(digest);
        let images = crate::slack::app::graph_images(store, settings, &queue, lang).await;
        if let (false, Ok(message)) = (images.is_empty(), serde_json::from_str(&text)) {
            text = crate::slack::app::with_images(message, &images).to_string();
        }
    }
    let channel = team.delivery_channel("slack");
    let key = DeliveryKey {
        start: window.start,
        end: window.end,
        channel: &channel,
    };
    Ok(slack_once(store, &team.destination, key, &text, force).await?)
}

#[derive(Debug, thiserror::Error)]
pub enum PostFailure {
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    #[error(transparent)]
    Render(#[from] super::RenderError),
}
