//! The store's one error type, and the one place database errors are mapped to it:
//! callers see what went wrong in the store's words (busy, a conflicting write),
//! never a driver's error type, so another backend can give the same answers.

use super::{Location, BUSY_TIMEOUT};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {at}: {cause}")]
    Open { at: Location, cause: String },
    #[error("no database at {0}: run `asakai poll` first (or pass --db)")]
    Missing(Location),
    #[error("cannot bring the database {at} up to date: {cause}")]
    Migrate { at: Location, cause: String },
    #[error(
        "the database {0} was made by an older asakai and is read-only here; \
         run `asakai poll` once with write access to bring it up to date"
    )]
    Outdated(Location),
    #[error(
        "the database is busy: another write has held it for over {}s; \
         try again in a moment",
        BUSY_TIMEOUT.as_secs()
    )]
    Busy,
    /// A write met a row another write stored first under the same unique key (two
    /// `task new` for one monitor and host at once): the caller may read and try again.
    #[error("another write stored the same thing first ({0}); try again")]
    Conflict(String),
    /// The lock that keeps two sync passes apart could not be taken or made.
    #[error("{0}")]
    Lock(String),
    /// Anything else the database answered, in its own words.
    #[error("database error: {0}")]
    Sql(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        // The writer connection stayed taken as long as SQLite would have waited.
        if is_busy(&e) || matches!(e, sqlx::Error::PoolTimedOut) {
            StoreError::Busy
        } else if e
            .as_database_error()
            .is_some_and(|d| d.is_unique_violation())
        {
            StoreError::Conflict(describe(&e))
        } else {
            StoreError::Sql(e.to_string())
        }
    }
}

/// SQLITE_BUSY (5) and its extended codes, and SQLITE_LOCKED (6): a writer held on too
/// long. (PostgreSQL's writers wait for their turn on the pool: `PoolTimedOut`.)
pub(super) fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .filter(|d| d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some())
        .and_then(|d| d.code())
        .and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

/// SQLite's own words, once (sqlx's error chain repeats them).
pub(super) fn describe(e: &sqlx::Error) -> String {
    match e.as_database_error() {
        Some(d) => d.message().to_owned(),
        None => e.to_string(),
    }
}
