//! Reports beyond the morning digest: the weekly report for the department
//! meeting, and the monitor hygiene report (design §7 `report`).

pub mod deliver;
pub mod doc;
pub mod monitors;
mod monitors_doc;
pub mod suggest;
pub mod thresholds;
pub mod week;
mod week_doc;
mod week_lists;
pub mod what_if;

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;

use crate::digest::{Lang, Window};
use crate::review::{self, task, ReviewError};
use crate::store::{AlertFilter, Store, StoreError};
use crate::timefmt::start_of_day;

pub use monitors::{MonitorReport, MonitorsInput};
pub use week::{WeekInput, WeekReport};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Review(#[from] ReviewError),
}

/// Formats of `report week` (those of the digest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Markdown,
    Text,
    Json,
    Html,
    Slack,
}

/// The seven days before `date`, each `[start, end)` from midnight to midnight
/// in `tz` (so a day with a DST change has 23 or 25 hours).
pub fn week_days(tz: Tz, date: NaiveDate) -> Vec<(NaiveDate, i64, i64)> {
    let day = |i: i64| date + Duration::days(i);
    (-7..0)
        .map(|i| {
            (
                day(i),
                start_of_day(day(i), tz),
                start_of_day(day(i + 1), tz),
            )
        })
        .collect()
}

/// Reads what the weekly report of the seven days before `date` needs.
/// The week before `date` of a team's services (`None`: every service).
pub async fn load_team_week(
    store: &Store,
    tz: Tz,
    date: NaiveDate,
    scope: Option<&crate::teams::Scope>,
) -> Result<WeekInput, ReportError> {
    let mut input = load_week(store, tz, date).await?;
    if let Some(scope) = scope {
        input.alerts = scope.filter(std::mem::take(&mut input.alerts));
        input.previous = scope.filter(std::mem::take(&mut input.previous));
        input
            .maintenance
            .retain(|h| scope.keeps(&h.services).is_some());
        // A task is the team's when one of its alerts is.
        let mut tasks = Vec::new();
        for t in std::mem::take(&mut input.tasks) {
            let ids: Vec<String> = store
                .alerts_of_task(&t)
                .await?
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            let alerts = store.alerts_by_id(&ids).await?;
            if alerts.iter().any(|a| scope.keeps(&a.services).is_some()) {
                tasks.push(t);
            }
        }
        input.tasks = tasks;
    }
    Ok(input)
}

pub async fn load_week(store: &Store, tz: Tz, date: NaiveDate) -> Result<WeekInput, ReportError> {
    let days = week_days(tz, date);
    let (start, end) = (days[0].1, days[6].2);
    let previous_start = start_of_day(date - Duration::days(14), tz);
    let opened = |from: i64, to: i64| AlertFilter {
        from: Some(from),
        to: Some(to),
        ..AlertFilter::default()
    };
    let week = Window {
        start,
        end,
        tz,
        meeting: None,
    };
    Ok(WeekInput {
        tz,
        alerts: store.find_alerts(&opened(start, end)).await?,
        previous: store.find_alerts(&opened(previous_start, start)).await?,
        reviews: review::latest_reviews(store).await?,
        tasks: task::list(store, None).await?,
        // Only the hosts: the week's alerts are read above, not loaded again.
        maintenance: store
            .hosts_in_maintenance(end, week.is_current(chrono::Utc::now().timestamp()))
            .await?,
        days,
    })
}

/// The weekly report in `format` and `lang`.
pub fn render_week(r: &WeekReport, format: Format, lang: Lang) -> String {
    let d = || week_doc::doc(r, lang);
    let lang_code = if lang == Lang::Ja { "ja" } else { "en" };
    match format {
        Format::Json => serde_json::to_string_pretty(r).expect("a report serializes") + "\n",
        Format::Markdown => doc::markdown(&d()),
        Format::Text => doc::text(&d()),
        Format::Html => doc::html(&d(), lang_code),
        Format::Slack => doc::slack(&d()),
    }
}

/// Formats of `report monitors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MonitorsFormat {
    Table,
    Json,
    Markdown,
}

/// Reads what the monitor report of `[since, until)` needs; `thresholds_from`
/// says whether the stored thresholds were just read from Mackerel.
pub async fn load_monitors(
    store: &Store,
    tz: Tz,
    since: i64,
    until: i64,
    thresholds_from: &str,
) -> Result<MonitorsInput, ReportError> {
    let thresholds = store.thresholds().await?;
    let from = match (thresholds.is_empty(), thresholds_from) {
        (true, _) => "none",
        (false, "mackerel") => "mackerel",
        (false, _) => "stored",
    };
    Ok(MonitorsInput {
        tz,
        since,
        until,
        alerts: store
            .find_alerts(&AlertFilter {
                from: Some(since),
                to: Some(until),
                ..AlertFilter::default()
            })
            .await?,
        reviews: review::latest_reviews(store).await?,
        tasks: task::list(store, None).await?,
        thresholds,
        thresholds_from: from.to_owned(),
    })
}

pub fn render_monitors(r: &MonitorReport, format: MonitorsFormat) -> String {
    match format {
        MonitorsFormat::Json => {
            serde_json::to_string_pretty(r).expect("a report serializes") + "\n"
        }
        MonitorsFormat::Markdown => doc::markdown(&monitors_doc::doc(r)),
        MonitorsFormat::Table => doc::text(&monitors_doc::doc(r)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_over_the_end_of_dst_has_one_25_hour_day() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 4).unwrap();
        let days = week_days(chrono_tz::America::New_York, date);
        let hours: Vec<i64> = days.iter().map(|d| (d.2 - d.1) / 3600).collect();
        assert_eq!(days[4].0.to_string(), "2026-11-01");
        assert_eq!(
            hours,
            [24, 24, 24, 24, 25, 24, 24],
            "2026-11-01 has 25 hours"
        );
        assert!(
            days.windows(2).all(|w| w[0].2 == w[1].1),
            "no gap, no overlap"
        );
    }
}
