//! Writing a `db copy` into PostgreSQL (see `store::copy`): the checks that keep it
//! off a database that is not empty, the bookkeeping that makes it resumable, and
//! the batches themselves.

use std::collections::BTreeMap;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection};

use super::Backend;
use crate::store::copy::{Batch, Column, CopyError, Key, Kind, SourceId, Values, DERIVED, TABLES};
use crate::store::error::describe;
use crate::store::{Location, StoreError};

/// Columns only PostgreSQL has, derived from the copied ones when a table is done
/// (see `finish_table`): not read from the source.
const DERIVED_COLUMNS: [(&str, &str); 1] = [("alerts", "text_id")];

/// Tables only PostgreSQL has, filled from the copied alerts the same way (see
/// `text_search.rs`).
const DERIVED_TABLES: [&str; 1] = ["alert_texts"];

/// The copy's own advisory lock ("asakai" in ASCII, then a number: see `postgres`).
const COPY_KEY: i64 = 0x6173_616b_6169_0003;

/// The bookkeeping: which file is being copied (and its counts then), and per table
/// the key of the last row copied. Dropped once the copy checks out.
const BOOKKEEPING: &str = "
CREATE TABLE asakai_copy (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    source  TEXT NOT NULL,   -- the SQLite file's path
    counts  TEXT NOT NULL    -- JSON: its rows per table when the copy began
);
CREATE TABLE asakai_copy_tables (
    name      TEXT PRIMARY KEY,
    last_key  TEXT,                          -- JSON array; NULL: nothing copied yet
    rows      BIGINT NOT NULL DEFAULT 0,
    done      BOOLEAN NOT NULL DEFAULT false
);";

/// The database a copy writes into, held by this copy (a session advisory lock on
/// a connection of its own) until dropped.
pub(in crate::store) struct Target {
    backend: Backend,
    _lock: PgConnection,
}

