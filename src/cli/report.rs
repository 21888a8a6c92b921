//! `asakai report`: the weekly report and the monitor hygiene report.

use std::path::Path;

use chrono::TimeZone;

use super::review::open;
use crate::config::Settings;
use crate::digest::Lang;
use crate::report::{self, Format};
use crate::timefmt::{parse_date, parse_zone};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// The weekly report for the department meeting: the seven days before --date.
    Week(WeekArgs),
}

#[derive(Debug, clap::Args)]
pub struct WeekArgs {
    /// The report covers the seven days before this date, YYYY-MM-DD [default: today].
    #[arg(long)]
    pub date: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// Language of the labels (default: [digest] lang, else en).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// The team's time zone (default: [digest] timezone, else the system zone).
    #[arg(long)]
    pub tz: Option<String>,
}

pub async fn run(db: &Path, settings: &Settings, args: ReportArgs) -> anyhow::Result<()> {
    match args.command {
        ReportCommand::Week(a) => week(db, settings, a).await,
    }
}

fn zone(settings: &Settings, tz: &Option<String>) -> anyhow::Result<chrono_tz::Tz> {
    Ok(match tz {
        Some(name) => parse_zone(name).map_err(|e| anyhow::anyhow!("--tz: {e}"))?,
        None => settings.timezone,
    })
}

async fn week(db: &Path, settings: &Settings, args: WeekArgs) -> anyhow::Result<()> {
    let tz = zone(settings, &args.tz)?;
    let lang = match args.lang {
        Some(l) => l,
        None => super::digest::configured_lang(settings)?,
    };
    let date = match &args.date {
        Some(d) => parse_date(d).map_err(|e| anyhow::anyhow!("--date: {e}"))?,
        None => tz
            .timestamp_opt(chrono::Utc::now().timestamp(), 0)
            .unwrap()
            .date_naive(),
    };
    let store = open(db).await?;
    let input = report::load_week(&store, tz, date).await?;
    store.close().await;
    print!(
        "{}",
        report::render_week(&report::week::build(&input), args.format, lang)
    );
    Ok(())
}
