//! Reading a SQLite store for `db copy` (see `store::copy`): its tables in key order,
//! a batch at a time, column by column.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::Backend;
use crate::store::copy::{
    is_sqlite_only, Batch, Column, CopyError, Key, Kind, Table, Values, BATCH_BYTES, DERIVED,
    TABLES,
};
use crate::store::StoreError;

impl Backend {
    /// Refuses a store holding a table the copy does not know: a migration added
    /// one and `store::copy::TABLES` was not told.
    pub(in crate::store) async fn check_copy_covers(&self) -> Result<(), CopyError> {
        let names: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(self.pool())
                .await
                .map_err(StoreError::from)?;
        let known: BTreeSet<&str> = TABLES
            .iter()
            .map(|t| t.name)
            .chain(DERIVED.iter().copied())
            .collect();
        let unknown: Vec<&str> = names
            .iter()
            .map(String::as_str)
            .filter(|n| !is_sqlite_only(n) && !known.contains(n))
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(CopyError::Schema(format!(
                "the source has tables this asakai cannot copy: {}",
                unknown.join(", ")
            )))
        }
    }

    /// Rows per copied table.
    pub(in crate::store) async fn copy_counts(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        let mut counts = BTreeMap::new();
        for t in TABLES {
            counts.insert(t.name.to_owned(), self.count_rows(t.name).await?);
        }
        Ok(counts)
    }

    pub(in crate::store) async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        let sql = format!("SELECT count(*) FROM {}", ident(table));
        Ok(sqlx::query_scalar(&sql).fetch_one(self.pool()).await?)
    }

    /// The longest any closed alert stayed open, as `alerts_longest` keeps it.
    pub(in crate::store) async fn longest_bound(&self) -> Result<i64, StoreError> {
        let v: Option<i64> = sqlx::query_scalar("SELECT max(seconds) FROM alerts_longest")
            .fetch_one(self.pool())
            .await?;
        Ok(v.unwrap_or(0))
    }

    /// Refuses a table whose columns are not the target's (SQLite's implicit rowid
    /// stands for PostgreSQL's `alerts.rowid`).
    pub(in crate::store) async fn check_copy_columns(
        &self,
        table: &Table,
        columns: &[Column],
    ) -> Result<(), CopyError> {
        let mut have: BTreeSet<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
                .bind(table.name)
                .fetch_all(self.pool())
                .await
                .map_err(StoreError::from)?
                .into_iter()
                .collect();
        if table.key == ["rowid"] {
            have.insert("rowid".into());
        }
        let want: BTreeSet<String> = columns.iter().map(|c| c.name.clone()).collect();
        if want.is_subset(&have) && have.iter().all(|c| c == "rowid" || want.contains(c)) {
            return Ok(());
        }
        Err(CopyError::Schema(format!(
            "{}: the source has columns {:?}, the target {:?}",
            table.name, have, want
        )))
    }

    /// The next rows of `table` after the key `after` (from its start: `None`), at
    /// most `limit` and about [`BATCH_BYTES`]; `None` when there are no more.
    pub(in crate::store) async fn read_batch(
        &self,
        table: &Table,
        columns: &[Column],
        after: Option<&Key>,
        limit: usize,
    ) -> Result<Option<Batch>, StoreError> {
        let key = table.key.join(", ");
        let names: Vec<&str> = columns.iter().map(|c| ident(&c.name)).collect();
        let place = vec!["?"; table.key.len()].join(", ");
        let filter = match after {
            Some(_) => format!("WHERE ({key}) > ({place})"),
            None => String::new(),
        };
        let sql = format!(
            "SELECT {key}, {} FROM {} {filter} ORDER BY {key} LIMIT {limit}",
            names.join(", "),
            ident(table.name)
        );
        let mut query = sqlx::query(&sql);
        for part in after.into_iter().flatten() {
            query = match part {
                serde_json::Value::Number(n) => query.bind(n.as_i64()),
                other => query.bind(other.as_str().unwrap_or_default().to_owned()),
            };
        }
        let mut batch = Batch {
            columns: columns.iter().map(|c| empty(c.kind, limit)).collect(),
            rows: 0,
            last_key: Vec::new(),
        };
        let mut bytes = 0;
        let mut rows = query.fetch(self.pool());
        while let Some(row) = rows.try_next().await? {
            let k = table.key.len();
            for (i, values) in batch.columns.iter_mut().enumerate() {
                bytes += push(values, &row, k + i)?;
            }
            batch.last_key = read_key(&row, table, columns)?;
            batch.rows += 1;
            if bytes >= BATCH_BYTES {
                break;
            }
        }
        Ok((batch.rows > 0).then_some(batch))
    }
}

/// A table or column name from the schema, checked to need no quoting.
fn ident(name: &str) -> &str {
    assert!(
        name.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "an unexpected identifier {name:?}"
    );
    name
}

fn empty(kind: Kind, n: usize) -> Values {
    match kind {
        Kind::Int => Values::Int(Vec::with_capacity(n)),
        Kind::Real => Values::Real(Vec::with_capacity(n)),
        Kind::Text => Values::Text(Vec::with_capacity(n)),
        Kind::Blob => Values::Blob(Vec::with_capacity(n)),
    }
}

/// Appends the row's value at `i`, converted as SQLite converts (unchecked: a
/// column's declared type does not bind what a row holds); its size in bytes.
fn push(values: &mut Values, row: &SqliteRow, i: usize) -> Result<usize, sqlx::Error> {
    Ok(match values {
        Values::Int(v) => {
            v.push(row.try_get_unchecked(i)?);
            8
        }
        Values::Real(v) => {
            v.push(row.try_get_unchecked(i)?);
            8
        }
        Values::Text(v) => {
            let s: Option<String> = row.try_get_unchecked(i)?;
            let n = s.as_ref().map_or(0, String::len);
            v.push(s);
            n + 8
        }
        Values::Blob(v) => {
            let b: Option<Vec<u8>> = row.try_get_unchecked(i)?;
            let n = b.as_ref().map_or(0, Vec::len);
            v.push(b);
            n + 8
        }
    })
}

/// The key of a row: its first columns, numbers or strings as their columns are.
fn read_key(row: &SqliteRow, table: &Table, columns: &[Column]) -> Result<Key, sqlx::Error> {
    let mut key = Vec::with_capacity(table.key.len());
    for (i, name) in table.key.iter().enumerate() {
        let kind = columns
            .iter()
            .find(|c| c.name == *name)
            .map_or(Kind::Int, |c| c.kind);
        key.push(match kind {
            Kind::Int => serde_json::Value::from(row.try_get_unchecked::<i64, _>(i)?),
            _ => serde_json::Value::from(row.try_get_unchecked::<String, _>(i)?),
        });
    }
    Ok(key)
}