impl Target {
    /// Takes the database for a copy of `source`: a new copy when it is empty
    /// (asakai's tables made, the bookkeeping begun), or this same copy, unfinished.
    /// Anything else is refused before a single thing is written.
    pub async fn prepare(url: &str, source: &SourceId) -> Result<Target, CopyError> {
        let at = Location::Postgres(url.to_owned());
        let open_err = |e: sqlx::Error| StoreError::Open {
            at: at.clone(),
            cause: describe(&e),
        };
        let options: PgConnectOptions = url.parse().map_err(open_err)?;
        let mut lock = options.connect().await.map_err(open_err)?;
        let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(COPY_KEY)
            .fetch_one(&mut lock)
            .await
            .map_err(StoreError::from)?;
        if !held {
            return Err(CopyError::TargetBusy(at));
        }
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema()",
        )
        .fetch_all(&mut lock)
        .await
        .map_err(StoreError::from)?;
        let resuming = tables.iter().any(|t| t == "asakai_copy");
        if resuming {
            check_same_source(&mut lock, &at, source).await?;
        } else {
            check_empty(&mut lock, &at, &tables).await?;
        }
        // Migrated by the store's own opening; then a pool of the copy's own, whose
        // statements are not logged: every batch is a long statement by design.
        Backend::open(url, super::COMMAND_CONNECTIONS)
            .await?
            .close()
            .await;
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(options.disable_statement_logging())
            .await
            .map_err(open_err)?;
        let backend = Backend {
            pool,
            url: url.to_owned(),
            services_plans: Default::default(),
        };
        if !resuming {
            begin_bookkeeping(&backend, source).await?;
        }
        Ok(Target {
            backend,
            _lock: lock,
        })
    }

    pub fn location(&self) -> Location {
        self.backend.location()
    }

    /// Rows copied by earlier runs.
    pub async fn rows_copied(&self) -> Result<u64, StoreError> {
        let n: Option<i64> = sqlx::query_scalar("SELECT sum(rows)::bigint FROM asakai_copy_tables")
            .fetch_one(&self.backend.pool)
            .await?;
        Ok(n.unwrap_or(0) as u64)
    }

    /// Where `table`'s copy goes on: `None` when it is done, `Some(None)` from the
    /// start, else after the key recorded with the last batch.
    pub async fn resume_point(&self, table: &str) -> Result<Option<Option<Key>>, StoreError> {
        let (last, done): (Option<String>, bool) =
            sqlx::query_as("SELECT last_key, done FROM asakai_copy_tables WHERE name = $1")
                .bind(table)
                .fetch_one(&self.backend.pool)
                .await?;
        if done {
            return Ok(None);
        }
        let key = last
            .map(|k| serde_json::from_str(&k))
            .transpose()
            .map_err(|e| StoreError::Sql(format!("asakai_copy_tables.last_key: {e}")))?;
        Ok(Some(key))
    }

    /// The table's columns as the target declares them, in order.
    pub async fn columns(&self, table: &str) -> Result<Vec<Column>, CopyError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(&self.backend.pool)
        .await
        .map_err(StoreError::from)?;
        rows.into_iter()
            .filter(|(name, _)| !DERIVED_COLUMNS.contains(&(table, name.as_str())))
            .map(|(name, ty)| {
                let kind = match ty.as_str() {
                    "bigint" => Kind::Int,
                    "double precision" => Kind::Real,
                    "text" => Kind::Text,
                    "bytea" => Kind::Blob,
                    _ => return Err(CopyError::Schema(format!("{table}.{name} is {ty}"))),
                };
                Ok(Column { name, kind })
            })
            .collect()
    }

    /// Writes one batch and where it ends, in one transaction (one statement of
    /// arrays: any number of rows, one parameter per column).
    pub async fn write_batch(
        &self,
        table: &str,
        columns: &[Column],
        batch: &Batch,
    ) -> Result<(), StoreError> {
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let arrays: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("${}::{}[]", i + 1, pg_type(c.kind)))
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({}) SELECT * FROM UNNEST({})",
            names.join(", "),
            arrays.join(", ")
        );
        let mut insert = sqlx::query(&sql);
        for values in &batch.columns {
            insert = match values {
                Values::Int(v) => insert.bind(v),
                Values::Real(v) => insert.bind(v),
                Values::Text(v) => insert.bind(v),
                Values::Blob(v) => insert.bind(v),
            };
        }
        let key = serde_json::to_string(&batch.last_key).expect("JSON of numbers and strings");
        let mut tx = self.backend.begin().await?;
        insert.execute(&mut *tx).await?;
        sqlx::query(
            "UPDATE asakai_copy_tables SET last_key = $1, rows = rows + $2 WHERE name = $3",
        )
        .bind(key)
        .bind(batch.rows as i64)
        .bind(table)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks `table` done, its identity columns' sequences moved past the values
    /// copied (the next review, task, pass or alert gets a new number).
    pub async fn finish_table(&self, table: &str) -> Result<(), StoreError> {
        if table == "alerts" {
            self.backend.fill_text_ids().await?;
        }
        let identity: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 AND is_identity = 'YES'",
        )
        .bind(table)
        .fetch_all(&self.backend.pool)
        .await?;
        let mut tx = self.backend.begin().await?;
        for column in identity {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max({column}), 0) + 1, false) \
                 FROM {table}"
            );
            sqlx::query(&sql)
                .bind(table)
                .bind(&column)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE asakai_copy_tables SET done = true WHERE name = $1")
            .bind(table)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Carries the source's longest-alert bound over: it only ever grows, so it may
    /// be above what the copied alerts give the trigger.
    pub async fn raise_longest(&self, seconds: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE alerts_longest SET seconds = greatest(seconds, $1) WHERE id = 1")
            .bind(seconds)
            .execute(&self.backend.pool)
            .await?;
        Ok(())
    }

    pub async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        let sql = format!("SELECT count(*) FROM {table}");
        Ok(sqlx::query_scalar(&sql)
            .fetch_one(&self.backend.pool)
            .await?)
    }

    pub async fn longest_bound(&self) -> Result<i64, StoreError> {
        let v: Option<i64> = sqlx::query_scalar("SELECT max(seconds) FROM alerts_longest")
            .fetch_one(&self.backend.pool)
            .await?;
        Ok(v.unwrap_or(0))
    }

    /// Drops the bookkeeping: the copy is done and checked. Then gathers the
    /// planner's statistics, which a bulk load leaves stale until autovacuum comes
    /// round: without them the first searches and digests read whole tables.
    pub async fn forget_copy(&self) -> Result<(), StoreError> {
        let mut tx = self.backend.pool.begin().await?;
        sqlx::query("DROP TABLE asakai_copy_tables, asakai_copy")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        sqlx::query("ANALYZE").execute(&self.backend.pool).await?;
        Ok(())
    }

    pub async fn close(self) {
        self.backend.close().await;
        let _ = self._lock.close().await;
    }
}

