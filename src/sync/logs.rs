//! Step 5 of a pass: alert logs, for the close cause and the peak severity.

use std::collections::HashMap;

use super::{merge, Progress, Stage, SyncError, SyncOptions};
use crate::mackerel::{AlertLog, Client, MackerelError};
use crate::store::{Store, StoredAlert};

/// Step 5: reads logs for closed alerts whose close cause or peak severity is
/// unknown, this pass's alerts first, then older ones, at most `budget`.
/// Returns the logs read by alert id, and whether some are left for later passes.
pub(super) async fn read_logs(
    client: &Client,
    store: &Store,
    opts: &SyncOptions,
    rows: &mut HashMap<String, StoredAlert>,
    existing: &mut HashMap<String, StoredAlert>,
) -> Result<(Vec<(String, Vec<AlertLog>)>, bool), SyncError> {
    let budget = opts.logs_per_pass;
    let mut wanted: Vec<(i64, String)> = rows
        .values()
        .filter(|r| merge::wants_logs(r))
        .map(|r| (r.opened_at, r.id.clone()))
        .collect();
    wanted.sort_by(|a, b| b.cmp(a));
    let mut ids: Vec<String> = wanted.into_iter().map(|(_, id)| id).collect();
    if ids.len() < budget as usize {
        let backlog = store.alerts_wanting_logs(budget).await?;
        let older: Vec<String> = backlog
            .into_iter()
            .filter(|id| !rows.contains_key(id))
            .collect();
        for record in store.alerts_by_id(&older).await? {
            existing.insert(record.id.clone(), record.clone());
            rows.insert(record.id.clone(), record);
        }
        ids.extend(older);
    }
    let pending = ids.len() > budget as usize;
    ids.truncate(budget as usize);
    let mut read = Vec::new();
    let of = ids.len() as u64;
    for id in ids {
        Progress::report(
            &opts.progress,
            Stage::Logs {
                read: read.len() as u64,
                of,
            },
        );
        let logs = match client.alert_logs(&id).await {
            Ok(logs) => logs,
            Err(MackerelError::Api { status: 404, .. }) => Vec::new(),
            Err(e) if e.is_transient() => {
                // Logs only refine a closed alert; the next pass tries again.
                tracing::warn!(alert = %id, error = %e, "could not read alert logs");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(r) = rows.get_mut(&id) {
            merge::apply_logs(r, &logs);
        }
        read.push((id, logs));
    }
    Ok((read, pending))
}
