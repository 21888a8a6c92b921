//! Links into Mackerel's pages: each alert's page and graph, and the web base
//! that host and organisation links are made from.

use super::{Store, StoreError};

impl Store {
    /// Forgets every link into Mackerel's pages, in one transaction: for a store
    /// whose Mackerel (the demo's simulator) no longer serves them.
    pub async fn forget_links(&self) -> Result<(), StoreError> {
        on_backend!(self, b => b.forget_links().await)
    }
}
