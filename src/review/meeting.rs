//! What the digest shows of the meeting's memory: each alert's outcome and task,
//! alerts of the week before that nobody reviewed, and the follow-ups still open.

use super::annotate::{Annotations, TaskRef};
use super::task::{self, TaskState};
use crate::digest::{MeetingNotes, Window};
use crate::store::{Store, StoreError, StoredAlert};
use crate::teams::Scope;

/// How far back "still unreviewed from earlier meetings" looks.
const EARLIER: i64 = 7 * 86_400;
/// The most of them a digest lists (the total is always given).
const EARLIER_SHOWN: i64 = 50;

/// The notes for a digest of `window`, whose alerts are `alerts`, of a team's
/// services (`scope`; `None`: every service).
pub async fn meeting_notes(
    store: &Store,
    window: &Window,
    alerts: &[StoredAlert],
    scope: Option<&Scope>,
) -> Result<MeetingNotes, StoreError> {
    let annotations = Annotations::load(store).await?;
    let mut notes = MeetingNotes::default();
    for a in alerts {
        if let Some(r) = annotations.review(&a.id) {
            notes.reviews.insert(a.id.clone(), r.clone());
        }
        if let Some(t) = annotations.task(a) {
            let task = TaskRef {
                id: t.id,
                title: t.title.clone(),
                state: t.state,
                url: t.github_url.clone(),
            };
            notes.tasks.insert(a.id.clone(), task);
        }
    }
    let (earlier, total) = unreviewed_before(store, window.start, scope).await?;
    notes.unreviewed_earlier = earlier;
    notes.unreviewed_earlier_total = total;
    for t in task::list(store, Some(TaskState::Open)).await? {
        notes.open_tasks.push(task::view(store, &t).await?);
    }
    Ok(notes)
}

/// Alerts opened in the 7 days before `start` with no outcome: the newest 50, and how many.
async fn unreviewed_before(
    store: &Store,
    start: i64,
    scope: Option<&Scope>,
) -> Result<(Vec<StoredAlert>, i64), StoreError> {
    let from = start - EARLIER;
    let (ids, total) = match scope {
        None => store.unreviewed_between(from, start, EARLIER_SHOWN).await?,
        Some(s) => {
            let services: Vec<String> = s.services.iter().cloned().collect();
            store
                .unreviewed_between_of(from, start, EARLIER_SHOWN, &services, s.no_service)
                .await?
        }
    };
    let mut alerts = store.alerts_by_id(&ids).await?;
    alerts.sort_by(|a, b| (b.opened_at, &b.id).cmp(&(a.opened_at, &a.id)));
    Ok((alerts, total))
}
