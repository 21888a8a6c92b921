//! Step 5 of a pass: alert logs, for the close cause and the peak severity. Bounded in
//! count and time; the alerts of the most recent meetings first; written as they are read.

use std::time::Instant;

use super::checkpoint::Pass;
use super::{elapsed_past, merge, Progress, Stage, SyncError};
use crate::mackerel::{AlertLog, MackerelError};
use crate::store::{Checkpoint, StoredAlert};

/// Logs read before their rows are written.
const BATCH: u32 = 20;

/// Reads logs of closed alerts whose close cause or peak severity is unknown, most
/// recently closed first, until `logs_per_pass` or the deadline.
pub(super) async fn read_logs(pass: &mut Pass<'_>, deadline: Instant) -> Result<(), SyncError> {
    let budget = pass.opts.logs_per_pass as u64;
    let mut read: u64 = 0;
    while read < budget && !elapsed_past(deadline) {
        let want = BATCH.min((budget - read) as u32);
        let ids = pass.store.alerts_wanting_logs(pass.now, want).await?;
        if ids.is_empty() {
            break;
        }
        let mut got: Vec<(String, Vec<AlertLog>)> = Vec::new();
        let mut aside: Vec<String> = Vec::new();
        let mut stop = false;
        for id in ids {
            Progress::report(&pass.opts.progress, Stage::Logs { read, of: budget });
            match pass.client.alert_logs(&id).await {
                Ok(logs) => got.push((id, logs)),
                // Mackerel no longer has the alert's logs: nothing more will be learnt.
                Err(MackerelError::Api { status: 404, .. }) => got.push((id, Vec::new())),
                Err(e @ MackerelError::Shape { .. }) => {
                    tracing::warn!(alert = %id, error = %e, "alert logs do not parse; set aside");
                    aside.push(id);
                }
                Err(e) if e.is_transient() => {
                    // Mackerel is struggling: keep what was read, leave the rest for later.
                    tracing::warn!(alert = %id, error = %e, "could not read alert logs");
                    stop = true;
                    break;
                }
                Err(e) => return Err(e.into()),
            }
            read += 1;
            if elapsed_past(deadline) {
                break;
            }
        }
        write_logs(pass, got, aside).await?;
        if stop {
            break;
        }
    }
    Ok(())
}

/// Writes a batch of logs and what they tell of their alerts, in one transaction.
async fn write_logs(
    pass: &mut Pass<'_>,
    got: Vec<(String, Vec<AlertLog>)>,
    aside: Vec<String>,
) -> Result<(), SyncError> {
    let checkpoint = Checkpoint {
        alert_ids: got.iter().map(|(id, _)| id.clone()).collect(),
        logs: got,
        logs_aside: aside,
        ..Checkpoint::default()
    };
    let logs = &checkpoint.logs;
    let updated = pass
        .store
        .write_checkpoint(&checkpoint, pass.now, |rows| {
            let updated = with_logs(rows, logs);
            let n = updated.len();
            (updated, n)
        })
        .await?;
    pass.summary.logs_read += checkpoint.logs.len();
    pass.summary.skipped += checkpoint.logs_aside.len();
    pass.summary.changed += updated;
    Ok(())
}

/// The stored rows (read under the write lock, so that a webhook written meanwhile
/// is kept) with what their logs tell.
fn with_logs(rows: Vec<StoredAlert>, got: &[(String, Vec<AlertLog>)]) -> Vec<StoredAlert> {
    let mut updated = Vec::with_capacity(rows.len());
    for mut row in rows {
        if let Some((_, logs)) = got.iter().find(|(id, _)| *id == row.id) {
            merge::apply_logs(&mut row, logs);
            updated.push(row);
        }
    }
    updated
}