fn pg_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Int => "int8",
        Kind::Real => "float8",
        Kind::Text => "text",
        Kind::Blob => "bytea",
    }
}

/// A database with asakai's bookkeeping in it: refused unless it copies this source,
/// unchanged since.
async fn check_same_source(
    conn: &mut PgConnection,
    at: &Location,
    source: &SourceId,
) -> Result<(), CopyError> {
    let (path, counts): (String, String) =
        sqlx::query_as("SELECT source, counts FROM asakai_copy WHERE id = 1")
            .fetch_one(&mut *conn)
            .await
            .map_err(StoreError::from)?;
    if path != source.path {
        return Err(CopyError::OtherSource {
            at: at.clone(),
            copying: path,
            from: source.path.clone(),
        });
    }
    let then: BTreeMap<String, i64> = serde_json::from_str(&counts).unwrap_or_default();
    let moved: Vec<String> = source
        .counts
        .iter()
        .filter(|(t, n)| then.get(*t) != Some(n))
        .map(|(t, n)| {
            format!(
                "{t}: {} rows then, {n} now",
                then.get(t).copied().unwrap_or(0)
            )
        })
        .collect();
    if moved.is_empty() {
        Ok(())
    } else {
        Err(CopyError::SourceChanged {
            at: at.clone(),
            from: source.path.clone(),
            what: moved.join(", "),
        })
    }
}

/// A database with no bookkeeping: only tables of asakai's, all of them empty (as
/// a store opened and never written leaves them), may be copied into.
async fn check_empty(
    conn: &mut PgConnection,
    at: &Location,
    tables: &[String],
) -> Result<(), CopyError> {
    let is_asakai = |t: &str| {
        t == "_sqlx_migrations"
            || DERIVED.contains(&t)
            || DERIVED_TABLES.contains(&t)
            || TABLES.iter().any(|x| x.name == t)
    };
    let foreign: Vec<&str> = tables
        .iter()
        .map(String::as_str)
        .filter(|t| !is_asakai(t))
        .collect();
    if !foreign.is_empty() {
        return Err(CopyError::Foreign {
            at: at.clone(),
            tables: list(&foreign),
        });
    }
    let mut filled = Vec::new();
    for t in TABLES.iter().filter(|t| tables.iter().any(|x| x == t.name)) {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", t.name))
            .fetch_one(&mut *conn)
            .await
            .map_err(StoreError::from)?;
        if n > 0 {
            filled.push(format!("{}: {n} rows", t.name));
        }
    }
    if filled.is_empty() {
        Ok(())
    } else {
        let filled: Vec<&str> = filled.iter().map(String::as_str).collect();
        Err(CopyError::NotEmpty {
            at: at.clone(),
            tables: list(&filled),
        })
    }
}

/// The first few of `names`, and how many more.
fn list(names: &[&str]) -> String {
    let shown = names.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    match names.len() {
        n if n > 5 => format!("{shown} and {} more", n - 5),
        _ => shown,
    }
}

/// Makes the bookkeeping of a new copy, in one transaction.
async fn begin_bookkeeping(backend: &Backend, source: &SourceId) -> Result<(), StoreError> {
    let counts = serde_json::to_string(&source.counts).expect("JSON of counts");
    let mut tx = backend.pool.begin().await?;
    sqlx::raw_sql(BOOKKEEPING).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO asakai_copy (id, source, counts) VALUES (1, $1, $2)")
        .bind(&source.path)
        .bind(counts)
        .execute(&mut *tx)
        .await?;
    for t in TABLES {
        sqlx::query("INSERT INTO asakai_copy_tables (name) VALUES ($1)")
            .bind(t.name)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
