//! `asakai review`: record outcomes (by id or for a monitor group of a meeting),
//! or list a meeting's alerts that have none yet.

use chrono::TimeZone;

use crate::config::Settings;
use crate::digest::Window;
use crate::lookup::{self, Format};
use crate::review::{self, Annotations, Outcome, Recorded};
use crate::store::{Location, Store};
use crate::timefmt::{parse_date, parse_zone};

#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// The alerts to record the outcome of.
    #[arg(value_name = "ALERT_ID", conflicts_with_all = ["pending", "monitor"])]
    pub ids: Vec<String>,
    /// fixed, follow_up, expected, noise or false_alarm.
    #[arg(long, value_parser = Outcome::parse, conflicts_with = "pending")]
    pub outcome: Option<Outcome>,
    /// Why (kept with the outcome; a review without a note keeps none).
    #[arg(long, conflicts_with = "pending")]
    pub note: Option<String>,
    /// Who reviewed [default: $USER].
    #[arg(long, conflicts_with = "pending")]
    pub by: Option<String>,
    /// List the alerts of a meeting's window that have no outcome yet.
    #[arg(long)]
    pub pending: bool,
    /// Review every alert of this monitor (id or name) in the meeting's window.
    #[arg(long)]
    pub monitor: Option<String>,
    /// With --monitor: only the alerts on this host (id or name).
    #[arg(long, requires = "monitor")]
    pub host: Option<String>,
    /// The meeting, YYYY-MM-DD, for --pending and --monitor [default: today].
    #[arg(long)]
    pub date: Option<String>,
    /// The team's time zone (default: [digest] timezone, else the system zone).
    #[arg(long)]
    pub tz: Option<String>,
    /// With --pending: only the alerts of this team's services ([[team]] name).
    #[arg(long, requires = "pending")]
    pub team: Option<String>,
    /// table or json (json: the alert objects for --pending, `{"reviews":[...]}` otherwise).
    #[arg(long, value_enum, default_value_t = ReviewFormat::Table)]
    pub format: ReviewFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReviewFormat {
    Table,
    Json,
}

pub async fn run(db: &Location, settings: &Settings, args: ReviewArgs) -> anyhow::Result<()> {
    if args.date.is_some() && !(args.pending || args.monitor.is_some()) {
        anyhow::bail!("--date picks a meeting for --pending or --monitor; alert ids need none");
    }
    let store = open(db).await?;
    let tz = match &args.tz {
        Some(name) => parse_zone(name).map_err(|e| anyhow::anyhow!("--tz: {e}"))?,
        None => settings.timezone,
    };
    let now = chrono::Utc::now().timestamp();
    if args.pending {
        let window = meeting(settings, tz, args.date.as_deref(), now)?;
        let format = match args.format {
            ReviewFormat::Table => Format::Table,
            ReviewFormat::Json => Format::Json,
        };
        let team = match &args.team {
            Some(name) => Some(
                crate::teams::find(&settings.teams, name)
                    .map_err(|e| anyhow::anyhow!("--team: {e}"))?,
            ),
            None => None,
        };
        let scope = team.and_then(|t| t.scope.as_ref());
        return print_pending(&store, &window, format, tz, now, scope).await;
    }
    let Some(outcome) = args.outcome else {
        anyhow::bail!("give --outcome (fixed, follow_up, expected, noise or false_alarm), or --pending to list what is left");
    };
    let ids = targets(&store, settings, &args, tz, now).await?;
    let by = args.by.clone().or_else(current_user);
    let note = args.note.as_deref();
    let recorded = review::record(&store, &ids, outcome, note, by.as_deref(), now).await?;
    store.close().await;
    if args.format == ReviewFormat::Json {
        let reviews: Vec<Recorded> = recorded.into_iter().map(Recorded::from).collect();
        let body = serde_json::json!({ "reviews": reviews });
        println!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        eprintln!(
            "recorded {} for {} alert(s)",
            outcome.as_str(),
            recorded.len()
        );
    }
    Ok(())
}

/// The alerts to review: the ids given, or the monitor group of a meeting.
async fn targets(
    store: &Store,
    settings: &Settings,
    args: &ReviewArgs,
    tz: chrono_tz::Tz,
    now: i64,
) -> anyhow::Result<Vec<String>> {
    match &args.monitor {
        Some(monitor) => {
            let window = meeting(settings, tz, args.date.as_deref(), now)?;
            let host = args.host.as_deref();
            Ok(review::group_ids(store, &window, monitor, host).await?)
        }
        None if args.ids.is_empty() => {
            anyhow::bail!("name the alerts to review (ALERT_ID...), or a group with --monitor")
        }
        None => Ok(args.ids.clone()),
    }
}

/// The reviewer when `--by` is not given.
pub(crate) fn current_user() -> Option<String> {
    std::env::var("USER").ok().filter(|u| !u.trim().is_empty())
}

pub(crate) async fn open(db: &Location) -> anyhow::Result<Store> {
    if db.file().is_some_and(|f| !f.exists()) {
        anyhow::bail!(
            "no database at {}: run `asakai poll` first (or pass --db)",
            db
        );
    }
    Ok(Store::open(db).await?)
}

/// The window of the meeting on `date` (default: today in `tz`), as the digest cuts it.
fn meeting(
    settings: &Settings,
    tz: chrono_tz::Tz,
    date: Option<&str>,
    now: i64,
) -> anyhow::Result<Window> {
    let spec = crate::digest::meeting::spec(settings, tz);
    let date = match date {
        Some(d) => parse_date(d).map_err(|e| anyhow::anyhow!("--date: {e}"))?,
        None => tz.timestamp_opt(now, 0).unwrap().date_naive(),
    };
    Ok(spec.for_meeting(date))
}

async fn print_pending(
    store: &Store,
    window: &Window,
    format: Format,
    tz: chrono_tz::Tz,
    now: i64,
    scope: Option<&crate::teams::Scope>,
) -> anyhow::Result<()> {
    let mut alerts = review::pending(store, window).await?;
    if let Some(scope) = scope {
        // The team's alerts; each keeps all its services in the listing.
        alerts.retain(|a| scope.keeps(&a.services).is_some());
    }
    let notes = Annotations::load(store).await?;
    let mut out = std::io::stdout().lock();
    lookup::write_with(&mut out, &alerts, format, tz, now, &notes)?;
    eprintln!(
        "{} alert(s) without an outcome in {} to {}",
        alerts.len(),
        window.local(window.start).to_rfc3339(),
        window.local(window.end).to_rfc3339()
    );
    Ok(())
}
