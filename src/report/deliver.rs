//! The weekly report to Slack, at most once per week (design §7 `[report] weekly_post`):
//! the same claim-then-send delivery as the digest, on its own channel key.

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::{load_week, render_week, week, Format};
use crate::config::Settings;
use crate::delivery::{slack_once, Delivered, DeliveryError};
use crate::digest::Lang;
use crate::store::deliveries::DeliveryKey;
use crate::store::Store;

/// The delivery channel of weekly reports (a digest window and a week never collide).
pub const CHANNEL: &str = "slack-week";

#[derive(Debug, thiserror::Error)]
pub enum WeekPostError {
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    #[error(transparent)]
    Report(#[from] super::ReportError),
}

/// Posts the report of the week before `date` unless it was posted (or `force`).
/// The report is of every service: with `[[team]]` it goes to the first team's
/// destination only (a report per team is not built yet).
pub async fn post_week(
    store: &Store,
    settings: &Settings,
    tz: Tz,
    date: NaiveDate,
    lang: Lang,
    force: bool,
) -> Result<Delivered, WeekPostError> {
    let team = &settings.teams[0];
    let input = load_week(store, tz, date).await?;
    let text = render_week(&week::build(&input), Format::Slack, lang);
    let channel = team.delivery_channel(CHANNEL);
    let key = DeliveryKey {
        start: input.start(),
        end: input.end(),
        channel: &channel,
    };
    Ok(slack_once(store, &team.destination, key, &text, force).await?)
}
