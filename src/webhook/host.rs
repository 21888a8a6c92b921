//! What a host event makes of the stored host: pure, no I/O. Host events carry no
//! time, so the rule against regressing is by state: a retired host stays retired,
//! and its status no longer moves.

use crate::store::HostRecord;

use super::event::{EventHost, HostEventKind};

/// The host after the event; equal to `stored` when the event changes nothing.
pub fn updated_host(
    stored: Option<&HostRecord>,
    kind: HostEventKind,
    host: &EventHost,
    now: i64,
) -> HostRecord {
    let mut h = stored.cloned().unwrap_or_else(|| fresh(&host.id));
    if h.is_retired && stored.is_some() {
        return h;
    }
    if let Some(name) = &host.name {
        h.name = Some(name.clone());
    }
    if let Some(status) = &host.status {
        h.status = Some(status.clone());
    }
    if let Some(roles) = host.role_map() {
        h.roles = roles;
    }
    if kind == HostEventKind::Retire || host.is_retired == Some(true) {
        h.is_retired = true;
        h.retired_at = h.retired_at.or(Some(now));
    }
    // Mackerel just named it: it is not gone.
    h.gone = false;
    h
}

/// A host the store has never seen: polling adds its display name and the rest.
fn fresh(id: &str) -> HostRecord {
    let mut h = HostRecord::gone(id);
    h.is_retired = false;
    h.gone = false;
    h
}
