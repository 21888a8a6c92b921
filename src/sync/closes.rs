//! Step 4 of a pass: alerts that closed while no list showed them.

use super::checkpoint::Pass;
use super::SyncError;

/// Alerts asked for by id before their answers are written.
const BATCH: usize = 50;

/// Step 4: alerts the store holds as open that no list of this pass showed open have
/// closed since; each is fetched by id. Mackerel's 404 marks the alert gone.
pub(super) async fn find_closed_since(pass: &mut Pass<'_>) -> Result<(), SyncError> {
    let ids: Vec<String> = pass
        .store
        .open_alert_ids()
        .await?
        .into_iter()
        .filter(|id| !pass.seen_open.contains(id))
        .collect();
    for chunk in ids.chunks(BATCH) {
        let (mut found, mut gone) = (Vec::new(), Vec::new());
        for id in chunk {
            match pass.client.alert(id).await {
                Ok(Some(Ok(alert))) => found.push(alert),
                Ok(Some(Err(e))) => {
                    tracing::warn!(alert = %e.id, reason = %e.reason, "skipping an alert that does not parse");
                    pass.summary.skipped += 1;
                }
                Ok(None) => gone.push(id.clone()),
                // Still open in the store; the next pass asks again.
                Err(e) if e.is_transient() => {
                    tracing::warn!(alert = %id, error = %e, "could not read a closed alert");
                }
                Err(e) => return Err(e.into()),
            }
        }
        pass.write(found, gone, Vec::new()).await?;
    }
    Ok(())
}
