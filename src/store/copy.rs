//! `asakai db copy` (design §13): an existing SQLite store moved into an empty
//! PostgreSQL database, table by table, in batches, resumable, and checked.
//!
//! Resuming: the target keeps its own bookkeeping beside the store's tables
//! (`asakai_copy`: which file it copies and how many rows each table had then;
//! `asakai_copy_tables`: per table, the key of the last row copied). Rows are read
//! in the order of a key (SQLite's rowid, or the primary key of a `WITHOUT ROWID`
//! table) and each batch is written in one transaction together with that key, so
//! a copy killed at any moment has written whole batches and knows where they end:
//! run again, it goes on after the last one. When every count checks out, the
//! bookkeeping is dropped and the database is a plain asakai store.
//!
//! The source must not change during the copy (its sync passes are held off with
//! their lock; `serve` must be stopped): a resumed copy whose source counts moved
//! is refused rather than finished into something that matches neither.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::postgres::copy_to::Target;
use super::{Backend, Location, Store, StoreError};

/// The tables copied, in an order their foreign keys allow, each with the key its
/// rows are read in: SQLite's rowid, or the primary key of a `WITHOUT ROWID` table
/// (migrations 0001, 0002, 0003, 0027). Every table of the final schema is here or
/// in [`DERIVED`]; the copy refuses a source with a table it does not know.
pub(super) const TABLES: &[Table] = &[
    Table::rowid("alerts"),
    Table::keyed("alert_logs", &["alert_id", "seq"]),
    Table::rowid("monitors"),
    Table::rowid("hosts"),
    Table::keyed("host_status_changes", &["host_id", "observed_at", "status"]),
    Table::rowid("services"),
    Table::rowid("sync_state"),
    Table::rowid("sync_passes"),
    Table::keyed("deliveries", &["window_start", "window_end", "channel"]),
    Table::rowid("reviews"),
    Table::rowid("tasks"),
    Table::keyed("task_alerts", &["task_id", "alert_id"]),
    Table::rowid("monitor_thresholds"),
    Table::rowid("monitor_metrics"),
    Table::rowid("alert_graphs"),
    Table::rowid("graph_secret"),
    Table::keyed("slack_posts", &["channel", "ts"]),
    Table::rowid("alert_thresholds"),
];

/// Tables the target's triggers fill from `alerts` as its rows go in: not copied,
/// but checked. (`alerts_longest` only grows, so the source's bound is carried over.)
pub(super) const DERIVED: &[&str] = &["alert_services", "alerts_longest"];

/// SQLite's own tables and its FTS5 text index, which PostgreSQL has no need of.
pub(super) fn is_sqlite_only(table: &str) -> bool {
    table.starts_with("sqlite_") || table.starts_with("alerts_text") || table == "_sqlx_migrations"
}

/// A table to copy and the key its rows are read in.
#[derive(Debug, Clone, Copy)]
pub(super) struct Table {
    pub name: &'static str,
    pub key: &'static [&'static str],
}

impl Table {
    const fn rowid(name: &'static str) -> Table {
        Table {
            name,
            key: &["rowid"],
        }
    }

    const fn keyed(name: &'static str, key: &'static [&'static str]) -> Table {
        Table { name, key }
    }
}

/// How a column's values travel: the four types the schema uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Int,
    Real,
    Text,
    Blob,
}

/// A column of a table, as the target declares it.
#[derive(Debug, Clone)]
pub(super) struct Column {
    pub name: String,
    pub kind: Kind,
}

