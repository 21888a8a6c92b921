use std::path::Path;

use crate::alert::State;
use crate::config::Settings;
use crate::lookup::{self, Format};
use crate::review::Annotations;
use crate::store::{AlertFilter, Store};
use crate::timefmt::{parse_time, parse_zone};

#[derive(Debug, clap::Args)]
pub struct AlertsArgs {
    /// Only alerts of this service (repeat for several; "(no service)" for none).
    #[arg(long = "service")]
    pub services: Vec<String>,
    /// Monitor id, or part of its name.
    #[arg(long)]
    pub monitor: Option<String>,
    /// Host id, or part of its name.
    #[arg(long)]
    pub host: Option<String>,
    /// open, recovered, closed_manually or closed_by_system (as of now).
    #[arg(long, value_parser = parse_state)]
    pub state: Option<State>,
    /// CRITICAL, WARNING or UNKNOWN: the highest severity the alert had.
    #[arg(long, value_parser = parse_severity)]
    pub severity: Option<String>,
    /// Opened at or after this time (RFC 3339 or YYYY-MM-DD in the configured zone).
    #[arg(long)]
    pub from: Option<String>,
    /// Opened before this time.
    #[arg(long)]
    pub to: Option<String>,
    /// Text in the monitor, host, message or reason.
    #[arg(long)]
    pub search: Option<String>,
    /// Most alerts to print (0: all).
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// The zone for dates and the table (default: [digest] timezone, else the system zone).
    #[arg(long)]
    pub tz: Option<String>,
}

fn parse_state(s: &str) -> Result<State, String> {
    State::parse(s).ok_or_else(|| {
        format!("{s:?} is not a state; use open, recovered, closed_manually or closed_by_system")
    })
}

fn parse_severity(s: &str) -> Result<String, String> {
    let up = s.to_ascii_uppercase();
    match up.as_str() {
        "CRITICAL" | "WARNING" | "UNKNOWN" => Ok(up),
        _ => Err(format!(
            "{s:?} is not a severity; use CRITICAL, WARNING or UNKNOWN"
        )),
    }
}

pub async fn run(db: &Path, settings: &Settings, args: AlertsArgs) -> anyhow::Result<()> {
    let tz = match &args.tz {
        Some(name) => parse_zone(name)?,
        None => settings.timezone,
    };
    let bound = |t: &Option<String>, flag: &str| -> anyhow::Result<Option<i64>> {
        t.as_deref()
            .map(|t| parse_time(t, tz).map_err(|e| anyhow::anyhow!("{flag}: {e}")))
            .transpose()
    };
    let filter = AlertFilter {
        services: args.services,
        monitor: args.monitor,
        host: args.host,
        state: args.state,
        severity: args.severity,
        from: bound(&args.from, "--from")?,
        to: bound(&args.to, "--to")?,
        search: args.search,
        limit: (args.limit > 0).then_some(args.limit),
    };
    if !db.exists() {
        anyhow::bail!(
            "no database at {}: run `asakai poll` first (or pass --db)",
            db.display()
        );
    }
    let store = Store::open(db).await?;
    let alerts = store.find_alerts(&filter).await?;
    let now = chrono::Utc::now().timestamp();
    let mut out = std::io::stdout().lock();
    let notes = match args.format {
        Format::Json => Annotations::load(&store).await?,
        _ => Annotations::default(),
    };
    lookup::write_with(&mut out, &alerts, args.format, tz, now, &notes)?;
    if filter.limit.is_some_and(|l| alerts.len() as u32 == l) {
        eprintln!("(showing the newest {}; --limit 0 shows all)", alerts.len());
    }
    store.close().await;
    Ok(())
}
