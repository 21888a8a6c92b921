//! Support for the tests and benchmarks, not part of the store's surface (hidden from
//! the docs; nothing in the product calls it): SQL on a store's file where a test must
//! see or arrange what no unit of work shows, a write held open to make others wait,
//! and a file made by older migrations. Plain Rust types in and out, so no driver type
//! leaks through it; the SQL is SQLite's.

use std::path::Path;
use std::time::Duration;

use futures_util::future::BoxFuture;
use sqlx::migrate::{Migration, MigrationSource, Migrator};
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions};
use sqlx::{Arguments, ConnectOptions, Connection, Row, Sqlite, Transaction};

use super::digest::Reach;
use super::sqlite::digest::meeting_sql;
use super::sqlite::{connect, MIGRATOR};
use super::{sqlite, Backend, Store, StoreError};

/// The SQLite backend of a test's store: the SQL here is SQLite's.
fn sqlite(store: &Store) -> &sqlite::Backend {
    match &store.backend {
        Backend::Sqlite(b) => b,
        Backend::Postgres(_) => panic!("this test support runs SQLite's SQL on a SQLite store"),
    }
}

/// A value bound to a `?` of a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

impl From<i32> for Arg {
    fn from(v: i32) -> Self {
        Arg::Int(v.into())
    }
}

impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Arg::Real(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}

impl<T: Into<Arg>> From<Option<T>> for Arg {
    fn from(v: Option<T>) -> Self {
        v.map_or(Arg::Null, Into::into)
    }
}

fn arguments(args: &[Arg]) -> Result<SqliteArguments<'static>, StoreError> {
    let mut out = SqliteArguments::default();
    for arg in args {
        let added = match arg {
            Arg::Null => out.add(None::<i64>),
            Arg::Int(v) => out.add(*v),
            Arg::Real(v) => out.add(*v),
            Arg::Text(v) => out.add(v.clone()),
        };
        added.map_err(|e| StoreError::Sql(e.to_string()))?;
    }
    Ok(out)
}

/// Runs a statement; how many rows it changed.
pub async fn execute(store: &Store, sql: &str, args: &[Arg]) -> Result<u64, StoreError> {
    let done = sqlx::query_with(sql, arguments(args)?)
        .execute(&sqlite(store).pool)
        .await?;
    Ok(done.rows_affected())
}

/// The first column of every row, as text.
pub async fn strings(store: &Store, sql: &str, args: &[Arg]) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar_with(sql, arguments(args)?)
        .fetch_all(&sqlite(store).pool)
        .await?)
}

/// The first column of the first row, as text; `None` for no row or NULL.
pub async fn optional_string(
    store: &Store,
    sql: &str,
    args: &[Arg],
) -> Result<Option<String>, StoreError> {
    let value: Option<Option<String>> = sqlx::query_scalar_with(sql, arguments(args)?)
        .fetch_optional(&sqlite(store).pool)
        .await?;
    Ok(value.flatten())
}

/// The one number a query returns (a count, a pragma).
pub async fn int(store: &Store, sql: &str, args: &[Arg]) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar_with(sql, arguments(args)?)
        .fetch_one(&sqlite(store).pool)
        .await?)
}

/// What SQLite's planner does with a query: the detail of each step.
pub async fn query_plan(store: &Store, sql: &str, args: &[Arg]) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query_with(&format!("EXPLAIN QUERY PLAN {sql}"), arguments(args)?)
        .fetch_all(&sqlite(store).pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get::<String, _>(3))
        .collect::<Result<_, _>>()?)
}

/// The query a digest's window is read with (`?1` start, `?2` end, `?3` earliest
/// opening), for [`query_plan`].
pub fn window_query(reach: Reach) -> String {
    meeting_sql(reach)
}

/// A write transaction held open on the store's writer, as a long sync batch holds
/// it: other writes wait for it until it ends or their patience does.
pub struct HeldWrite(Transaction<'static, Sqlite>);

/// Takes the store's writer (waiting for it as any write does).
pub async fn hold_writer(store: &Store) -> Result<HeldWrite, StoreError> {
    Ok(HeldWrite(sqlite(store).begin().await?))
}

impl HeldWrite {
    /// Runs a statement inside the held transaction; how many rows it changed.
    pub async fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, StoreError> {
        let done = sqlx::query_with(sql, arguments(args)?)
            .execute(&mut *self.0)
            .await?;
        Ok(done.rows_affected())
    }

    /// The one number a query returns, read inside the held transaction.
    pub async fn int(&mut self, sql: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(sql).fetch_one(&mut *self.0).await?)
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.0.commit().await?)
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        Ok(self.0.rollback().await?)
    }
}

/// Begins a write on a connection of its own that does not wait for the lock, and
/// ends it: while another process writes, SQLite's own busy answer, as the store
/// maps it.
pub async fn begin_without_waiting(path: &Path) -> Result<(), StoreError> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(Duration::ZERO)
        .connect()
        .await?;
    let begun = sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await;
    if begun.is_ok() {
        sqlx::query("ROLLBACK").execute(&mut conn).await?;
    }
    let _ = conn.close().await;
    begun.map(|_| ()).map_err(StoreError::from)
}

/// A database at `path` made by the migrations before `version`, as an older
/// asakai left it (not brought up to date: [`Store::open`] does that after).
pub async fn store_before(version: i64, path: &Path) -> Result<Store, StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let pool = connect(options, 1).await?;
    let migrator = Migrator::new(Before(version))
        .await
        .map_err(|e| StoreError::Sql(e.to_string()))?;
    migrator
        .run(&pool)
        .await
        .map_err(|e| StoreError::Sql(e.to_string()))?;
    Ok(Store {
        backend: Backend::Sqlite(sqlite::Backend {
            writer: pool.clone(),
            pool,
            path: path.to_owned(),
        }),
    })
}

/// This build's migrations before a version.
#[derive(Debug)]
struct Before(i64);

impl MigrationSource<'static> for Before {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, sqlx::error::BoxDynError>> {
        let older = MIGRATOR
            .iter()
            .filter(|m| m.version < self.0)
            .cloned()
            .collect();
        Box::pin(async move { Ok(older) })
    }
}
