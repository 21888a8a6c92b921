use std::path::Path;

use crate::config::Settings;
use crate::mackerel::Client;
use crate::store::Store;
use crate::sync::run_pass;
use crate::timefmt::parse_since;

#[derive(Debug, clap::Args)]
pub struct PollArgs {
    /// How far back to read alerts: a duration (7d, 12h) or a time (2026-11-01, RFC 3339).
    /// Default: since the last pass, or [sync] backfill on the first one.
    #[arg(long)]
    pub since: Option<String>,
}

pub async fn run(db: &Path, settings: &Settings, args: PollArgs) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp();
    let mut opts = settings.sync.clone();
    if let Some(since) = &args.since {
        opts.since = Some(parse_since(since, now, settings.timezone)?);
    }
    let client = Client::new(settings.client_config()?)?;
    let store = Store::open(db).await?;
    let summary = run_pass(&client, &store, &opts, now).await?;
    let total = store.count_alerts().await?;
    eprintln!("poll: {summary}; {total} alerts stored in {}", db.display());
    store.close().await;
    Ok(())
}
