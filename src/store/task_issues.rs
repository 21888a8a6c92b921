//! The GitHub side of a task's row: the issue it is linked to, a claim on
//! creating it, the last error and the last comment.

use super::{Store, StoreError};

impl Store {
    /// Claims the create of task `id`'s issue (and asks for one): `false` when it
    /// has one already, or another create claimed it less than `claim_secs` ago.
    pub async fn claim_issue_create(
        &self,
        id: i64,
        now: i64,
        claim_secs: i64,
    ) -> Result<bool, StoreError> {
        on_backend!(self, b => b.claim_issue_create(id, now, claim_secs).await)
    }

    /// Links task `id` to its new issue, clearing the claim and any error.
    pub async fn link_issue(&self, id: i64, number: i64, url: &str) -> Result<(), StoreError> {
        on_backend!(self, b => b.link_issue(id, number, url).await)
    }

    /// Keeps GitHub's error on task `id` (still wanting an issue) and lifts any claim.
    pub async fn record_issue_error(&self, id: i64, error: &str) -> Result<(), StoreError> {
        on_backend!(self, b => b.record_issue_error(id, error).await)
    }

    /// Records a comment on task `id`'s issue at `now`, clearing any error.
    pub async fn mark_commented(&self, id: i64, now: i64) -> Result<(), StoreError> {
        on_backend!(self, b => b.mark_commented(id, now).await)
    }
}
