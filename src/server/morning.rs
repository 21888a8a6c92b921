//! The morning post: at `[digest] post_at` on business days (team zone), the digest
//! of that day's meeting goes to Slack, at most once per window across restarts and
//! crashes (the window is claimed in the store first). A `serve` started late still
//! posts within `[digest] post_grace`.

use chrono::{NaiveDate, TimeZone};

use super::App;
use crate::delivery::{Delivered, DeliveryError};
use crate::digest::meeting::{self, PostFailure};

/// The meeting date whose post is due at `now`, if any.
pub fn due(app: &App, now: i64) -> Option<NaiveDate> {
    let post_at = app.settings.server.post_at?;
    app.settings.file.slack_webhook_url.as_ref()?;
    let tz = app.settings.timezone;
    let spec = meeting::spec(&app.settings, tz);
    let today = tz.timestamp_opt(now, 0).single()?.date_naive();
    if !spec.calendar.is_business_day(today) {
        return None;
    }
    let at = tz
        .from_local_datetime(&today.and_time(post_at))
        .earliest()?
        .timestamp();
    let grace = app.settings.server.post_grace.as_secs() as i64;
    (now >= at && now <= at + grace).then_some(today)
}

/// Posts the due digest, if one is due and not posted yet.
pub async fn post_if_due(app: &App, now: i64) {
    let Some(date) = due(app, now) else {
        return;
    };
    let result = post(app, date, now).await;
    let outcome = match &result {
        Ok(Delivered::Sent | Delivered::SentUnrecorded) => "sent",
        Ok(Delivered::AlreadySent(_)) => return,
        Err(PostFailure::Delivery(DeliveryError::OutcomeUnknown(_))) => "unknown",
        Err(_) => "failed",
    };
    app.metrics.post(outcome);
    match result {
        Ok(_) => tracing::info!(%date, "posted the morning digest to Slack"),
        Err(e) => tracing::warn!(%date, error = %e, "the morning digest was not posted"),
    }
}

async fn post(app: &App, date: NaiveDate, now: i64) -> Result<Delivered, PostFailure> {
    let settings = &app.settings;
    let spec = meeting::spec(settings, settings.timezone);
    let lang = meeting::configured_lang(settings);
    let window = spec.for_meeting(date);
    let digest = meeting::digest_of(&app.store, &spec, &window, now)
        .await
        .map_err(|e| PostFailure::Delivery(DeliveryError::Store(e)))?;
    meeting::post_to_slack(&app.store, settings, &digest, &window, lang, false).await
}

/// The weekly report's post: at `[report] weekly_post` (weekday and time, team zone),
/// within the same grace as the digest, once per week.
pub async fn post_week_if_due(app: &App, now: i64) {
    let Some((weekday, time)) = app.settings.file.weekly_post else {
        return;
    };
    if app.settings.file.slack_webhook_url.is_none() {
        return;
    }
    let tz = app.settings.timezone;
    let Some(today) = tz.timestamp_opt(now, 0).single().map(|t| t.date_naive()) else {
        return;
    };
    if chrono::Datelike::weekday(&today) != weekday {
        return;
    }
    let Some(at) = tz.from_local_datetime(&today.and_time(time)).earliest() else {
        return;
    };
    let grace = app.settings.server.post_grace.as_secs() as i64;
    if now < at.timestamp() || now > at.timestamp() + grace {
        return;
    }
    let lang = meeting::configured_lang(&app.settings);
    match crate::report::deliver::post_week(&app.store, &app.settings, tz, today, lang, false).await
    {
        Ok(Delivered::AlreadySent(_)) => {}
        Ok(_) => {
            app.metrics.post("sent");
            tracing::info!(%today, "posted the weekly report to Slack");
        }
        Err(e) => {
            app.metrics.post("failed");
            tracing::warn!(%today, error = %e, "the weekly report was not posted");
        }
    }
}
