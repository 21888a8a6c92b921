//! The morning posts: at each team's `post_at` on business days (team zone), the
//! team's digest of that day's meeting goes to its Slack destination, at most once
//! per (team, window) across restarts and crashes (the window is claimed in the
//! store first). A `serve` started late still posts within `[digest] post_grace`.

use chrono::{NaiveDate, TimeZone};

use super::App;
use crate::digest::meeting::{self, PostFailure};
use crate::report::deliver::WeekPostError;
use crate::slack::health::{self, Kind};
use crate::slack::web_api::SlackError;
use crate::slack::webhook::{Delivered, DeliveryError, PostError};
use crate::teams::{Destination, Team};

/// The meeting date whose post `team` is due at `now`, if any.
pub fn due(app: &App, team: &Team, now: i64) -> Option<NaiveDate> {
    let post_at = team.post_at?;
    if team.destination == Destination::None {
        return None;
    }
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

/// Posts each team's digest that is due, not posted yet, and not waiting out the
/// backoff of a failed try.
pub async fn post_if_due(app: &App, now: i64) {
    for team in &app.settings.teams {
        post_team_if_due(app, team, now).await;
    }
}

/// One team's morning post. Counts attempts in `/metrics`, not ticks: a window
/// whose earlier send has an unknown outcome is not an attempt.
async fn post_team_if_due(app: &App, team: &Team, now: i64) {
    let Some(date) = due(app, team, now) else {
        return;
    };
    let key = format!("digest {} {date}", team.name);
    if !app.post_backoff.ready(&key, now) {
        return;
    }
    let result = post(app, team, date, now).await;
    let outcome = match &result {
        Ok(Delivered::Sent | Delivered::SentUnrecorded) => "sent",
        Ok(Delivered::AlreadySent(_)) => return,
        Err(e @ PostFailure::Delivery(DeliveryError::OutcomeUnknown(_))) => {
            // Said (and counted) when that send was made; said again only now and then.
            app.post_backoff.failed(&key, now);
            app.slack_health
                .failed(&team.name, Kind::Digest, now, "outcome_unknown", e);
            tracing::warn!(%date, team = %team.name, "the morning digest's earlier post has an \
                            unknown outcome; not posting again (digest --post --force posts it)");
            return;
        }
        Err(PostFailure::Delivery(DeliveryError::Post(PostError::NoAnswer(_))))
        | Err(PostFailure::Delivery(DeliveryError::Slack(SlackError::NoAnswer(_)))) => "unknown",
        Err(_) => "failed",
    };
    app.metrics.post(outcome);
    match result {
        Ok(_) => {
            app.post_backoff.succeeded(&key);
            app.slack_health.posted(&team.name, Kind::Digest, now);
            tracing::info!(%date, team = %team.name, "posted the morning digest to Slack");
        }
        Err(e) => {
            if let PostFailure::Delivery(DeliveryError::Slack(s)) = &e {
                app.metrics.slack_error(s.name());
            }
            let name = match &e {
                PostFailure::Delivery(d) => health::name(d),
                PostFailure::Render(_) => "render",
            };
            app.slack_health
                .failed(&team.name, Kind::Digest, now, name, &e);
            app.post_backoff.failed(&key, now);
            tracing::warn!(%date, team = %team.name, error = %e, "the morning digest was not posted");
        }
    }
}

/// How long a post that failed waits before the next tick tries it again: a minute,
/// doubling up to half an hour, per window. Each try already retries Slack's 429s
/// and 5xx a few times; a Slack that is down for an hour should not get that burst
/// on every tick of the grace period.
#[derive(Default)]
pub struct Backoff(std::sync::Mutex<std::collections::HashMap<String, (i64, u32)>>);

const FIRST_WAIT: i64 = 60;
const LONGEST_WAIT: i64 = 30 * 60;

impl Backoff {
    /// Whether the post named `key` may be tried at `now`.
    pub fn ready(&self, key: &str, now: i64) -> bool {
        let waits = self.0.lock().expect("the backoff lock");
        waits.get(key).is_none_or(|(next, _)| now >= *next)
    }

    /// A try of `key` failed at `now`: the next waits longer than the last.
    pub fn failed(&self, key: &str, now: i64) {
        let mut waits = self.0.lock().expect("the backoff lock");
        // Only a few posts are ever due at once; what is past is forgotten.
        waits.retain(|_, (next, _)| *next + LONGEST_WAIT > now);
        let failures = waits.get(key).map_or(0, |(_, n)| *n) + 1;
        let wait = (FIRST_WAIT << (failures - 1).min(10)).min(LONGEST_WAIT);
        waits.insert(key.to_owned(), (now + wait, failures));
    }

    pub fn succeeded(&self, key: &str) {
        self.0.lock().expect("the backoff lock").remove(key);
    }
}

/// Posts the team's digest of the meeting on `date` (once per window, as ever).
pub async fn post(
    app: &App,
    team: &Team,
    date: NaiveDate,
    now: i64,
) -> Result<Delivered, PostFailure> {
    let settings = &app.settings;
    let spec = meeting::spec(settings, settings.timezone);
    let window = spec.for_meeting(date);
    let digest = meeting::team_digest_of(&app.store, &spec, &window, now, team.scope.as_ref())
        .await
        .map_err(|e| PostFailure::Delivery(DeliveryError::Store(e)))?;
    meeting::post_to_slack(
        &app.store, settings, &digest, &window, team.lang, false, team,
    )
    .await
}

/// The weekly reports: each team's at its `weekly_post` (weekday and time, team
/// zone), within the same grace as the digest, once per (team, week).
pub async fn post_week_if_due(app: &App, now: i64) {
    for team in &app.settings.teams {
        post_team_week_if_due(app, team, now).await;
    }
}

async fn post_team_week_if_due(app: &App, team: &Team, now: i64) {
    let Some((weekday, time)) = team.weekly_post else {
        return;
    };
    if team.destination == Destination::None {
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
    let key = format!("week {} {today}", team.name);
    if !app.post_backoff.ready(&key, now) {
        return;
    }
    match crate::report::deliver::post_week(
        &app.store,
        &app.settings,
        tz,
        today,
        team.lang,
        false,
        team,
    )
    .await
    {
        Ok(Delivered::AlreadySent(_)) => {}
        Ok(_) => {
            app.post_backoff.succeeded(&key);
            app.metrics.post("sent");
            app.slack_health.posted(&team.name, Kind::Week, now);
            tracing::info!(%today, team = %team.name, "posted the weekly report to Slack");
        }
        Err(e) => {
            let name = match &e {
                WeekPostError::Delivery(d) => {
                    if let DeliveryError::Slack(s) = d {
                        app.metrics.slack_error(s.name());
                    }
                    health::name(d)
                }
                WeekPostError::Report(_) => "report",
            };
            app.slack_health
                .failed(&team.name, Kind::Week, now, name, &e);
            app.post_backoff.failed(&key, now);
            app.metrics.post("failed");
            tracing::warn!(%today, team = %team.name, error = %e, "the weekly report was not posted");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_post_waits_longer_each_time_and_a_success_clears_it() {
        let b = Backoff::default();
        assert!(b.ready("digest d", 0));
        b.failed("digest d", 0);
        assert!(!b.ready("digest d", 59) && b.ready("digest d", 60));
        assert!(b.ready("week w", 1), "each post has its own");
        b.failed("digest d", 60);
        assert!(!b.ready("digest d", 179) && b.ready("digest d", 180));
        for t in 0..20 {
            b.failed("digest d", 1000 + t);
        }
        assert!(b.ready("digest d", 1019 + LONGEST_WAIT), "capped");
        b.succeeded("digest d");
        assert!(b.ready("digest d", 1020));
    }
}
