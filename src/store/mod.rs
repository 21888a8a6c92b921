//! The store: every alert and what was known around it, in one SQLite file (the
//! embedded default) or a PostgreSQL database (design §13). Every SQL statement asakai
//! runs is here; the other modules call the store.
//!
//! The store is sealed, as atuin's `Database` trait is: each public method is a whole
//! unit of work with its transaction inside (a sync checkpoint, a review, a webhook's
//! update), plain Rust types go in and out, and database errors become [`StoreError`]
//! in one place (`error`). No pool, transaction or connection leaves this module.
//!
//! The layout reads as that surface and its two backends:
//! - `store/<unit>.rs`: a unit's types and its `Store` methods, with their docs; each
//!   method hands the work to the backend the store was opened on.
//! - `store/sql/<unit>.rs`: the unit's SQL and transactions, written once in the SQL
//!   both databases speak (`$1` parameters, `ON CONFLICT`), with the few differences
//!   asked of the backend's `dialect`. Each backend compiles these files for its own
//!   driver types (`#[path]` modules in `sqlite/` and `postgres/`): sqlx's generic
//!   bounds would cost every function a paragraph of `where` clauses, and SQLite's
//!   code stays exactly the code it was, tuned and measured.
//! - `store/sqlite/`, `store/postgres/`: opening, migrations, locks and text search,
//!   which differ in kind, not in spelling.
//!
//! SQL is written as plain strings with `query_as` + `FromRow`, so neither CI nor a
//! contributor needs sqlx-cli or a prepared database. Writers open the store with
//! [`Store::open`] (creating and migrating it under a lock); readers with
//! [`Store::open_reader`], which needs no write access when the schema is current.

/// Runs `$call` on the backend the store was opened on, with `$b` bound to it: each
/// arm is compiled for its own backend's types.
macro_rules! on_backend {
    ($store:expr, $b:ident => $call:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($b) => $call,
            $crate::store::Backend::Postgres($b) => $call,
        }
    };
}

pub(crate) mod alert_logs;
mod alert_thresholds;
pub(crate) mod alerts;
mod checkpoint;
pub mod copy;
pub mod deliveries;
pub(crate) mod digest;
mod error;
mod events;
mod graph_view;
pub mod graphs;
mod leader;
pub(crate) mod links;
mod location;
pub mod lock;
pub(crate) mod meta;
pub(crate) mod passes;
// Each backend compiles the units of `store/sql/` for its own driver (see above).
#[allow(clippy::duplicate_mod)]
mod postgres;
mod recent_plans;
pub(crate) mod reviews;
pub mod slack_posts;
#[allow(clippy::duplicate_mod)]
mod sqlite;
pub mod state;
mod task_issues;
pub(crate) mod tasks;
#[doc(hidden)]
pub mod testing;
pub(crate) mod thresholds;
pub(crate) mod webhook_marks;

use std::time::Duration;

pub use alert_logs::StoredLog;
pub use alert_thresholds::AlertThresholds;
pub use alerts::{AlertFilter, StoredAlert};
pub use checkpoint::{Checkpoint, MetadataWrite, StateChange};
pub use digest::FIRED_BEFORE_CAP;
pub use error::StoreError;
pub use events::Update;
pub use graph_view::StoredGraph;
pub use graphs::{GraphJob, GraphOutcome};
pub use leader::Leadership;
pub use location::Location;
pub use lock::{FileLock, LockError};
pub use meta::{HostRecord, MonitorRecord};
pub use passes::PassRecord;
pub use reviews::{NewReview, ReviewRow};
pub use slack_posts::SlackPost;
pub use state::StateKey;
pub use tasks::{Task, TaskRequest, TaskState};
pub use thresholds::Threshold;
pub use webhook_marks::{MarkedAlert, WebhookMarks};

/// How long a statement waits for another process's write to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A handle on the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

/// The sync passes' lock on a store, held until released, or dropped (see
/// [`Store::try_lock_passes`]): a pass releases it, so the next finds it free at once.
#[derive(Debug)]
pub struct PassLock {
    held: Held,
}

