//! The SQLite backend, the embedded default: one file, opened by path. The units of
//! work in `store/sql/` are compiled here with SQLite's types (see `store`); what only
//! SQLite has (its connection settings, the FTS5 text search, migrations) is here.

#[path = "../sql/alert_logs.rs"]
mod alert_logs;
#[path = "../sql/alert_thresholds.rs"]
mod alert_thresholds;
#[path = "../sql/alerts.rs"]
pub(super) mod alerts;
#[path = "../sql/checkpoint.rs"]
mod checkpoint;
mod copy_from;
#[path = "../sql/deliveries.rs"]
mod deliveries;
mod dialect;
#[path = "../sql/digest.rs"]
pub(super) mod digest;
#[path = "../sql/events.rs"]
mod events;
#[path = "../sql/graph_view.rs"]
mod graph_view;
#[path = "../sql/graphs.rs"]
mod graphs;
#[path = "../sql/links.rs"]
mod links;
#[path = "../sql/meta.rs"]
mod meta;
#[path = "../sql/passes.rs"]
mod passes;
#[path = "../sql/reviews.rs"]
mod reviews;
#[path = "../sql/slack_posts.rs"]
mod slack_posts;
#[path = "../sql/state.rs"]
mod state;
#[path = "../sql/task_issues.rs"]
mod task_issues;
#[path = "../sql/tasks.rs"]
mod tasks;
mod text_search;
#[path = "../sql/thresholds.rs"]
mod thresholds;
#[path = "../sql/webhook_marks.rs"]
mod webhook_marks;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqlitePool};

use super::error::{describe, is_busy};
use super::lock::{self, FileLock, LockError};
use super::recent_plans::RecentPlans;
use super::{StoreError, BUSY_TIMEOUT};

/// The database the shared SQL is compiled for, its connection and pool.
pub(super) type Db = sqlx::Sqlite;
pub(super) type Conn = sqlx::SqliteConnection;

pub(super) static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long opening waits for another process that is creating or migrating the file.
const OPEN_PATIENCE: Duration = Duration::from_secs(30);

/// A handle on the database file; cheap to clone.
#[derive(Clone)]
pub struct Backend {
    pub(super) pool: SqlitePool,
    /// The one connection write transactions take (the read pool's, for a reader).
    pub(super) writer: SqlitePool,
    pub(super) path: PathBuf,
    /// How recent lookups were planned (see `store::recent_plans`).
    text_plans: Arc<RecentPlans<text_search::TermKey, text_search::TextPlan>>,
    services_plans: Arc<RecentPlans<String, alerts::ServicesPlan>>,
}

impl Backend {
    /// The backend of a read pool and a writer's, with nothing planned yet.
    pub(in crate::store) fn of_pools(pool: SqlitePool, writer: SqlitePool, path: &Path) -> Backend {
        Backend {
            pool,
            writer,
            path: path.to_owned(),
            text_plans: Default::default(),
            services_plans: Default::default(),
        }
    }

