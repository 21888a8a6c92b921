//! Leadership among `serve` processes sharing one store (design §13): one of them
//! runs the background work (sync passes, scheduled posts, the GitHub sync), the
//! others only serve. Like the passes' lock, it is held by something the database's
//! host lets go of when the holder dies: a PostgreSQL session on a connection of its
//! own, or a lock file beside a SQLite file.

use std::time::Duration;

use sqlx::Connection;

use super::{Held, Store, StoreError};

/// How long the check of a leader's connection may take before the leader gives up:
/// a leader that cannot reach its database does no work, and must not keep the lock.
const CHECK_PATIENCE: Duration = Duration::from_secs(5);

/// The lead of the background work, held until dropped or released (see
/// [`Store::try_lead`]).
#[derive(Debug)]
pub struct Leadership {
    held: Held,
}

impl Leadership {
    pub(super) fn new(held: Held) -> Leadership {
        Leadership { held }
    }

    /// Whether the lead is still this process's. On PostgreSQL the lock lives as long
    /// as its session: a ping on it (a round trip, no query) says the session is still there (a server
    /// restart, a failover or `pg_terminate_backend` end it, and another process may
    /// lead by now). A lock file cannot be lost while its process lives.
    pub async fn still_held(&mut self) -> bool {
        match &mut self.held {
            Held::File(_) => true,
            Held::Postgres(conn) => {
                let ping = tokio::time::timeout(CHECK_PATIENCE, conn.ping()).await;
                matches!(ping, Ok(Ok(())))
            }
        }
    }

    /// Lets go of the lead now, so another process can take it at once.
    pub async fn release(self) {
        self.held.release().await;
    }
}

impl Store {
    /// Takes the lead of the background work, held until the [`Leadership`] is dropped
    /// or released (or its process dies); `None` when another process leads.
    pub async fn try_lead(&self) -> Result<Option<Leadership>, StoreError> {
        on_backend!(self, b => b.try_lead().await)
    }
}
