//! The SQL of `store::task_issues`, compiled for each backend (see `store`).

use crate::store::StoreError;

use super::Backend;

impl Backend {
    pub async fn claim_issue_create(
        &self,
        id: i64,
        now: i64,
        claim_secs: i64,
    ) -> Result<bool, StoreError> {
        let claimed = sqlx::query(
            "UPDATE tasks SET github_claimed_at = $1, github_wanted = 1 WHERE id = $2 AND github_number IS NULL \
             AND (github_claimed_at IS NULL OR github_claimed_at < $1 - $3)",
        )
        .bind(now)
        .bind(id)
        .bind(claim_secs)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(claimed > 0)
    }

    pub async fn link_issue(&self, id: i64, number: i64, url: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE tasks SET github_number = $1, github_url = $2, github_error = NULL, github_claimed_at = NULL WHERE id = $3",
        )
        .bind(number)
        .bind(url)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn record_issue_error(&self, id: i64, error: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE tasks SET github_wanted = 1, github_error = $1, github_claimed_at = NULL WHERE id = $2",
        )
        .bind(error)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn mark_commented(&self, id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE tasks SET last_commented_at = $1, github_error = NULL WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
