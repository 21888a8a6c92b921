//! The SQL of `store::links`, compiled for each backend (see `store`).

use crate::store::{StateKey, StoreError};

use super::state::clear_state;
use super::Backend;

impl Backend {
    pub async fn forget_links(&self) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE alerts SET url = NULL, image_url = NULL")
            .execute(&mut *tx)
            .await?;
        clear_state(&mut tx, StateKey::WebBase).await?;
        tx.commit().await?;
        Ok(())
    }
}
