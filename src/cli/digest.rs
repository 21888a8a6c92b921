use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::TimeZone;

use crate::config::Settings;
use crate::digest::{self, slack, Calendar, Format, Lang, Mode, Window, WindowSpec};
use crate::store::Store;
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
}

/// The team's windows, from the config file.
pub(crate) fn spec(settings: &Settings, tz: chrono_tz::Tz) -> Result<WindowSpec, InputError> {
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
        meeting_time: digest::parse_meeting_time(f.meeting_time.as_deref().unwrap_or("09:30"))?,
        calendar: Calendar {
            japanese: f.holidays.as_deref() != Some("none"),
            extra,
        },
    })
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

pub(crate) fn configured_lang(settings: &Settings) -> Result<Lang, InputError> {
    Ok(settings
        .file
        .lang
        .as_deref()
        .map(Lang::parse)
        .transpose()?
        .unwrap_or(Lang::En))
}

pub async fn run(db: &Path, settings: &Settings, args: DigestArgs) -> anyhow::Result<()> {
    let tz = match &args.tz {
        Some(name) => parse_zone(name).map_err(|e| anyhow::anyhow!("--tz: {e}"))?,
        None => settings.timezone,
    };
    let lang = match args.lang {
        Some(l) => l,
        None => settings
            .file
            .lang
            .as_deref()
            .map(Lang::parse)
            .transpose()?
            .unwrap_or(Lang::En),
    };
    let spec = spec(settings, tz)?;
    let now = chrono::Utc::now().timestamp();
    let window = window(&args, &spec, now)?;
    if !db.exists() {
        anyhow::bail!(
            "no database at {}: run `asakai poll` first (or pass --db)",
            db.display()
        );
    }
    warn_if_future(&window, now);
    let store = Store::open(db).await?;
    let mut input = store
        .digest_input_at(&window, &spec.previous(&window), now)
        .await?;
    input.off_day = window.meeting.and_then(|d| spec.calendar.off_day(d));
    let digest = digest::build(&input, &window, now);
    let templates = settings.file.templates_dir.as_deref();
    if args.post {
        post(
            &store, settings, &digest, &window, lang, templates, args.force,
        )
        .await?;
        if args.output.is_none() {
            return Ok(());
        }
    }
    let text = digest::render(&digest, &window, args.format, lang, templates)?;
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}

async fn post(
    store: &Store,
    settings: &Settings,
    digest: &digest::Digest,
    window: &Window,
    lang: Lang,
    templates: Option<&Path>,
    force: bool,
) -> anyhow::Result<()> {
    let url = settings
        .file
        .slack_webhook_url
        .as_deref()
        .ok_or(slack::PostError::NoWebhook)?;
    if let Some(at) = store.delivered(window, "slack").await? {
        if !force {
            anyhow::bail!(
                "the digest for this window was already posted to Slack at {}; add --force to post it again",
                crate::alert::rfc3339(at)
            );
        }
    }
    let body: serde_json::Value = serde_json::from_str(&digest::render(
        digest,
        window,
        Format::Slack,
        lang,
        templates,
    )?)?;
    slack::post(url, &body, Duration::from_millis(500)).await?;
    store
        .record_delivery(window, "slack", chrono::Utc::now().timestamp())
        .await?;
    eprintln!("digest posted to Slack");
    Ok(())
}
