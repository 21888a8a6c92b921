//! `asakai report`: the weekly report and the monitor hygiene report.

use crate::store::Location;

use chrono::TimeZone;

use super::review::open;
use crate::config::Settings;
use crate::digest::Lang;
use crate::mackerel::Client;
use crate::report::{self, thresholds, Format, MonitorsFormat};
use crate::timefmt::{parse_date, parse_since, parse_zone};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// The weekly report for the department meeting: the seven days before --date.
    Week(WeekArgs),
    /// Which monitors waste the team's mornings: no-action shares, durations,
    /// flapping, suggestions, and a threshold what-if.
    Monitors(MonitorsArgs),
}

#[derive(Debug, clap::Args)]
pub struct MonitorsArgs {
    /// How far back: a duration (30d) or a date (YYYY-MM-DD).
    #[arg(long, default_value = "30d")]
    pub since: String,
    #[arg(long, value_enum, default_value_t = MonitorsFormat::Table)]
    pub format: MonitorsFormat,
    /// The team's time zone, for flapping days (default: [digest] timezone).
    #[arg(long)]
    pub tz: Option<String>,
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
    /// Post it to Slack (SLACK_WEBHOOK_URL or [slack] webhook_url), once per week.
    #[arg(long)]
    pub post: bool,
    /// Post even if this week's report was already posted.
    #[arg(long, requires = "post")]
    pub force: bool,
    /// The report of one team ([[team]] name): its services, language and Slack
    /// webhook [default: every service].
    #[arg(long)]
    pub team: Option<String>,
}

pub async fn run(db: &Location, settings: &Settings, args: ReportArgs) -> anyhow::Result<()> {
    match args.command {
        ReportCommand::Week(a) => week(db, settings, a).await,
        ReportCommand::Monitors(a) => monitors(db, settings, a).await,
    }
}

fn zone(settings: &Settings, tz: &Option<String>) -> anyhow::Result<chrono_tz::Tz> {
    Ok(match tz {
        Some(name) => parse_zone(name).map_err(|e| anyhow::anyhow!("--tz: {e}"))?,
        None => settings.timezone,
    })
}

async fn week(db: &Location, settings: &Settings, args: WeekArgs) -> anyhow::Result<()> {
    let tz = zone(settings, &args.tz)?;
    let team = match &args.team {
        Some(name) => Some(
            crate::teams::find(&settings.teams, name)
                .map_err(|e| anyhow::anyhow!("--team: {e}"))?,
        ),
        None => None,
    };
    let lang = match (args.lang, team) {
        (Some(l), _) => l,
        (None, Some(t)) => t.lang,
        (None, None) => crate::digest::meeting::configured_lang(settings),
    };
    let date = match &args.date {
        Some(d) => parse_date(d).map_err(|e| anyhow::anyhow!("--date: {e}"))?,
        None => tz
            .timestamp_opt(chrono::Utc::now().timestamp(), 0)
            .unwrap()
            .date_naive(),
    };
    if args.post {
        let poster = match (team, settings.teams.as_slice()) {
            (Some(t), _) => t,
            (None, [only]) => only,
            (None, _) => anyhow::bail!(
                "--post: several teams are configured; say which one posts with --team NAME"
            ),
        };
        let store = crate::store::Store::open(db).await?;
        let delivered =
            report::deliver::post_week(&store, settings, tz, date, lang, args.force, poster)
                .await?;
        store.close().await;
        match delivered {
            crate::slack::webhook::Delivered::AlreadySent(at) => eprintln!(
                "this week's report was already posted to Slack at {}; nothing was sent \
                 (add --force to post it again)",
                crate::alert::rfc3339(at)
            ),
            _ => eprintln!("weekly report posted to Slack"),
        }
        return Ok(());
    }
    let store = open(db).await?;
    let scope = team.and_then(|t| t.scope.as_ref());
    let input = report::load_team_week(&store, tz, date, scope).await?;
    store.close().await;
    print!(
        "{}",
        report::render_week(&report::week::build(&input), args.format, lang)
    );
    Ok(())
}

async fn monitors(db: &Location, settings: &Settings, args: MonitorsArgs) -> anyhow::Result<()> {
    let tz = zone(settings, &args.tz)?;
    let now = chrono::Utc::now().timestamp();
    let since = parse_since(&args.since, now, tz)?;
    let store = open(db).await?;
    let from = current_thresholds(&store, settings, now).await;
    let input = report::load_monitors(&store, tz, since, now, from).await?;
    store.close().await;
    let r = report::monitors::build(&input);
    print!("{}", report::render_monitors(&r, args.format));
    Ok(())
}

/// The what-if wants the monitors' current thresholds: with an API key they are
/// read now (one request); without one, or when that fails, the stored ones serve.
async fn current_thresholds(
    store: &crate::store::Store,
    settings: &Settings,
    now: i64,
) -> &'static str {
    if !settings.has_api_key() {
        return "stored";
    }
    let read = async {
        let client = Client::new(settings.client_config()?)?;
        Ok::<_, anyhow::Error>(thresholds::refresh(store, &client, now).await?)
    };
    match read.await {
        Ok(_) => "mackerel",
        Err(e) => {
            eprintln!("warning: could not read the monitors' thresholds from Mackerel ({e:#}); using the stored ones");
            "stored"
        }
    }
}
