//! The digest use-case, shared by the command line and `serve`: the team's windows
//! from the settings, the digest of a window, and its delivery to Slack at most once.

use std::path::Path;
use std::time::Duration;

use chrono_tz::Tz;

use super::{
    build, parse_meeting_time, render, Calendar, Digest, Format, Lang, Mode, Window, WindowSpec,
};
use crate::config::Settings;
use crate::delivery::{deliver_once, Delivered, DeliveryError, PostError};
use crate::store::deliveries::DeliveryKey;
use crate::store::{Store, StoreError};
use crate::timefmt::{parse_date, InputError};

/// The team's windows, from the config file, in zone `tz`.
pub fn spec(settings: &Settings, tz: Tz) -> Result<WindowSpec, InputError> {
    let f = &settings.file;
    let mut extra = std::collections::BTreeSet::new();
    for day in &f.extra_holidays {
        extra.insert(parse_date(day)?);
    }
    Ok(WindowSpec {
        tz,
        mode: f
            .digest_mode
            .as_deref()
            .map(Mode::parse)
            .transpose()?
            .unwrap_or(Mode::CalendarDay),
        meeting_time: parse_meeting_time(f.meeting_time.as_deref().unwrap_or("09:30"))?,
        calendar: Calendar {
            japanese: f.holidays.as_deref() != Some("none"),
            extra,
        },
    })
}

/// `[digest] lang`, English by default.
pub fn configured_lang(settings: &Settings) -> Result<Lang, InputError> {
    Ok(settings
        .file
        .lang
        .as_deref()
        .map(Lang::parse)
        .transpose()?
        .unwrap_or(Lang::En))
}

/// The digest of `window` as of `now`.
pub async fn digest_of(
    store: &Store,
    spec: &WindowSpec,
    window: &Window,
    now: i64,
) -> Result<Digest, StoreError> {
    let input = store.digest_input(window, &spec.previous(window)).await?;
    Ok(build(&input, window, now))
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
    let url = settings
        .file
        .slack_webhook_url
        .as_ref()
        .ok_or(DeliveryError::Post(PostError::NoWebhook))?;
    let templates: Option<&Path> = settings.file.templates_dir.as_deref();
    let text = render(digest, window, Format::Slack, lang, templates)?;
    let body: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| PostFailure::Template(format!("the slack template is not JSON: {e}")))?;
    let key = DeliveryKey {
        start: window.start,
        end: window.end,
        channel: "slack",
    };
    Ok(deliver_once(
        store,
        key,
        url.expose(),
        &body,
        force,
        Duration::from_millis(500),
    )
    .await?)
}

#[derive(Debug, thiserror::Error)]
pub enum PostFailure {
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    #[error(transparent)]
    Render(#[from] super::RenderError),
    #[error("{0}")]
    Template(String),
}
