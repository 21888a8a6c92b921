//! Step 4 of a pass: alerts that closed while no list showed them.

use super::fetch::Fetched;
use super::SyncError;
use crate::mackerel::Client;
use crate::store::Store;

/// Step 4: alerts the store holds as open that neither list returned have closed
/// since; each is fetched by id. Returns the ids Mackerel no longer has (404).
pub(super) async fn find_closed_since(
    client: &Client,
    store: &Store,
    fetched: &mut Fetched,
) -> Result<Vec<String>, SyncError> {
    let mut gone = Vec::new();
    for id in store.open_alert_ids().await? {
        if fetched.alerts.contains_key(&id) {
            continue;
        }
        match client.alert(&id).await? {
            Some(Ok(alert)) => {
                fetched.alerts.insert(id, alert);
            }
            Some(Err(e)) => {
                tracing::warn!(alert = %e.id, reason = %e.reason, "skipping an alert that does not parse");
                fetched.skipped.push(e);
            }
            None => gone.push(id),
        }
    }
    Ok(gone)
}
