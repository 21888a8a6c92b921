//! The PostgreSQL backend (design §13): a database several `serve` processes can
//! share. The units of work in `store/sql/` are compiled here with PostgreSQL's
//! types (see `store`); connecting, migrations (`migrations_pg/`), the locks and the
//! text search are PostgreSQL's own.
//!
//! SQLite has one writer at a time, and the units of work rely on it: a sync
//! checkpoint reads the stored rows it merges under the same lock it writes them,
//! so a webhook's write in between is never overwritten. Here every write
//! transaction takes one advisory lock first, so writers take turns the same way,
//! across processes; readers never wait for it.

#[path = "../sql/alert_logs.rs"]
mod alert_logs;
#[path = "../sql/alert_thresholds.rs"]
mod alert_thresholds;
#[path = "../sql/alerts.rs"]
pub(super) mod alerts;
#[path = "../sql/checkpoint.rs"]
mod checkpoint;
pub(super) mod copy_to;
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

use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use super::error::describe;
use super::recent_plans::RecentPlans;
use super::{Held, Leadership, Location, PassLock, StoreError, BUSY_TIMEOUT};

/// The database the shared SQL is compiled for, and its connection.
pub(super) type Db = sqlx::Postgres;
pub(super) type Conn = sqlx::PgConnection;

pub(super) static MIGRATOR: Migrator = sqlx::migrate!("./migrations_pg");

/// Advisory lock keys (one 64-bit space per database): the writers' turn, the sync
/// passes' lock, and the lead of `serve`'s background work. Arbitrary, fixed:
/// "asakai" in ASCII, then a number.
const WRITER_KEY: i64 = 0x6173_616b_6169_0001;
const PASSES_KEY: i64 = 0x6173_616b_6169_0002;
const LEADER_KEY: i64 = 0x6173_616b_6169_0003;

/// Connections per process. A command runs once: each connection costs it a
/// server process that starts with cold caches, so a few do more than many
/// (measured: the 1M-alert digest took 90–107 ms with 10, 67–99 ms with 3).
/// `serve` keeps its connections: pages, API and webhooks read at once.
pub(super) const COMMAND_CONNECTIONS: u32 = 3;
pub(super) const SERVER_CONNECTIONS: u32 = 10;

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Backend {
    pub(super) pool: PgPool,
    url: String,
    /// How recent service filters were planned (see `store::recent_plans`).
    services_plans: Arc<RecentPlans<String, alerts::ServicesPlan>>,
}

impl Backend {
    /// Connects to the database at `url` and brings its schema up to date (sqlx's
    /// migrator takes an advisory lock of its own, so replicas starting at once take
    /// turns).
    pub async fn open(url: &str, connections: u32) -> Result<Backend, StoreError> {
        let backend = Backend::connect(url, connections).await?;
        let options = (*backend.pool.connect_options()).clone();
        let mut conn = options.disable_statement_logging().connect().await;
        let result = match conn.as_mut() {
            Ok(conn) => MIGRATOR.run(conn).await.map_err(|e| e.to_string()),
            Err(e) => Err(describe(e)),
        };
        if let Ok(conn) = conn {
            let _ = conn.close().await;
        }
        result.map_err(|cause| StoreError::Migrate {
            at: backend.location(),
            cause,
        })?;
        backend.fill_text_ids().await?;
        Ok(backend)
    }

    /// Connects for reading: a current schema is read as it is; an older one is
    /// brought up to date first.
    pub async fn open_reader(url: &str) -> Result<Backend, StoreError> {
        let backend = Backend::connect(url, COMMAND_CONNECTIONS).await?;
        if backend.schema_is_current().await? {
            return Ok(backend);
        }
        backend.close().await;
        Backend::open(url, COMMAND_CONNECTIONS).await
    }

    pub(in crate::store) async fn connect(
        url: &str,
        connections: u32,
    ) -> Result<Backend, StoreError> {
        let open_err = |cause: String| StoreError::Open {
            at: Location::Postgres(url.to_owned()),
            cause,
        };
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| open_err(describe(&e)))?;
        let pool = PgPoolOptions::new()
            .max_connections(connections)
            // No ping before each use: under 50 clients a page's five queries each
            // waited for one more round trip to a busy server. A connection the
            // server dropped fails its query, which is answered as an error, and
            // the pool then opens another.
            .test_before_acquire(false)
            .acquire_timeout(BUSY_TIMEOUT)
            .idle_timeout(Duration::from_secs(60))
            .connect_with(options)
            .await
            .map_err(|e| open_err(describe(&e)))?;
        Ok(Backend {
            pool,
            url: url.to_owned(),
            services_plans: Default::default(),
        })
    }

    /// Whether every migration this build knows is applied.
    async fn schema_is_current(&self) -> Result<bool, StoreError> {
        let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Result<Option<i64>, sqlx::Error> =
            sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await;
        match applied {
            Ok(v) => Ok(v.unwrap_or(0) >= latest),
            // No migrations table: an empty database.
            Err(_) => Ok(false),
        }
    }

    /// A write of one statement that reads nothing it writes needs no turn.
    pub(super) fn writer(&self) -> &PgPool {
        &self.pool
    }

    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Begins a write transaction, once no other writer (in any process) is inside
    /// one: the transaction-level advisory lock ends with it.
    pub(super) async fn begin(&self) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(WRITER_KEY)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// Two passes never run at once on one database: a session advisory lock, held
    /// on a connection of its own for as long as the guard lives. PostgreSQL drops
    /// it when the connection ends, so a killed process never leaves it stuck.
    pub async fn try_lock_passes(&self) -> Result<Option<PassLock>, StoreError> {
        let mut conn = self.pool.connect_options().connect().await?;
        let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(PASSES_KEY)
            .fetch_one(&mut conn)
            .await?;
        if held {
            Ok(Some(PassLock::postgres(conn)))
        } else {
            let _ = conn.close().await;
            Ok(None)
        }
    }

    /// One `serve` process at a time leads: a session advisory lock of its own key, on
    /// a connection of its own, as the passes' lock. The server is asked to probe the
    /// session's TCP connection every few seconds, so a leader whose host vanishes
    /// without closing it (a network cut, a machine gone) frees the lock within half
    /// a minute rather than after the system's two hours.
    pub async fn try_lead(&self) -> Result<Option<Leadership>, StoreError> {
        let options = (*self.pool.connect_options()).clone().options([
            ("tcp_keepalives_idle", "10"),
            ("tcp_keepalives_interval", "5"),
            ("tcp_keepalives_count", "3"),
        ]);
        let mut conn = options.connect().await?;
        let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LEADER_KEY)
            .fetch_one(&mut conn)
            .await?;
        if held {
            Ok(Some(Leadership::new(Held::Postgres(conn))))
        } else {
            let _ = conn.close().await;
            Ok(None)
        }
    }

    pub fn location(&self) -> Location {
        Location::Postgres(self.url.clone())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
