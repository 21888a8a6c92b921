//! Steps 2 and 3 of a pass: the alert lists. Mackerel lists alerts newest first with
//! no time filter, so "read back to a time" means paging down until a page reaches it.
//!
//! A read of the list with closed alerts is remembered in the store while it runs:
//! how far back it must reach (its horizon), the `nextId` it resumes from, and the
//! newest alert it saw. A pass killed mid-read leaves that behind, and the next pass
//! finishes it before anything else. The high-water mark moves only when a read is
//! complete, to the newest alert that read saw.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::checkpoint::Pass;
use super::{Progress, Stage, SyncError};
use crate::mackerel::{Alert, AlertPage, AlertStatus, Client, MackerelError, RecordError};
use crate::store::{StateChange, StateKey};

/// Alerts are written every this many, or after `BATCH_TIME` of reading, whichever
/// comes first: a kill loses little, and from a fast source fewer, larger
/// transactions write each index page fewer times (500 a batch made a backfill 40%
/// slower).
const BATCH: usize = 5_000;
const BATCH_TIME: Duration = Duration::from_millis(250);
/// Pages of the closed list fetched ahead of the writer: a batch's worth, so
/// fetching the next batch overlaps writing this one.
const PAGES_AHEAD: usize = 50;

/// An unfinished read of the list with closed alerts, from the top down to `horizon`.
#[derive(Debug, Clone, PartialEq)]
struct ListRead {
    horizon: i64,
    cursor: Option<String>,
    top: Option<i64>,
}

impl ListRead {
    async fn load(pass: &Pass<'_>) -> Result<Option<ListRead>, SyncError> {
        let store = pass.store;
        let Some(horizon) = store.state_time(StateKey::BackfillHorizon).await? else {
            return Ok(None);
        };
        Ok(Some(ListRead {
            horizon,
            cursor: store.state(StateKey::BackfillCursor).await?,
            top: store.state_time(StateKey::BackfillTop).await?,
        }))
    }

    /// What the store must hold for this read to resume.
    fn remember(&self) -> Vec<StateChange> {
        let mut r = vec![StateChange::Set(
            StateKey::BackfillHorizon,
            self.horizon.to_string(),
        )];
        r.push(match &self.cursor {
            Some(c) => StateChange::Set(StateKey::BackfillCursor, c.clone()),
            None => StateChange::Clear(StateKey::BackfillCursor),
        });
        r.push(match self.top {
            Some(t) => StateChange::Set(StateKey::BackfillTop, t.to_string()),
            None => StateChange::Clear(StateKey::BackfillTop),
        });
        r
    }

    /// Done: forget the read, and move the mark to the newest alert it saw. A read
    /// that reached back `deep_window` before `now` is remembered as a deep read.
    fn complete(&self, mark: Option<i64>, pass: &Pass<'_>) -> Vec<StateChange> {
        let newest = [mark, self.top, Some(self.horizon)]
            .into_iter()
            .flatten()
            .max();
        let mut r = vec![
            StateChange::Clear(StateKey::BackfillHorizon),
            StateChange::Clear(StateKey::BackfillCursor),
            StateChange::Clear(StateKey::BackfillTop),
        ];
        if let Some(m) = newest {
            r.push(StateChange::Set(StateKey::HighWaterMark, m.to_string()));
        }
        if self.horizon <= deep_horizon(pass) {
            r.push(StateChange::Set(StateKey::DeepReadAt, pass.now.to_string()));
        }
        r
    }
}

/// Steps 2 and 3: an unfinished read first, then every open alert, then the list with
/// closed alerts from the top down to the mark (less the overlap) or `--since`, or
/// back `deep_window` when a deep read is due.
pub(super) async fn read_alerts(pass: &mut Pass<'_>) -> Result<(), SyncError> {
    let mut read = Reader::default();
    let since = pass.opts.since;
    if let Some(mut unfinished) = ListRead::load(pass).await? {
        // `--since` further back than the unfinished read extends it.
        if let Some(s) = since.filter(|s| *s < unfinished.horizon) {
            unfinished.horizon = s;
        }
        read.closed_list(pass, unfinished).await?;
    }
    read.open_list(pass).await?;
    let mark = pass.store.state_time(StateKey::HighWaterMark).await?;
    let overlap = pass.opts.overlap.as_secs() as i64;
    let horizon = match (mark, since) {
        (Some(m), Some(s)) => s.min(m - overlap),
        (Some(m), None) => m - overlap,
        (None, Some(s)) => s,
        (None, None) => pass.now - pass.opts.backfill.as_secs() as i64,
    };
    let fresh = ListRead {
        horizon: if deep_read_due(pass).await? {
            horizon.min(deep_horizon(pass))
        } else {
            horizon
        },
        cursor: None,
        top: None,
    };
    // Remembered before the first page: a `--since` killed at once is still finished later.
    pass.write(Vec::new(), Vec::new(), fresh.remember()).await?;
    read.closed_list(pass, fresh).await
}

/// How far back a deep read reaches.
fn deep_horizon(pass: &Pass<'_>) -> i64 {
    pass.now - pass.opts.deep_window.as_secs() as i64
}

/// Whether this pass reads back `deep_window`: none was done yet, or the last is
/// `deep_every` old. Between them a pass costs its two requests; a deep read costs a
/// page per hundred alerts of the window and writes only what changed.
async fn deep_read_due(pass: &Pass<'_>) -> Result<bool, SyncError> {
    let last = pass.store.state_time(StateKey::DeepReadAt).await?;
    let every = pass.opts.deep_every.as_secs() as i64;
    Ok(last.is_none_or(|at| pass.now - at >= every))
}

/// Counts for the progress bar, and the batch not yet written.
struct Reader {
    read: u64,
    batch: Vec<Alert>,
    /// When the oldest alert of `batch` was read.
    since: Instant,
}

