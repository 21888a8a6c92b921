//! Support for the tests and benchmarks, not part of the store's surface (hidden from
//! the docs; nothing in the product calls it): SQL on a store's file where a test must
//! see or arrange what no unit of work shows, a write held open to make others wait,
//! and a file made by older migrations. Plain Rust types in and out, so no driver type
//! leaks through it. The SQL a test gives runs on either backend when it is SQL both
//! speak (`?` parameters become `$1`…); query plans and old files are SQLite's.

use std::path::Path;
use std::time::Duration;

use futures_util::future::BoxFuture;
use sqlx::migrate::{Migration, MigrationSource, Migrator};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{
    Arguments, ConnectOptions, Connection, Database, Encode, Postgres, Row, Sqlite, Transaction,
    Type,
};

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

/// Runs `$call` on the store's backend, `$b` bound to it and `$db` to its database type.
macro_rules! with_db {
    ($store:expr, $b:ident, $db:ident => $call:expr) => {
        match &$store.backend {
            Backend::Sqlite($b) => {
                type $db = Sqlite;
                $call
            }
            Backend::Postgres($b) => {
                type $db = Postgres;
                $call
            }
        }
    };
}

/// A test's statement as both backends read it: each `?` becomes `$1`, `$2`… in turn.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

fn arguments<'q, DB: Database>(args: &[Arg]) -> Result<DB::Arguments<'q>, StoreError>
where
    i64: Encode<'q, DB> + Type<DB>,
    f64: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
{
    let mut out = DB::Arguments::default();
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
    let sql = numbered(sql);
    let done = with_db!(store, b, Db => sqlx::query_with(&sql, arguments::<Db>(args)?).execute(b.pool()).await?.rows_affected());
    Ok(done)
}

/// The first column of every row, as text.
pub async fn strings(store: &Store, sql: &str, args: &[Arg]) -> Result<Vec<String>, StoreError> {
    let sql = numbered(sql);
    Ok(
        with_db!(store, b, Db => sqlx::query_scalar_with(&sql, arguments::<Db>(args)?).fetch_all(b.pool()).await?),
    )
}

/// The first column of the first row, as text; `None` for no row or NULL.
pub async fn optional_string(
    store: &Store,
    sql: &str,
    args: &[Arg],
) -> Result<Option<String>, StoreError> {
    let sql = numbered(sql);
    let value: Option<Option<String>> = with_db!(store, b, Db => {
        sqlx::query_scalar_with(&sql, arguments::<Db>(args)?).fetch_optional(b.pool()).await?
    });
    Ok(value.flatten())
}

/// The one number a query returns (a count, a pragma).
pub async fn int(store: &Store, sql: &str, args: &[Arg]) -> Result<i64, StoreError> {
    let sql = numbered(sql);
    Ok(
        with_db!(store, b, Db => sqlx::query_scalar_with(&sql, arguments::<Db>(args)?).fetch_one(b.pool()).await?),
    )
}

/// What SQLite's planner does with a query: the detail of each step.
pub async fn query_plan(store: &Store, sql: &str, args: &[Arg]) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query_with(
        &format!("EXPLAIN QUERY PLAN {sql}"),
        arguments::<Sqlite>(args)?,
    )
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
pub enum HeldWrite {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Takes the store's writer (waiting for it as any write does).
pub async fn hold_writer(store: &Store) -> Result<HeldWrite, StoreError> {
    Ok(match &store.backend {
        Backend::Sqlite(b) => HeldWrite::Sqlite(b.begin().await?),
        Backend::Postgres(b) => HeldWrite::Postgres(b.begin().await?),
    })
}

/// Runs `$call` on the held transaction, `$tx` bound to it.
macro_rules! on_held {
    ($held:expr, $tx:ident => $call:expr) => {
        match $held {
            HeldWrite::Sqlite($tx) => {
                #[allow(dead_code)]
                type Db = Sqlite;
                $call
            }
            HeldWrite::Postgres($tx) => {
                #[allow(dead_code)]
                type Db = Postgres;
                $call
            }
        }
    };
}

impl HeldWrite {
    /// Runs a statement inside the held transaction; how many rows it changed.
    pub async fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, StoreError> {
        let sql = numbered(sql);
        let done = on_held!(self, tx => {
            sqlx::query_with(&sql, arguments::<Db>(args)?).execute(&mut **tx).await?.rows_affected()
        });
        Ok(done)
    }

    /// The one number a query returns, read inside the held transaction.
    pub async fn int(&mut self, sql: &str) -> Result<i64, StoreError> {
        Ok(on_held!(self, tx => sqlx::query_scalar(sql).fetch_one(&mut **tx).await?))
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        on_held!(self, tx => tx.commit().await?);
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        on_held!(self, tx => tx.rollback().await?);
        Ok(())
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
    let migrator = Migrator::new(Before(&MIGRATOR, version))
        .await
        .map_err(|e| StoreError::Sql(e.to_string()))?;
    migrator
        .run(&pool)
        .await
        .map_err(|e| StoreError::Sql(e.to_string()))?;
    Ok(Store {
        backend: Backend::Sqlite(sqlite::Backend::of_pools(pool.clone(), pool, path)),
    })
}

/// A PostgreSQL database at `url` made by the migrations before `version`, as an
/// older asakai left it (see [`store_before`]).
pub async fn postgres_store_before(version: i64, url: &str) -> Result<Store, StoreError> {
    let backend = super::postgres::Backend::connect(url, 1).await?;
    let migrator = Migrator::new(Before(&super::postgres::MIGRATOR, version))
        .await
        .map_err(|e| StoreError::Sql(e.to_string()))?;
    migrator
        .run(&backend.pool)
        .await
        .map_err(|e| StoreError::Sql(e.to_string()))?;
    Ok(Store {
        backend: Backend::Postgres(backend),
    })
}

/// One backend's migrations in this build, before a version.
#[derive(Debug)]
struct Before(&'static Migrator, i64);

impl MigrationSource<'static> for Before {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, sqlx::error::BoxDynError>> {
        let older = self
            .0
            .iter()
            .filter(|m| m.version < self.1)
            .cloned()
            .collect();
        Box::pin(async move { Ok(older) })
    }
}

/// A PostgreSQL URL with its database (the path) replaced by `name`, the rest and
/// any query kept: the tests and benchmarks make a database of their own on the
/// server an admin URL names.
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (before_query, query) = match rest.find('?') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = before_query.split('/').next().unwrap_or(before_query);
    format!("{scheme}://{authority}/{name}{query}")
}
