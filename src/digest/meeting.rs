//! The digest use-case, shared by the command line and `serve`: the team's windows
//! from the settings, the digest of a window, and its delivery to Slack at most once.

use std::path::Path;

use chrono_tz::Tz;

use super::{build, render, Digest, Format, Lang, Window, WindowSpec};
use crate::config::Settings;
use crate::delivery::{slack_once, Delivered, DeliveryError};
use crate::store::deliveries::DeliveryKey;
use crate::store::{Store, StoreError};

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

/// The digest of `window` as of `now`.
pub async fn digest_of(
    store: &Store,
    spec: &WindowSpec,
    window: &Window,
    now: i64,
) -> Result<Digest, StoreError> {
    let mut input = super::load::input_at(store, window, &spec.previous(window), now).await?;
    input.off_day = window.meeting.and_then(|d| spec.calendar.off_day(d));
    input.notes = crate::review::meeting_notes(store, window, &input.alerts).await?;
    Ok(build(input, window, now))
}

/// Posts the digest to the configured Slack webhook unless this window was posted
/// before (or `force`).
pub async fn post_to_slack(
    store: &Store,
    settings: &Settings,
    digest: &Digest,
    window: &Window,
    lang: Lang,
    force: bool,
) -> Result<Delivered, PostFailure> {
    let templates: Option<&Path> = settings.file.templates_dir.as_deref();
    let text = render(digest, window, Format::Slack, lang, templates)?;
    let key = DeliveryKey {
        start: window.start,
        end: window.end,
        channel: "slack",
    };
    Ok(slack_once(store, settings, key, &text, force).await?)
}

#[derive(Debug, thiserror::Error)]
pub enum PostFailure {
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    #[error(transparent)]
    Render(#[from] super::RenderError),
}
