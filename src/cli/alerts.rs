use crate::alert::State;
use crate::config::Settings;
use crate::lookup::{self, Format};
use crate::review::Annotations;
use crate::store::{AlertFilter, Location, Store};
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
    /// List the oldest first (default: newest first).
    #[arg(long)]
    pub oldest_first: bool,
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

/// Rows read from the store at a time: memory stays flat however long the listing.
const CHUNK: u32 = 5_000;

pub async fn run(db: &Location, settings: &Settings, args: AlertsArgs) -> anyhow::Result<()> {
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
        limit: None,
        before: None,
        oldest_first: args.oldest_first,
    };
    let args_oldest = filter.oldest_first;
    let store = Store::open_reader(db).await?;
    let now = chrono::Utc::now().timestamp();
    let limit = (args.limit > 0).then_some(args.limit as u64);
    let written = match list(&store, filter, limit, args.format, tz, now).await {
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if is_broken_pipe(&e) => return Ok(()),
        other => other?,
    };
    if limit.is_some_and(|l| written == l) {
        let which = if args_oldest { "oldest" } else { "newest" };
        eprintln!("(showing the {which} {written}; --limit 0 shows all)");
    }
    store.close().await;
    Ok(())
}

/// Writes the matching alerts a chunk at a time, newest first; returns how many.
async fn list(
    store: &Store,
    mut filter: AlertFilter,
    limit: Option<u64>,
    format: Format,
    tz: chrono_tz::Tz,
    now: i64,
) -> anyhow::Result<u64> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // Reviews and tasks are few (people write them): loaded once for the whole listing.
    let notes = match format {
        Format::Json => Annotations::load(store).await?,
        _ => Annotations::default(),
    };
    let mut listing = lookup::Listing::start(&mut out, format, tz, now)?.with_notes(&notes);
    let mut written: u64 = 0;
    let mut want = limit.map_or(CHUNK as u64, |l| l.min(CHUNK as u64));
    filter.limit = Some(want as u32);
    // The next chunk is read while this one is written: SQLite on one core, the
    // formatting on the other.
    let mut next = (want > 0).then(|| fetch(store, filter.clone()));
    while let Some(pending) = next.take() {
        let chunk = pending.await??;
        written += chunk.len() as u64;
        if let Some(last) = chunk.last().filter(|_| chunk.len() as u64 == want) {
            want = limit.map_or(CHUNK as u64, |l| (l - written).min(CHUNK as u64));
            filter.before = Some((last.opened_at, last.id.clone()));
            filter.limit = Some(want as u32);
            next = (want > 0).then(|| fetch(store, filter.clone()));
        }
        listing.rows(&chunk)?;
    }
    listing.finish()?;
    Ok(written)
}

fn fetch(
    store: &Store,
    filter: AlertFilter,
) -> tokio::task::JoinHandle<Result<Vec<crate::store::StoredAlert>, crate::store::StoreError>> {
    let store = store.clone();
    tokio::spawn(async move { store.find_alerts(&filter).await })
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
