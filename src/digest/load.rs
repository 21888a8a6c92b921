//! A digest's input, gathered from the store's window queries (the SQL is the
//! store's; this decides what a digest asks for, and asks at once).

use super::{DigestInput, Window};
use crate::store::{Store, StoreError};

/// How far back "recurring" looks for the same monitor on the same host.
const RECURRING_LOOKBACK: i64 = 7 * 86_400;

/// Everything a digest of `window` needs, as of the system clock.
pub async fn input(
    store: &Store,
    window: &Window,
    previous: &Window,
) -> Result<DigestInput, StoreError> {
    input_at(store, window, previous, chrono::Utc::now().timestamp()).await
}

/// Everything a digest of `window` needs, generated at `now`: its alerts (in no
/// order), the previous window counted (never loaded), hosts in maintenance, and
/// which of the window's (monitor, host) pairs fired in the week before.
pub async fn input_at(
    store: &Store,
    window: &Window,
    previous: &Window,
    now: i64,
) -> Result<DigestInput, StoreError> {
    // Independent reads, each on its own pooled connection, at once; the count
    // asks first, so it is not left waiting for the slices' connections.
    let (previous_counts, maintenance, alerts, last, org_url) = tokio::try_join!(
        store.window_counts(previous.start, previous.end),
        store.hosts_in_maintenance(window.end, window.is_current(now)),
        store.window_alerts(window.start, window.end),
        store.last_opening_before(window.start),
        store.org_url(),
    )?;
    // Hashed with foldhash: SipHash over a heavy day's 60,000 alerts was a twentieth
    // of the digest's own work.
    let pairs: foldhash::HashSet<[Option<&str>; 2]> = alerts
        .iter()
        .map(|a| [a.monitor_id.as_deref(), a.host_id.as_deref()])
        .collect();
    let pairs: Vec<[Option<&str>; 2]> = pairs.into_iter().collect();
    let recent_pairs = store
        .pairs_open_within(window.start - RECURRING_LOOKBACK, window.start, &pairs)
        .await?;
    Ok(DigestInput {
        recent_pairs,
        alerts,
        previous: previous_counts,
        previous_window: Some(*previous),
        maintenance,
        last_alert_before: last,
        org_url,
        ..DigestInput::default()
    })
}

/// A team's alerts meeting `window`, per state at its end: counted from the
/// alerts themselves (the store's counts are of every service).
pub async fn counts_of(
    store: &Store,
    window: &Window,
    scope: &crate::teams::Scope,
) -> Result<crate::alert::Counts, StoreError> {
    let mut counts = crate::alert::Counts::default();
    for a in scope.filter(store.window_alerts(window.start, window.end).await?) {
        let (state, _) = crate::alert::state_at(
            a.closed_at,
            a.close_cause.as_deref(),
            a.reason.as_deref(),
            window.end,
        );
        counts.add(state);
    }
    Ok(counts)
}
