//! The weekly report to Slack, at most once per (team, week) (design §7 `[report]
//! weekly_post`, §11 a team's `weekly_post`): the same claim-then-send delivery as
//! the digest, on its own channel key: through the team's incoming webhook, or
//! the Slack app to its channel (a plain message: the report has nothing to decide).

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::{load_team_week, render_week, week, Format};
use crate::config::Settings;
use crate::digest::Lang;
use crate::slack::webhook::{slack_once, Delivered, DeliveryError};
use crate::store::deliveries::DeliveryKey;
use crate::store::Store;
use crate::teams::{Destination, Team};

/// The delivery channel of weekly reports (a digest window and a week never collide).
pub const CHANNEL: &str = "slack-week";

#[derive(Debug, thiserror::Error)]
pub enum WeekPostError {
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    #[error(transparent)]
    Report(#[from] super::ReportError),
}

/// Posts a team's report of the week before `date` to its destination unless it
/// was posted for the team (or `force`).
pub async fn post_week(
    store: &Store,
    settings: &Settings,
    tz: Tz,
    date: NaiveDate,
    lang: Lang,
    force: bool,
    team: &Team,
) -> Result<Delivered, WeekPostError> {
    let input = load_team_week(store, tz, date, team.scope.as_ref()).await?;
    let text = render_week(&week::build(&input), Format::Slack, lang);
    let channel = team.delivery_channel(CHANNEL);
    let key = DeliveryKey {
        start: input.start(),
        end: input.end(),
        channel: &channel,
    };
    if let Destination::Channel(channel) = &team.destination {
        let message: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| DeliveryError::NotJson(e.to_string()))?;
        return Ok(crate::slack::app::send_once(
            store, settings, key, channel, &message, force, None,
        )
        .await?);
    }
    Ok(slack_once(store, &team.destination, key, &text, force).await?)
}
