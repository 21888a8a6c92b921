//! Steps 2 and 3 of a pass: the alert lists. Mackerel lists alerts newest first with
//! no time filter, so "read back to a time" means paging down until a page reaches it.
//!
//! A read of the list with closed alerts is remembered in the store while it runs:
//! how far back it must reach (its horizon), the `nextId` it resumes from, and the
//! newest alert it saw. A pass killed mid-read leaves that behind, and the next pass
//! finishes it before anything else. The high-water mark moves only when a read is
//! complete, to the newest alert that read saw.

use super::checkpoint::{Pass, Remember};
use super::{Progress, Stage, SyncError};
use crate::mackerel::{Alert, AlertStatus, MackerelError, RecordError};
use crate::store::StateKey;

/// Alerts are written every this many, so a kill loses little and a batch stays small.
const BATCH: usize = 500;

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
    fn remember(&self) -> Vec<Remember> {
        let mut r = vec![Remember::Set(
            StateKey::BackfillHorizon,
            self.horizon.to_string(),
        )];
        r.push(match &self.cursor {
            Some(c) => Remember::Set(StateKey::BackfillCursor, c.clone()),
            None => Remember::Forget(StateKey::BackfillCursor),
        });
        r.push(match self.top {
            Some(t) => Remember::Set(StateKey::BackfillTop, t.to_string()),
            None => Remember::Forget(StateKey::BackfillTop),
        });
        r
    }

    /// Done: forget the read, and move the mark to the newest alert it saw.
    fn complete(&self, mark: Option<i64>) -> Vec<Remember> {
        let newest = [mark, self.top, Some(self.horizon)]
            .into_iter()
            .flatten()
            .max();
        let mut r = vec![
            Remember::Forget(StateKey::BackfillHorizon),
            Remember::Forget(StateKey::BackfillCursor),
            Remember::Forget(StateKey::BackfillTop),
        ];
        if let Some(m) = newest {
            r.push(Remember::Set(StateKey::HighWaterMark, m.to_string()));
        }
        r
    }
}

/// Steps 2 and 3: an unfinished read first, then every open alert, then the list with
/// closed alerts from the top down to the mark (less the overlap) or `--since`.
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
        horizon,
        cursor: None,
        top: None,
    };
    // Remembered before the first page: a `--since` killed at once is still finished later.
    pass.write(Vec::new(), Vec::new(), fresh.remember()).await?;
    read.closed_list(pass, fresh).await
}

/// Counts for the progress bar, and the batch not yet written.
#[derive(Default)]
struct Reader {
    read: u64,
    batch: Vec<Alert>,
}

impl Reader {
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
            if next.is_none() || self.batch.len() >= BATCH {
                let batch = std::mem::take(&mut self.batch);
                pass.write(batch, Vec::new(), Vec::new()).await?;
            }
            if next.is_none() {
                return Ok(());
            }
        }
    }

    /// Step 3: the list with closed alerts, from `read.cursor` down to its horizon,
    /// remembered at every batch so that a killed pass resumes it.
    async fn closed_list(
        &mut self,
        pass: &mut Pass<'_>,
        mut read: ListRead,
    ) -> Result<(), SyncError> {
        loop {
            let page = match pass.client.alerts_page(true, read.cursor.as_deref()).await {
                Ok(p) => p,
                // The alert a saved cursor names may be gone: read again from the top.
                Err(MackerelError::Api {
                    status: 400 | 404, ..
                }) if read.cursor.is_some() => {
                    tracing::warn!("the saved place in the alert list is no longer valid; reading from the top");
                    read.cursor = None;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let opened = self.take(pass, page.alerts);
            if let Some(&newest) = opened.iter().max() {
                read.top = Some(read.top.map_or(newest, |t| t.max(newest)));
            }
            let reached = opened
                .iter()
                .min()
                .is_some_and(|&oldest| oldest < read.horizon);
            read.cursor = page.next_id;
            let batch = std::mem::take(&mut self.batch);
            if reached || read.cursor.is_none() {
                let mark = pass.store.state_time(StateKey::HighWaterMark).await?;
                return pass.write(batch, Vec::new(), read.complete(mark)).await;
            }
            if batch.len() >= BATCH {
                pass.write(batch, Vec::new(), read.remember()).await?;
            } else {
                self.batch = batch;
                // The cursor moved past alerts not yet written: remember it only with them.
            }
        }
    }
}
