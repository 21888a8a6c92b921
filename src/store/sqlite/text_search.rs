//! Free-text search (`--search`, and `--host`/`--monitor` by part of a name) through
//! the trigram index `alerts_text`.
//!
//! Every text is indexed with two U+0001 characters after it (migration 0024), so
//! every character of it begins a trigram. A term of three characters or more is a
//! phrase of its trigrams; a shorter one is the trigrams that begin with it, one
//! range of the index's vocabulary (`alerts_text_terms`). Either way the matches are
//! counted first, up to a threshold: few are joined from the index's list of them,
//! many are found walking the time index newest first, which stops at the limit.
//! A term's plan is kept a minute (see `store::recent_plans`).

use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::{Backend, StoreError};
use crate::store::alerts::like_pattern as like;

/// How a search term is joined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum TextPlan {
    /// Few matches: the alerts are read from the index's list of them.
    FromMatches,
    /// Many: the time index is walked newest first and each alert looked up in the
    /// match list, which stops at the limit. Reading the list costs little beside
    /// walking to the limit when the matches are all old.
    ByTimeInMatches,
    /// A great many (or a term the index cannot answer): LIKE on each alert while
    /// walking newest first, which meets the limit soon. Only for a term LIKE
    /// matches as the index does (see [`Term::like_agrees`]).
    ByTimeLike,
}

/// A short term's matches are read into a list up to this many occurrences (about
/// 15 ms on a million alerts); past it, LIKE finds the limit sooner.
const MATCH_SET: i64 = 50_000;

/// The text columns a search looks in.
const COLUMNS: [&str; 4] = ["monitor_name", "host_name", "message", "reason"];

/// A search term as the text index is asked for it, in all columns or one.
pub(super) struct Term<'a> {
    text: &'a str,
    column: Option<&'static str>,
}

/// The index's vocabulary range `[from, to]` for a short term.
struct Prefix {
    from: String,
    to: String,
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

    /// Three characters or more: a phrase query, limited to the column if any.
    fn phrase(&self) -> Option<String> {
        (self.text.chars().count() >= 3).then(|| {
            let phrase = format!("\"{}\"", self.text.replace('"', "\"\""));
            match self.column {
                Some(column) => format!("{column} : {phrase}"),
                None => phrase,
            }
        })
    }

    /// One or two characters: the trigrams that begin with it. The index folds case
    /// as Unicode does; so does this.
    fn prefix(&self) -> Option<Prefix> {
        let folded = self.text.to_lowercase();
        (self.phrase().is_none() && (1..=2).contains(&folded.chars().count())).then(|| Prefix {
            to: format!("{folded}{}", char::MAX),
            from: folded,
        })
    }

    /// Whether LIKE matches this term as the index does. LIKE ignores the case of
    /// ASCII letters only, the index that of every letter: LIKE would miss the
    /// `Überlast` that `über` finds, and a page read by LIKE would skip alerts.
    fn like_agrees(&self) -> bool {
        self.text
            .chars()
            .all(|c| c.is_ascii() || !(c.is_lowercase() || c.is_uppercase()))
    }

    /// Whether a search planned as `plan` may first look by LIKE among the first rows
    /// walked (see `Store::find_alerts`): only a common term LIKE matches as the index does.
    pub fn looks_first_by_like(&self, plan: TextPlan) -> bool {
        plan == TextPlan::ByTimeInMatches && self.like_agrees()
    }

    /// How the term is joined (see [`TextPlan`]): as it was lately, else counted.
    pub async fn plan(
        &self,
        limit: Option<u32>,
        backend: &Backend,
    ) -> Result<TextPlan, StoreError> {
        let key = (self.text.to_owned(), self.column, limit);
        if let Some(plan) = backend.text_plans.recent(&key) {
            return Ok(plan);
        }
        let plan = self.count_plan(limit, &backend.pool).await?;
        backend.text_plans.keep(key, plan);
        Ok(plan)
    }

