//! Free-text search (`--search`, and `--host`/`--monitor` by part of a name) on
//! PostgreSQL: `ILIKE` on the text the trigram index `alerts_text_trgm` covers
//! (pg_trgm, baseline migration), which PostgreSQL's planner answers from the index
//! for a term of three characters or more. A term of one or two characters has no
//! trigram to look up: the planner walks the time index newest first and stops at
//! the page's limit, which a common short term reaches soon; a rare one reads the
//! table (measured in the benchmark).

use sqlx::{PgPool, Postgres, QueryBuilder};

use super::StoreError;
use crate::store::alerts::like_pattern as like;

/// How a search term is joined. PostgreSQL plans it by its own statistics, so there
/// is one way; the SQLite backend has three (see `sqlite/text_search.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum TextPlan {
    FromMatches,
    ByTimeLike,
}

/// The text the index covers: the four columns, parted by U+0001 so a term never
/// matches across two. Written exactly as the index's expression, or it is not used.
const INDEXED: &str = "(coalesce(a.monitor_name,'') || E'\\x01' || coalesce(a.host_name,'') || \
     E'\\x01' || coalesce(a.message,'') || E'\\x01' || coalesce(a.reason,''))";

/// What parts the columns in [`INDEXED`].
const PART: char = '\u{1}';

/// A search term, in all columns or one.
pub(super) struct Term<'a> {
    text: &'a str,
    column: Option<&'static str>,
}

impl<'a> Term<'a> {
    /// A term searched in every text column.
    pub fn anywhere(text: &'a str) -> Term<'a> {
        Term { text, column: None }
    }

    /// A term searched in one column (`host_name`, `monitor_name`).
    pub fn in_column(text: &'a str, column: &'static str) -> Term<'a> {
        Term {
            text,
            column: Some(column),
        }
    }

    /// PostgreSQL's planner chooses between the index and the time walk itself.
    pub fn looks_first_by_like(&self, _plan: TextPlan) -> bool {
        false
    }

    /// One plan for every term (see [`TextPlan`]).
    pub async fn plan(&self, _limit: Option<u32>, _pool: &PgPool) -> Result<TextPlan, StoreError> {
        Ok(TextPlan::FromMatches)
    }

    /// A condition on `alerts a` for ` AND ...`.
    pub fn push_condition(&self, q: &mut QueryBuilder<'_, Postgres>, _plan: TextPlan) {
        if self.text.contains(PART) {
            // The columns' separator is in no alert's text.
            q.push("1 = 0");
            return;
        }
        let text = match self.column {
            Some(column) => format!("a.{column}"),
            None => INDEXED.to_owned(),
        };
        q.push(format!("{text} ILIKE "))
            .push_bind(like(self.text))
            .push(" ESCAPE '\\'");
    }
}