/// One column's values in a batch (bound as one PostgreSQL array each).
#[derive(Debug)]
pub(super) enum Values {
    Int(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    Blob(Vec<Option<Vec<u8>>>),
}

/// Rows read from the source, column by column, and the key of the last one: where
/// the next batch starts, and what the target records with this one.
#[derive(Debug)]
pub(super) struct Batch {
    pub columns: Vec<Values>,
    pub rows: usize,
    pub last_key: Key,
}

/// A row's key as JSON (numbers and strings), as the bookkeeping keeps it.
pub(super) type Key = Vec<serde_json::Value>;

/// Rows per batch, and the bytes after which a batch ends early (graphs' series).
const BATCH_ROWS: usize = 5_000;
pub(super) const BATCH_BYTES: usize = 8 << 20;

/// How to copy; the default is what `asakai db copy` does.
#[derive(Debug, Clone)]
pub struct CopyOptions {
    /// Rows per batch (each written in its own transaction).
    pub batch_rows: usize,
    /// Stop with [`CopyError::Stopped`] after this many batches: for tests of resuming.
    pub stop_after_batches: Option<u64>,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            batch_rows: BATCH_ROWS,
            stop_after_batches: None,
        }
    }
}

/// What the copy tells as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// Rows to copy in all, and how many an earlier run already copied.
    Start { total: u64, done: u64 },
    /// Copying this table now.
    Table(&'a str),
    /// This many more rows copied.
    Rows(u64),
    /// Counting both sides.
    Checking,
}

/// One line of the final check: rows of a table (or, for `alerts_longest.seconds`,
/// the bound) in the source and in the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: String,
    pub source: i64,
    pub target: i64,
}

/// A finished copy.
#[derive(Debug)]
pub struct CopyReport {
    /// Every table's counts; all equal.
    pub tables: Vec<TableCount>,
    /// Rows an earlier, interrupted run had copied already.
    pub resumed_rows: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("--to {0}: `db copy` writes into PostgreSQL; give a postgres:// URL")]
    TargetNotPostgres(Location),
    #[error(
        "a sync pass is running on {0} (`asakai poll` or `serve`): stop it, then copy; \
         the source must not change during the copy"
    )]
    SourceBusy(PathBuf),
    #[error("another `asakai db copy` is writing into {0}; wait for it to end")]
    TargetBusy(Location),
    #[error(
        "{at} holds tables asakai does not know ({tables}): copy into an empty database \
         of its own (e.g. `createdb asakai`); nothing was written"
    )]
    Foreign { at: Location, tables: String },
    #[error(
        "{at} already holds an asakai store ({tables}): `db copy` fills only an empty \
         database; give a new one (e.g. `createdb asakai`); nothing was written"
    )]
    NotEmpty { at: Location, tables: String },
    #[error(
        "{at} holds an unfinished copy of {copying}, not of {from}: run `asakai db copy \
         --from {copying}` to finish it, or copy into another database; nothing was written"
    )]
    OtherSource {
        at: Location,
        copying: String,
        from: String,
    },
    #[error(
        "{from} changed since the copy into {at} began ({what}); a copy must come from a \
         store nobody writes to: stop `asakai serve` and `poll` on it, drop and create the \
         target database again, and copy again"
    )]
    SourceChanged {
        at: Location,
        from: String,
        what: String,
    },
    #[error("the schemas differ: {0}")]
    Schema(String),
    #[error(
        "the copy into {at} does not match {from}: {}; drop the target database and copy \
         again (and report it if it happens again)",
        differences(.tables)
    )]
    Mismatch {
        at: Location,
        from: String,
        tables: Vec<TableCount>,
    },
    #[error("stopped after {0} batches, as asked; run again to resume")]
    Stopped(u64),
}

fn differences(tables: &[TableCount]) -> String {
    let wrong: Vec<String> = tables
        .iter()
        .filter(|t| t.source != t.target)
        .map(|t| {
            format!(
                "{} {} in the source, {} in the copy",
                t.table, t.source, t.target
            )
        })
        .collect();
    wrong.join("; ")
}

/// The source as the bookkeeping names it: its path, and its rows per table when
/// the copy began (a resumed copy needs them unchanged).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SourceId {
    pub path: String,
    pub counts: BTreeMap<String, i64>,
}

