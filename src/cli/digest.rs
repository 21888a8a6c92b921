use std::path::PathBuf;

use chrono::TimeZone;

use crate::config::Settings;
use crate::digest::{self, meeting, Format, Lang, Window, WindowSpec};
use crate::slack::webhook::Delivered;
use crate::store::{Location, Store};
use crate::teams;
use crate::timefmt::{parse_date, parse_time, parse_zone, InputError};

#[derive(Debug, clap::Args)]
pub struct DigestArgs {
    /// The meeting date, YYYY-MM-DD (default: today in the team's zone).
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub date: Option<String>,
    /// Start of an explicit window (RFC 3339 or YYYY-MM-DD), with --to.
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// End of an explicit window, with --from.
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// The team's time zone (default: [digest] timezone, else the system zone).
    #[arg(long)]
    pub tz: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// Language of the labels (default: [digest] lang, else en).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// Write to this file instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Post the Slack rendering to the incoming webhook (SLACK_WEBHOOK_URL or [slack] webhook_url).
    #[arg(long)]
    pub post: bool,
    /// Post even if this window was already posted.
    #[arg(long, requires = "post")]
    pub force: bool,
    /// The digest of one team ([[team]] name): its services, language and Slack
    /// destination [default: every service].
    #[arg(long)]
    pub team: Option<String>,
}

fn window(args: &DigestArgs, spec: &WindowSpec, now: i64) -> Result<Window, InputError> {
    if let (Some(from), Some(to)) = (&args.from, &args.to) {
        let (start, end) = (parse_time(from, spec.tz)?, parse_time(to, spec.tz)?);
        if start >= end {
            return Err(InputError(format!("--from {from} is not before --to {to}")));
        }
        return Ok(Window {
            start,
            end,
            tz: spec.tz,
            meeting: None,
        });
    }
    let date = match &args.date {
        Some(d) => parse_date(d).map_err(|e| InputError(format!("--date: {e}")))?,
        None => spec.tz.timestamp_opt(now, 0).unwrap().date_naive(),
    };
    Ok(spec.for_meeting(date))
}

/// A window that has not ended yet is allowed (a check of today so far), but said
/// loudly: its counts are as of now, not of the window's end.
fn warn_if_future(window: &Window, now: i64) {
    if window.end > now {
        eprintln!(
            "warning: this window ends {}, in the future; the digest shows alerts as of now",
            window.local(window.end).format("%Y-%m-%d %H:%M %Z")
        );
    }
}

pub async fn run(db: &Location, settings: &Settings, args: DigestArgs) -> anyhow::Result<()> {
    let tz = match &args.tz {
        Some(name) => parse_zone(name).map_err(|e| anyhow::anyhow!("--tz: {e}"))?,
        None => settings.timezone,
    };
    let team = match &args.team {
        Some(name) => {
            Some(teams::find(&settings.teams, name).map_err(|e| anyhow::anyhow!("--team: {e}"))?)
        }
        None => None,
    };
    // A post goes to a team: the one there is, or the one named.
    let poster = match (team, settings.teams.as_slice()) {
        (Some(t), _) => Some(t),
        (None, [only]) => Some(only),
        (None, _) => None,
    };
    if args.post && poster.is_none() {
        anyhow::bail!("--post: several teams are configured; say which one posts with --team NAME");
    }
    let lang = match (args.lang, team) {
        (Some(l), _) => l,
        (None, Some(t)) => t.lang,
        (None, None) => meeting::configured_lang(settings),
    };
    let spec = meeting::spec(settings, tz);
    let now = chrono::Utc::now().timestamp();
    let window = window(&args, &spec, now)?;
    if db.file().is_some_and(|f| !f.exists()) {
        return Err(crate::store::StoreError::Missing(db.clone()).into());
    }
    warn_if_future(&window, now);
    // Only a post writes (its delivery record); a plain digest reads, also a read-only file.
    let store = if args.post {
        Store::open(db).await?
    } else {
        Store::open_reader(db).await?
    };
    if team.is_some() {
        teams::check_services(&settings.teams, &store.service_names().await?)
            .map_err(|e| anyhow::anyhow!("config: {e}"))?;
    }
    let scope = team.and_then(|t| t.scope.as_ref());
    let digest = meeting::team_digest_of(&store, &spec, &window, now, scope).await?;
    let templates = settings.file.templates_dir.as_deref();
    if let (true, Some(team)) = (args.post, poster) {
        let delivered =
            meeting::post_to_slack(&store, settings, &digest, &window, lang, args.force, team)
                .await?;
        say_delivered(delivered);
        if args.output.is_none() {
            return Ok(());
        }
    }
    // The HTML file is self-contained: its alerts' graphs are drawn into it.
    let graphs = match args.format {
        Format::Html => crate::graphs::for_digest(&store, &digest, tz, lang).await?,
        _ => digest::Graphs::new(),
    };
    let text = digest::render_with_graphs(&digest, &window, args.format, lang, templates, &graphs)?;
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    // The process ends here: freeing a heavy day's alerts one by one would cost
    // a tenth of its digest (80 ms for 60,000), for memory the exit frees at once.
    std::mem::forget(digest);
    Ok(())
}

fn say_delivered(delivered: Delivered) {
    match delivered {
        Delivered::Sent => eprintln!("digest posted to Slack"),
        Delivered::SentUnrecorded => eprintln!(
            "digest posted to Slack; the database was too busy to record it, so this window \
             stays claimed and will not be posted again without --force"
        ),
        Delivered::AlreadySent(at) => eprintln!(
            "the digest for this window was already posted to Slack at {}; nothing was sent \
             (add --force to post it again)",
            crate::alert::rfc3339(at)
        ),
    }
}