    /// How the term is joined, from its matches. Counting stops past what decides
    /// it, so a broad term is not counted to the end.
    async fn count_plan(
        &self,
        limit: Option<u32>,
        pool: &SqlitePool,
    ) -> Result<TextPlan, StoreError> {
        // Without a limit every match is read: from the index's list, unless a short
        // term's list is longer than reading the rows.
        let few = limit.map_or(MATCH_SET, |l| 20 * i64::from(l));
        let mut q = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM (");
        // Past `few`, matches are looked up while walking the time index up to `cap`
        // of them, and `beyond` that.
        let (cap, beyond) = if let Some(phrase) = self.phrase() {
            if limit.is_none() {
                return Ok(TextPlan::FromMatches);
            }
            q.push("SELECT rowid FROM alerts_text WHERE alerts_text MATCH ")
                .push_bind(phrase);
            // A common part of a name: LIKE on the one column is cheaper than the list.
            let beyond = match self.column {
                Some(_) if self.like_agrees() => TextPlan::ByTimeLike,
                _ => TextPlan::ByTimeInMatches,
            };
            (few, beyond)
        } else if let Some(prefix) = self.prefix() {
            self.push_prefix(&mut q, prefix);
            // A letter LIKE cannot fold is read from the list however long it is:
            // slower for a letter in millions of texts, never short of alerts.
            let beyond = if self.like_agrees() {
                TextPlan::ByTimeLike
            } else {
                TextPlan::ByTimeInMatches
            };
            (few.max(MATCH_SET), beyond)
        } else {
            return Ok(TextPlan::ByTimeLike);
        };
        q.push(" LIMIT ").push_bind(cap + 1).push(")");
        let matches: i64 = q.build_query_scalar().fetch_one(pool).await?;
        Ok(if matches <= few {
            TextPlan::FromMatches
        } else if matches <= cap {
            TextPlan::ByTimeInMatches
        } else {
            beyond
        })
    }

    /// `SELECT doc ...`: the rowids of the alerts whose text has a trigram in the
    /// prefix's range (one per occurrence; `IN` does not mind repeats).
    fn push_prefix(&self, q: &mut QueryBuilder<'_, Sqlite>, prefix: Prefix) {
        q.push("SELECT doc FROM alerts_text_terms WHERE term >= ")
            .push_bind(prefix.from)
            .push(" AND term <= ")
            .push_bind(prefix.to);
        if let Some(column) = self.column {
            q.push(format!(" AND col = '{column}'"));
        }
    }

    /// The rowids of the alerts the index matches, as a subquery.
    fn push_matches(&self, q: &mut QueryBuilder<'_, Sqlite>) {
        q.push("(");
        if let Some(phrase) = self.phrase() {
            q.push("SELECT rowid FROM alerts_text WHERE alerts_text MATCH ")
                .push_bind(phrase);
        } else if let Some(prefix) = self.prefix() {
            self.push_prefix(q, prefix);
        } else {
            q.push("SELECT NULL WHERE 0");
        }
        q.push(")");
    }

    /// A condition on `alerts a` for ` AND ...`, as the plan joins it.
    pub fn push_condition(&self, q: &mut QueryBuilder<'_, Sqlite>, plan: TextPlan) {
        match plan {
            TextPlan::FromMatches => {
                q.push("a.rowid IN ");
                self.push_matches(q);
            }
            TextPlan::ByTimeInMatches => {
                // A unary + on rowid keeps SQLite from driving the query by the match list.
                q.push("+a.rowid IN ");
                self.push_matches(q);
            }
            TextPlan::ByTimeLike => self.push_like(q),
        }
    }

    fn push_like(&self, q: &mut QueryBuilder<'_, Sqlite>) {
        let pattern = like(self.text);
        q.push("(");
        let columns = match &self.column {
            Some(column) => std::slice::from_ref(column),
            None => &COLUMNS[..],
        };
        for (i, col) in columns.iter().enumerate() {
            if i > 0 {
                q.push(" OR ");
            }
            q.push(format!("a.{col} LIKE "))
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\'");
        }
        q.push(")");
    }
}

/// A search term, the column it is asked in, and the search's limit.
pub(super) type TermKey = (String, Option<&'static str>, Option<u32>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_is_a_phrase_from_three_characters_and_a_vocabulary_range_below() {
        assert_eq!(Term::anywhere("nginx").phrase().unwrap(), "\"nginx\"");
        assert_eq!(
            Term::in_column("a\"b", "host_name").phrase().unwrap(),
            "host_name : \"a\"\"b\""
        );
        assert!(Term::anywhere("db").phrase().is_none());
        let p = Term::anywhere("DB").prefix().unwrap();
        assert_eq!(p.from, "db");
        assert_eq!(p.to, "db\u{10FFFF}");
        assert_eq!(Term::anywhere("é").prefix().unwrap().from, "é");
        assert!(Term::anywhere("abc").prefix().is_none());
    }

    #[test]
    fn like_agrees_with_the_index_on_ascii_and_on_letters_without_case() {
        for text in ["nginx", "CPU 4)", "ディスク", "磁盘"] {
            assert!(Term::anywhere(text).like_agrees(), "{text}");
        }
        for text in ["über", "É", "ошибка", "ß"] {
            assert!(!Term::anywhere(text).like_agrees(), "{text}");
        }
    }

    #[test]
    fn like_escapes_its_wildcards() {
        assert_eq!(like("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
