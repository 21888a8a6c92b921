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
        let claimed = sqlx::query(
            "UPDATE tasks SET github_claimed_at = ?1, github_wanted = 1 WHERE id = ?2 AND github_number IS NULL \
             AND (github_claimed_at IS NULL OR github_claimed_at < ?1 - ?3)",
        )
        .bind(now)
        .bind(id)
        .bind(claim_secs)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(claimed > 0)
    }

    /// Links task `id` to its new issue, clearing the claim and any error.
    pub async fn link_issue(&self, id: i64, number: i64, url: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE tasks SET github_number = ?, github_url = ?, github_error = NULL, github_claimed_at = NULL WHERE id = ?",
        )
        .bind(number)
        .bind(url)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Keeps GitHub's error on task `id` (still wanting an issue) and lifts any claim.
    pub async fn record_issue_error(&self, id: i64, error: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE tasks SET github_wanted = 1, github_error = ?, github_claimed_at = NULL WHERE id = ?",
        )
        .bind(error)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a comment on task `id`'s issue at `now`, clearing any error.
    pub async fn mark_commented(&self, id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE tasks SET last_commented_at = ?, github_error = NULL WHERE id = ?")
            .bind(now)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
