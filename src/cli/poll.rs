use crate::config::Settings;
use crate::mackerel::Client;
use crate::store::{Location, Store};
use crate::sync::{run_pass, SyncError};
use crate::timefmt::parse_since;

#[derive(Debug, clap::Args)]
pub struct PollArgs {
    /// Read alerts back at least this far: a duration (7d, 12h) or a time (2026-11-01,
    /// RFC 3339). Default: since the last pass, or [sync] backfill on the first one.
    #[arg(long)]
    pub since: Option<String>,
}

pub async fn run(db: &Location, settings: &Settings, args: PollArgs) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp();
    let mut opts = settings.sync.clone();
    if let Some(since) = &args.since {
        let at = parse_since(since, now, settings.timezone)?;
        if at > now {
            return Err(SyncError::FutureSince(since.clone()).into());
        }
        opts.since = Some(at);
    }
    let client = Client::new(settings.client_config()?)?;
    let store = Store::open(db).await?;
    let result = run_pass(&client, &store, &opts, now).await;
    let total = store.count_alerts().await?;
    store.close().await;
    match result {
        Ok(summary) => {
            eprintln!("poll: {summary}; {total} alerts stored in {}", db);
            Ok(())
        }
        // What the pass wrote before Mackerel failed stays: say so, so nobody starts over.
        Err(e @ SyncError::Mackerel(_)) => Err(anyhow::anyhow!(
            "{e}\n{total} alerts are stored in {}; what this pass read before it stopped is kept, \
             and the next `asakai poll` resumes from there",
            db
        )),
        // The store refused a write: the batch that failed, and what came after, is not
        // kept, and on a read-only file or a full disk that may be all of it.
        Err(e @ SyncError::Store(_)) => Err(anyhow::anyhow!(
            "{e}\nthis pass could not write to {}; {total} alerts are stored there. Fix what \
             stopped the write (a read-only file, a full disk?) and run `asakai poll` again: it \
             resumes after the last batch that was written",
            db
        )),
        Err(e) => Err(e.into()),
    }
}
