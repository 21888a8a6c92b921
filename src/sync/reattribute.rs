//! Alerts stored while a metadata endpoint was failing are attributed again (services,
//! monitor and host names, links) once the metadata can be read.

use std::time::Instant;

use super::checkpoint::Pass;
use super::{elapsed_past, merge, SyncError};

const BATCH: u32 = 500;

pub(super) async fn reattribute(pass: &mut Pass<'_>, deadline: Instant) -> Result<(), SyncError> {
    if pass.meta.degraded() {
        return Ok(());
    }
    let mut before = pass.store.count_alerts_pending_attribution().await?;
    while before > 0 && !elapsed_past(deadline) {
        let rows = pass.store.alerts_pending_attribution(BATCH).await?;
        let alerts = rows.iter().map(merge::as_alert).collect();
        pass.write(alerts, Vec::new(), Vec::new()).await?;
        let after = pass.store.count_alerts_pending_attribution().await?;
        // What is still missing (a lookup failing now) waits for a later pass.
        if after >= before || pass.meta.degraded() {
            break;
        }
        before = after;
    }
    Ok(())
}