/// Copies the SQLite store `from` into the empty PostgreSQL database `to`, or goes on
/// with an interrupted copy of it, then checks every table's count (see the module).
pub async fn copy_to_postgres(
    from: &Path,
    to: &Location,
    options: &CopyOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<CopyReport, CopyError> {
    let Location::Postgres(url) = to else {
        return Err(CopyError::TargetNotPostgres(to.clone()));
    };
    // The store's reader: refuses what is not an asakai store, migrates an older one.
    let store = Store::open_reader(from).await?;
    let result = copy_from(&store, from, url, options, progress).await;
    store.close().await;
    result
}

async fn copy_from(
    store: &Store,
    from: &Path,
    url: &str,
    options: &CopyOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<CopyReport, CopyError> {
    let Backend::Sqlite(src) = &store.backend else {
        unreachable!("a path opens a SQLite store")
    };
    let _passes = match store.try_lock_passes().await {
        Ok(Some(held)) => Some(held),
        Ok(None) => return Err(CopyError::SourceBusy(from.into())),
        // A directory we cannot write: no pass can run there either.
        Err(_) => None,
    };
    src.check_copy_covers().await?;
    let source = SourceId {
        path: std::fs::canonicalize(from)
            .unwrap_or_else(|_| from.into())
            .display()
            .to_string(),
        counts: src.copy_counts().await?,
    };
    let target = Target::prepare(url, &source).await?;
    let total: i64 = source.counts.values().sum();
    let done = target.rows_copied().await?;
    progress(Progress::Start {
        total: total as u64,
        done,
    });
    let mut batches = 0;
    for table in TABLES {
        progress(Progress::Table(table.name));
        copy_table(src, &target, table, options, &mut batches, progress).await?;
    }
    target.raise_longest(src.longest_bound().await?).await?;
    progress(Progress::Checking);
    let tables = check(src, &target).await?;
    if tables.iter().any(|t| t.source != t.target) {
        return Err(CopyError::Mismatch {
            at: target.location(),
            from: source.path,
            tables,
        });
    }
    target.forget_copy().await?;
    target.close().await;
    Ok(CopyReport {
        tables,
        resumed_rows: done,
    })
}

/// Copies what is left of one table, a batch per transaction; reading the next batch
/// overlaps writing this one.
async fn copy_table(
    src: &super::sqlite::Backend,
    target: &Target,
    table: &Table,
    options: &CopyOptions,
    batches: &mut u64,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<(), CopyError> {
    let Some(after) = target.resume_point(table.name).await? else {
        return Ok(()); // done in an earlier run
    };
    let columns = target.columns(table.name).await?;
    src.check_copy_columns(table, &columns).await?;
    let limit = options.batch_rows.max(1);
    let mut next = src
        .read_batch(table, &columns, after.as_ref(), limit)
        .await?;
    while let Some(batch) = next {
        if options.stop_after_batches.is_some_and(|n| *batches >= n) {
            return Err(CopyError::Stopped(*batches));
        }
        let (written, read) = tokio::join!(
            target.write_batch(table.name, &columns, &batch),
            src.read_batch(table, &columns, Some(&batch.last_key), limit)
        );
        written?;
        *batches += 1;
        progress(Progress::Rows(batch.rows as u64));
        next = read?;
    }
    target.finish_table(table.name).await?;
    Ok(())
}

/// Every table's rows on both sides, the derived ones too.
async fn check(
    src: &super::sqlite::Backend,
    target: &Target,
) -> Result<Vec<TableCount>, CopyError> {
    let mut out = Vec::new();
    let names = TABLES.iter().map(|t| t.name).chain(["alert_services"]);
    for name in names {
        out.push(TableCount {
            table: name.to_owned(),
            source: src.count_rows(name).await?,
            target: target.count_rows(name).await?,
        });
    }
    out.push(TableCount {
        table: "alerts_longest.seconds".into(),
        source: src.longest_bound().await?,
        target: target.longest_bound().await?,
    });
    Ok(out)
}