    /// Opens (creating if missing) the database at `path` for writing, and applies
    /// migrations. Two processes opening a new file at once take turns.
    pub async fn open(path: &Path) -> Result<Backend, StoreError> {
        let open_err = |cause: String| StoreError::Open {
            at: path.into(),
            cause,
        };
        let guard = FileLock::acquire_within(&lock::lock_path(path, ".open-lock"), OPEN_PATIENCE)
            .await
            .map_err(|e| match e {
                LockError::Held => open_err(format!(
                    "another process has been creating or migrating it for over {}s",
                    OPEN_PATIENCE.as_secs()
                )),
                LockError::Io { path, cause } => {
                    open_err(format!("cannot lock {}: {cause}", path.display()))
                }
            })?;
        let options = base_options(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            // Checkpoint every 16 MiB of log rather than 4: a backfill's batches then
            // copy each hot index page into the file a quarter as often (−10% time).
            .pragma("wal_autocheckpoint", "4000")
            .pragma("journal_size_limit", "16777216");
        let pool = connect(options.clone(), 4)
            .await
            .map_err(|e| open_err(describe(&e)))?;
        migrate(options.clone(), path).await?;
        let writer = connect_writer(writer_options(options))
            .await
            .map_err(|e| open_err(describe(&e)))?;
        drop(guard);
        Ok(Backend::of_pools(pool, writer, path))
    }

    /// Opens an existing database for reading. A current schema is read as it is, with
    /// no write access needed (a read-only file or directory works); an older one is
    /// migrated first when the file can be written.
    pub async fn open_reader(path: &Path) -> Result<Backend, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.into()));
        }
        let pool = match connect(base_options(path).read_only(true), 4).await {
            Ok(pool) => pool,
            // A WAL database in a directory we cannot write: SQLite cannot make its
            // shared-memory file, but the file itself can be read as it stands.
            Err(_) => connect(base_options(path).read_only(true).immutable(true), 4)
                .await
                .map_err(|e| StoreError::Open {
                    at: path.into(),
                    cause: describe(&e),
                })?,
        };
        let store = Backend::of_pools(pool.clone(), pool, path);
        if store.schema_is_current().await? {
            return Ok(store);
        }
        store.close().await;
        match Backend::open(path).await {
            Ok(s) => Ok(s),
            Err(StoreError::Open { .. } | StoreError::Migrate { .. }) => {
                Err(StoreError::Outdated(path.into()))
            }
            Err(e) => Err(e),
        }
    }

    /// Whether every migration this build knows is applied.
    async fn schema_is_current(&self) -> Result<bool, StoreError> {
        let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Result<Option<i64>, sqlx::Error> =
            sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await;
        match applied {
            Ok(v) => Ok(v.unwrap_or(0) >= latest),
            Err(e) if is_busy(&e) => Err(StoreError::Busy),
            // No migrations table: not a database asakai made, or an empty file.
            Err(e) => Err(StoreError::Open {
                at: self.path.as_path().into(),
                cause: describe(&e),
            }),
        }
    }

    /// The read pool, for the store's own queries.
    /// The writer connection, for a write of one statement outside a transaction.
    pub(super) fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    pub(super) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Two passes never run at once on one file: a lock file beside it.
    pub async fn try_lock_passes(&self) -> Result<Option<super::PassLock>, StoreError> {
        match FileLock::try_acquire(&lock::lock_path(&self.path, ".sync-lock")) {
            Ok(held) => Ok(Some(super::PassLock::file(held))),
            Err(LockError::Held) => Ok(None),
            Err(LockError::Io { path, cause }) => Err(StoreError::Lock(format!(
                "cannot lock {}: {cause}",
                path.display()
            ))),
        }
    }

    /// The lead among `serve` processes on one file: a lock file beside it, like the
    /// passes' (a second `serve` on one file is rare, but then it behaves as on
    /// PostgreSQL: it serves, and takes over when the leader dies).
    pub async fn try_lead(&self) -> Result<Option<super::Leadership>, StoreError> {
        match FileLock::try_acquire(&lock::lock_path(&self.path, ".leader-lock")) {
            Ok(held) => Ok(Some(super::Leadership::new(super::Held::File(held)))),
            Err(LockError::Held) => Ok(None),
            Err(LockError::Io { path, cause }) => Err(StoreError::Lock(format!(
                "cannot lock {}: {cause}",
                path.display()
            ))),
        }
    }

    pub fn location(&self) -> super::Location {
        super::Location::File(self.path.clone())
    }

    /// Closes every connection; the last to close removes SQLite's WAL and shared-memory files.
    pub async fn close(&self) {
        // A connection given back a moment ago is returned by a task of its own. Closing
        // while such tasks run closes connections on several threads at once: each sees
        // another still open, and SQLite leaves the WAL file behind. Let them settle first.
        let settled = |p: &SqlitePool| p.num_idle() >= p.size() as usize;
        for _ in 0..200 {
            if settled(&self.pool) && settled(&self.writer) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.pool.close().await;
        self.writer.close().await;
    }

    /// Begins a short write transaction on the writer connection: writers in this
    /// process queue for it, and `BEGIN IMMEDIATE` takes SQLite's write lock at once,
    /// so a writer in another process is waited for instead of failing mid-way.
    pub(super) async fn begin(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// Brings the schema up to this build's, on a connection of its own whose statements
/// are not logged: a migration that rebuilds an index runs for seconds on a large
/// store, and sqlx would print its whole text as a slow statement.
async fn migrate(options: SqliteConnectOptions, path: &Path) -> Result<(), StoreError> {
    let migrate_err = |cause: String| StoreError::Migrate {
        at: path.into(),
        cause,
    };
    let mut conn = options
        .disable_statement_logging()
        .connect()
        .await
        .map_err(|e| migrate_err(describe(&e)))?;
    let result = MIGRATOR.run(&mut conn).await;
    let _ = conn.close().await;
    result.map_err(|e| migrate_err(e.to_string()))
}

fn base_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::from_str("sqlite://")
        .expect("a constant URL")
        .filename(path)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        .pragma("cache_size", "-8192")
}

/// The writer's connection. Its own page cache keeps the index pages a backfill's
/// batches go back to; SQLite's undo record of each statement (a multi-row upsert
/// with triggers needs one) stays in memory instead of a temporary file. On a
/// million-alert backfill: 8.1 GB less written, 58 s → 47 s; peak 63 → 84 MiB.
fn writer_options(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .pragma("cache_size", "-32768")
        .pragma("temp_store", "MEMORY")
}

pub(super) async fn connect(
    options: SqliteConnectOptions,
    max: u32,
) -> Result<SqlitePool, sqlx::Error> {
    open_pool(SqlitePoolOptions::new().max_connections(max), options).await
}

/// One connection: writes in this process queue for it, not on SQLite's lock.
async fn connect_writer(options: SqliteConnectOptions) -> Result<SqlitePool, sqlx::Error> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        // Waiting for it is waiting for another write to end: as long as SQLite
        // would wait for another process's (then `StoreError::Busy`).
        .acquire_timeout(BUSY_TIMEOUT);
    open_pool(pool, options).await
}

async fn open_pool(
    pool: SqlitePoolOptions,
    options: SqliteConnectOptions,
) -> Result<SqlitePool, sqlx::Error> {
    let pool = pool
        // An idle connection gives its page cache back: a long-running `serve` between
        // bursts of requests holds little.
        .idle_timeout(Duration::from_secs(60))
        .connect_with(options)
        .await?;
    // Opening succeeds on any file; the first read tells whether it is a database.
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&pool)
        .await?;
    Ok(pool)
}
