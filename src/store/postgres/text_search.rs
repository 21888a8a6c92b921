//! Free-text search (`--search`, and `--host`/`--monitor` by part of a name) on
//! PostgreSQL: `ILIKE` on the text the trigram index `alerts_text_trgm` covers
//! (pg_trgm, baseline migration), which PostgreSQL's planner answers from the index
//! for a term of three characters or more.
//!
//! A term of one or two characters has no trigram to look up. For it each alert
//! keeps its *short grams* (migration 0002): every one- and two-character piece of
//! its four texts, case folded and hashed, in a GIN index. The term's gram narrows
//! the alerts to those that hold it (or a gram of the same hash); `ILIKE` stays the
//! judge. The planner knows each gram's frequency, so a common gram walks the time
//! index newest first and stops at the page's limit, and a rare one reads its few
//! alerts from the index.

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

/// A character as the short grams hold it: lower case where it has one.
fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// A gram of one or two folded characters as `short_grams` holds it: the 32-bit
/// FNV-1a hash of its UTF-8, fixed forever (the stored grams are made with it).
fn gram_hash(first: char, second: Option<char>) -> i32 {
    let mut hash: u32 = 0x811c_9dc5;
    let mut buf = [0; 8];
    let len = first.encode_utf8(&mut buf).len();
    let len = len + second.map_or(0, |c| c.encode_utf8(&mut buf[len..]).len());
    for byte in &buf[..len] {
        hash = (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193);
    }
    hash as i32
}

/// The short grams of an alert's texts (`monitor_name`, `host_name`, `message`,
/// `reason`): each distinct character and pair of neighbours within one text,
/// folded and hashed, sorted.
pub(crate) fn short_grams<'a>(texts: impl IntoIterator<Item = Option<&'a str>>) -> Vec<i32> {
    let mut grams = Vec::new();
    for text in texts.into_iter().flatten() {
        let mut before: Option<char> = None;
        for c in text.chars().map(fold) {
            if c == PART {
                before = None;
                continue;
            }
            grams.push(gram_hash(c, None));
            if let Some(b) = before {
                grams.push(gram_hash(b, Some(c)));
            }
            before = Some(c);
        }
    }
    grams.sort_unstable();
    grams.dedup();
    grams
}

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

    /// A term of one or two characters, as the short grams hold it.
    fn short_gram(&self) -> Option<i32> {
        let mut chars = self.text.chars().map(fold);
        let first = chars.next()?;
        let second = chars.next();
        chars.next().is_none().then(|| gram_hash(first, second))
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
        if let Some(gram) = self.short_gram() {
            q.push("a.short_grams @> ARRAY[")
                .push_bind(gram)
                .push("]::integer[] AND ");
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

/// Alerts filled per transaction by [`Backend::fill_short_grams`].
const FILL_BATCH: i64 = 5_000;

/// An alert stored without its short grams: its texts.
#[derive(sqlx::FromRow)]
struct Unfilled {
    rowid: i64,
    monitor_name: Option<String>,
    host_name: Option<String>,
    message: Option<String>,
    reason: Option<String>,
}

impl super::Backend {
    /// Writes the short grams of the alerts stored without them (before migration
    /// 0002, or copied by `db copy`), a batch per transaction, so a stopped fill
    /// resumes where it stopped. Returns how many were filled.
    pub(crate) async fn fill_short_grams(&self) -> Result<u64, StoreError> {
        let mut filled = 0;
        loop {
            let rows: Vec<Unfilled> = sqlx::query_as(
                "SELECT rowid, monitor_name, host_name, message, reason FROM alerts \
                 WHERE short_grams IS NULL ORDER BY rowid LIMIT $1",
            )
            .bind(FILL_BATCH)
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                return Ok(filled);
            }
            let rowids: Vec<i64> = rows.iter().map(|r| r.rowid).collect();
            // As text ("{1,2}"): an array of arrays must be rectangular.
            let grams: Vec<String> = rows
                .iter()
                .map(|r| {
                    let texts = [&r.monitor_name, &r.host_name, &r.message, &r.reason];
                    let grams = short_grams(texts.map(|t| t.as_deref()));
                    let list: Vec<String> = grams.iter().map(i32::to_string).collect();
                    format!("{{{}}}", list.join(","))
                })
                .collect();
            let mut tx = self.begin().await?;
            sqlx::query(
                "UPDATE alerts SET short_grams = v.g::integer[] \
                 FROM UNNEST($1::bigint[], $2::text[]) AS v(r, g) WHERE alerts.rowid = v.r AND alerts.short_grams IS NULL",
            )
            .bind(&rowids)
            .bind(&grams)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            filled += rows.len() as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(grams: &[&str]) -> Vec<i32> {
        let mut out: Vec<i32> = grams
            .iter()
            .map(|g| {
                let mut chars = g.chars();
                gram_hash(chars.next().unwrap(), chars.next())
            })
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn short_grams_are_each_character_and_pair_folded_once_within_one_text() {
        assert_eq!(short_grams([Some("AbA")]), hashes(&["a", "ab", "b", "ba"]));
        // No pair across two texts; none for a missing one.
        assert_eq!(
            short_grams([Some("x"), None, Some("Y"), Some("")]),
            hashes(&["x", "y"])
        );
        assert_eq!(
            short_grams([Some("É"), Some("ディ")]),
            hashes(&["é", "デ", "ィ", "ディ"])
        );
        // The separator is never in a gram, and parts what is around it.
        assert_eq!(short_grams([Some("a\u{1}b")]), hashes(&["a", "b"]));
        assert!(short_grams([None, None]).is_empty());
    }

    #[test]
    fn a_gram_hash_is_fnv_1a_of_its_utf8_and_never_changes() {
        // Stored grams are made with it: these values must hold across versions.
        assert_eq!(gram_hash('a', None), 0xe40c292c_u32 as i32);
        assert_eq!(gram_hash('a', Some('b')), 0x4d2505ca_u32 as i32);
        assert_ne!(gram_hash('a', Some('b')), gram_hash('b', Some('a')));
    }

    #[test]
    fn a_term_of_one_or_two_characters_is_looked_up_as_its_folded_gram() {
        assert_eq!(
            Term::anywhere("Zq").short_gram(),
            Some(gram_hash('z', Some('q')))
        );
        assert_eq!(Term::anywhere("É").short_gram(), Some(gram_hash('é', None)));
        assert_eq!(
            Term::in_column("DB", "host_name").short_gram(),
            Some(gram_hash('d', Some('b')))
        );
        assert_eq!(Term::anywhere("abc").short_gram(), None);
        assert_eq!(Term::anywhere("").short_gram(), None);
    }
}