/// What holds a lock (the passes' or the lead): releasing it, or dropping it, lets go.
#[derive(Debug)]
enum Held {
    /// A lock file beside a SQLite file.
    File(FileLock),
    /// A PostgreSQL session holding an advisory lock.
    Postgres(sqlx::PgConnection),
}

impl Held {
    /// Lets go now. A PostgreSQL session's advisory locks are unlocked before it
    /// ends: the server frees a closed session's locks only once its backend has
    /// read the goodbye, and on a busy server a pass started right after found the
    /// passes' lock still held (and said another pass was running).
    async fn release(self) {
        match self {
            Held::File(lock) => drop(lock),
            Held::Postgres(mut conn) => {
                use sqlx::Connection;
                let goodbye = async {
                    let _ = sqlx::query("SELECT pg_advisory_unlock_all()")
                        .execute(&mut conn)
                        .await;
                    conn.close().await
                };
                // Dropped (its socket closed) if the goodbye takes too long.
                let _ = tokio::time::timeout(RELEASE_PATIENCE, goodbye).await;
            }
        }
    }
}

/// How long letting go of a lock may take before its connection is just dropped.
const RELEASE_PATIENCE: Duration = Duration::from_secs(5);

impl PassLock {
    /// Lets go of the passes' lock now, so the next pass finds it free.
    pub async fn release(self) {
        self.held.release().await;
    }

    fn file(lock: FileLock) -> PassLock {
        PassLock {
            held: Held::File(lock),
        }
    }

    fn postgres(conn: sqlx::PgConnection) -> PassLock {
        PassLock {
            held: Held::Postgres(conn),
        }
    }
}

#[derive(Clone)]
enum Backend {
    Sqlite(sqlite::Backend),
    Postgres(postgres::Backend),
}

impl Store {
    /// Opens (creating if missing) the store `at` for writing, and brings its schema up
    /// to date. Two processes opening a new store at once take turns.
    pub async fn open(at: impl Into<Location>) -> Result<Store, StoreError> {
        Store::open_with(at.into(), postgres::COMMAND_CONNECTIONS).await
    }

    /// Opens the store for writing as [`Store::open`] does, for a long-running server:
    /// on PostgreSQL with more connections, kept open, for pages, API and webhooks
    /// read at once.
    pub async fn open_for_serving(at: impl Into<Location>) -> Result<Store, StoreError> {
        Store::open_with(at.into(), postgres::SERVER_CONNECTIONS).await
    }

    async fn open_with(at: Location, connections: u32) -> Result<Store, StoreError> {
        let backend = match at {
            Location::File(path) => Backend::Sqlite(sqlite::Backend::open(&path).await?),
            Location::Postgres(url) => {
                Backend::Postgres(postgres::Backend::open(&url, connections).await?)
            }
        };
        Ok(Store { backend })
    }

    /// Opens an existing store for reading. A current schema is read as it is, with no
    /// write access needed (a read-only file or directory works); an older one is
    /// brought up to date first when it can be written.
    pub async fn open_reader(at: impl Into<Location>) -> Result<Store, StoreError> {
        let backend = match at.into() {
            Location::File(path) => Backend::Sqlite(sqlite::Backend::open_reader(&path).await?),
            Location::Postgres(url) => {
                Backend::Postgres(postgres::Backend::open_reader(&url).await?)
            }
        };
        Ok(Store { backend })
    }

    /// Where the store is.
    pub fn location(&self) -> Location {
        on_backend!(self, b => b.location())
    }

    /// Takes the lock that keeps two sync passes off one store at once, held until the
    /// guard is dropped (or its process dies); `None` when another pass holds it.
    pub async fn try_lock_passes(&self) -> Result<Option<PassLock>, StoreError> {
        on_backend!(self, b => b.try_lock_passes().await)
    }

    /// Closes every connection; for SQLite, the last to close removes the WAL and
    /// shared-memory files.
    pub async fn close(&self) {
        on_backend!(self, b => b.close().await)
    }
}