impl Default for Reader {
    fn default() -> Self {
        Reader {
            read: 0,
            batch: Vec::new(),
            since: Instant::now(),
        }
    }
}

impl Reader {
    /// Whether the batch is due to be written.
    fn full(&self) -> bool {
        self.batch.len() >= BATCH || self.since.elapsed() >= BATCH_TIME
    }

    /// Writes the batch with `remember`; the next batch's time starts when this one is
    /// written, so pages fetched meanwhile fill it rather than cut it short.
    async fn write(
        &mut self,
        pass: &mut Pass<'_>,
        remember: Vec<StateChange>,
    ) -> Result<(), SyncError> {
        let batch = std::mem::take(&mut self.batch);
        pass.write(batch, Vec::new(), remember).await?;
        self.since = Instant::now();
        Ok(())
    }

    /// Keeps the alerts of a page that parse; counts and logs the others.
    fn take(&mut self, pass: &mut Pass<'_>, records: Vec<Result<Alert, RecordError>>) -> Vec<i64> {
        self.read += records.len() as u64;
        let mut opened = Vec::with_capacity(records.len());
        for record in records {
            match record {
                Ok(alert) => {
                    opened.push(alert.opened_at);
                    if alert.status != AlertStatus::Ok && alert.closed_at.is_none() {
                        pass.seen_open.insert(alert.id.clone());
                    }
                    self.batch.push(alert);
                }
                Err(e) => {
                    tracing::warn!(alert = %e.id, reason = %e.reason, "skipping an alert that does not parse");
                    pass.summary.skipped += 1;
                }
            }
        }
        if let Some(&oldest) = opened.iter().min() {
            let stage = Stage::Alerts {
                read: self.read,
                oldest,
            };
            Progress::report(&pass.opts.progress, stage);
        }
        opened
    }

    /// Step 2: every open alert, all pages.
    async fn open_list(&mut self, pass: &mut Pass<'_>) -> Result<(), SyncError> {
        let mut next: Option<String> = None;
        loop {
            let page = pass.client.alerts_page(false, next.as_deref()).await?;
            self.take(pass, page.alerts);
            next = page.next_id;
            if next.is_none() || self.full() {
                self.write(pass, Vec::new()).await?;
            }
            if next.is_none() {
                return Ok(());
            }
        }
    }

    /// Step 3: the list with closed alerts, from `read.cursor` down to its horizon,
    /// remembered at every batch so that a killed pass resumes it. Pages are fetched
    /// ahead while a batch is written, so the network and the database work at once.
    async fn closed_list(&mut self, pass: &mut Pass<'_>, read: ListRead) -> Result<(), SyncError> {
        let (pages, received) = mpsc::channel(PAGES_AHEAD);
        let fetch = fetch_ahead(pass.client, read.cursor.clone(), read.horizon, pages);
        let mut fetch = std::pin::pin!(fetch);
        let mut write = std::pin::pin!(self.write_closed(pass, read, received));
        tokio::select! {
            written = &mut write => written,
            () = &mut fetch => write.await,
        }
    }

    /// Takes the pages `fetch_ahead` sends, and writes them in batches with the read.
    async fn write_closed(
        &mut self,
        pass: &mut Pass<'_>,
        mut read: ListRead,
        mut pages: mpsc::Receiver<Result<AlertPage, MackerelError>>,
    ) -> Result<(), SyncError> {
        while let Some(page) = pages.recv().await {
            let page = page?;
            let opened = self.take(pass, page.alerts);
            if let Some(&newest) = opened.iter().max() {
                read.top = Some(read.top.map_or(newest, |t| t.max(newest)));
            }
            read.cursor = page.next_id;
            if reaches(&opened, read.horizon) || read.cursor.is_none() {
                let mark = pass.store.state_time(StateKey::HighWaterMark).await?;
                let done = read.complete(mark, pass);
                return self.write(pass, done).await;
            }
            // The cursor moves past alerts not yet written: remember it only with them.
            if self.full() {
                self.write(pass, read.remember()).await?;
            }
        }
        // The fetcher stops only after an error or the last page, both handled above.
        self.write(pass, read.remember()).await
    }
}

/// Whether a page whose parsed alerts opened at `opened` reaches back to `horizon`.
fn reaches(opened: &[i64], horizon: i64) -> bool {
    opened.iter().min().is_some_and(|&oldest| oldest < horizon)
}

/// Fetches the list with closed alerts from `cursor` down, page after page, and sends
/// each to the writer. It stops where the read stops (at the horizon or the end of the
/// list), after an error, or when the writer hangs up; so it asks Mackerel for no page
/// a read one page at a time would not ask for.
async fn fetch_ahead(
    client: &Client,
    mut cursor: Option<String>,
    horizon: i64,
    pages: mpsc::Sender<Result<AlertPage, MackerelError>>,
) {
    loop {
        let page = match client.alerts_page(true, cursor.as_deref()).await {
            Ok(p) => p,
            // The alert a saved cursor names may be gone: read again from the top.
            Err(MackerelError::Api {
                status: 400 | 404, ..
            }) if cursor.is_some() => {
                tracing::warn!(
                    "the saved place in the alert list is no longer valid; reading from the top"
                );
                cursor = None;
                continue;
            }
            Err(e) => {
                let _ = pages.send(Err(e)).await;
                return;
            }
        };
        let opened: Vec<i64> = page
            .alerts
            .iter()
            .filter_map(|a| a.as_ref().ok().map(|a| a.opened_at))
            .collect();
        let last = page.next_id.is_none() || reaches(&opened, horizon);
        cursor = page.next_id.clone();
        if pages.send(Ok(page)).await.is_err() || last {
            return;
        }
    }
}
