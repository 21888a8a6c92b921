//! Free-text search (`--search`, and `--host`/`--monitor` by part of a name) on
//! PostgreSQL.
//!
//! Alerts repeat their texts (the same monitor on the same host, with the same
//! check message), so the texts are indexed once each, not once per alert
//! (migration 0005): an alert's four texts, parted by U+0001, are its *body*; the
//! body's hash is the alert's `text_id`; `alert_texts` holds each body once, with
//! a pg_trgm index for terms of three characters or more.
//!
//! A term of one or two characters has no trigram to look up. For it each text
//! keeps its *short grams*: every one- and two-character piece, case folded and
//! hashed, in a GIN index. The gram narrows the texts to those that hold it (or a
//! gram of the same hash); `ILIKE` judges them.
//!
//! A search reads the matching texts first, then their alerts: the planner knows
//! how many alerts each text has, so a common term walks the time index newest
//! first and stops at the page's limit, and a rare one reads its few alerts by
//! `text_id`. The text id says which text an alert has, so its row is matched
//! again only for a term in one column (`--host`, `--monitor`), in that column.

use sqlx::{Postgres, QueryBuilder};

use super::StoreError;
use crate::store::alerts::like_pattern as like;

/// How a search term is joined. PostgreSQL plans the join by its own statistics,
/// so there is one way for a term some text holds; the SQLite backend has three
/// (see `sqlite/text_search.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum TextPlan {
    FromMatches,
    ByTimeLike,
    /// No stored text holds the term: no alert is read for it. The planner, told
    /// only that a few texts might match, walked every alert newest first looking
    /// for them (a rare "zq": 400 ms on a million alerts).
    NoMatch,
}

/// What parts an alert's texts in its body (see [`body`]), so a term never
/// matches across two.
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

/// An alert's texts as one body (see the module's doc): `monitor_name`,
/// `host_name`, `message` and `reason` as stored, a missing one empty.
pub(crate) fn body(texts: [Option<&str>; 4]) -> String {
    let mut body = String::with_capacity(texts.iter().flatten().map(|t| t.len() + 1).sum());
    for (i, text) in texts.into_iter().enumerate() {
        if i > 0 {
            body.push(PART);
        }
        body.push_str(text.unwrap_or(""));
    }
    body
}

/// A body's id in `alert_texts`: the first 8 bytes of its SHA-256. Fixed forever
/// (stored ids are made with it). Two bodies of one id would mix up their alerts
/// in searches; by chance that takes about 2^32 distinct texts.
pub(crate) fn text_id(body: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body.as_bytes());
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// A body's short grams as PostgreSQL reads an `integer[]` from text (`{1,2}`):
/// a list of arrays travels as text, since an array of arrays must be square.
pub(crate) fn short_grams_text(body: &str) -> String {
    let grams: Vec<String> = short_grams([Some(body)])
        .iter()
        .map(i32::to_string)
        .collect();
    format!("{{{}}}", grams.join(","))
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

    /// Whether any stored text holds the term (see [`TextPlan`]). Asked anew for
    /// every search: a text that arrives later must be found.
    pub async fn plan(
        &self,
        _limit: Option<u32>,
        backend: &super::Backend,
    ) -> Result<TextPlan, StoreError> {
        if self.text.contains(PART) {
            return Ok(TextPlan::NoMatch);
        }
        let mut q = QueryBuilder::<Postgres>::new("SELECT EXISTS (");
        self.push_texts(&mut q);
        q.push(")");
        let held: bool = q.build_query_scalar().fetch_one(&backend.pool).await?;
        Ok(if held {
            TextPlan::FromMatches
        } else {
            TextPlan::NoMatch
        })
    }

    /// `SELECT t.id FROM alert_texts t WHERE …`: the texts that hold the term.
    fn push_texts(&self, q: &mut QueryBuilder<'_, Postgres>) {
        q.push("SELECT t.id FROM alert_texts t WHERE ");
        if let Some(gram) = self.short_gram() {
            q.push("t.short_grams @> ARRAY[")
                .push_bind(gram)
                .push("]::integer[] AND ");
        }
        q.push("t.body ILIKE ")
            .push_bind(like(self.text))
            .push(" ESCAPE '\\'");
    }

    /// A condition on `alerts a` for ` AND ...`: the alert's text is one that holds
    /// the term, and for a term in one column, that column holds it.
    ///
    /// The alert's own text is not matched again: its text id says which it is,
    /// and a second `ILIKE` on the row made PostgreSQL guess that few alerts
    /// match, and read all of them rather than walk newest first (a common word
    /// took 550 ms instead of 9 on a million alerts).
    pub fn push_condition(&self, q: &mut QueryBuilder<'_, Postgres>, plan: TextPlan) {
        // The columns' separator is in no alert's text either.
        if plan == TextPlan::NoMatch || self.text.contains(PART) {
            q.push("1 = 0");
            return;
        }
        // A term in one column is asked beside its id (`a.host_id = … OR …`), where
        // a join cannot go: the texts are read first, into an array the alerts'
        // index answers (a join there read every alert: 366 ms on a million).
        q.push(match self.column {
            Some(_) => "a.text_id = ANY(ARRAY(",
            None => "a.text_id IN (",
        });
        self.push_texts(q);
        q.push(")");
        if let Some(column) = self.column {
            q.push(format!(") AND a.{column} ILIKE "))
                .push_bind(like(self.text))
                .push(" ESCAPE '\\'");
        }
    }
}

/// Alerts filled per transaction by [`Backend::fill_text_ids`].
const FILL_BATCH: i64 = 5_000;

/// An alert stored without its text id: its texts.
#[derive(sqlx::FromRow)]
struct Unfilled {
    rowid: i64,
    monitor_name: Option<String>,
    host_name: Option<String>,
    message: Option<String>,
    reason: Option<String>,
}

/// The rows of `alert_texts` a write brings: each distinct body once, with its id.
pub(crate) struct NewTexts {
    ids: Vec<i64>,
    bodies: Vec<String>,
    short_grams: Vec<String>,
}

impl NewTexts {
    /// The text id of each of `bodies` (an alert's each, in order), and the texts
    /// they bring.
    pub fn of(bodies: impl IntoIterator<Item = String>) -> (Vec<i64>, NewTexts) {
        let mut seen = std::collections::HashSet::new();
        let mut ids = Vec::new();
        let mut texts = NewTexts {
            ids: Vec::new(),
            bodies: Vec::new(),
            short_grams: Vec::new(),
        };
        for body in bodies {
            let id = text_id(&body);
            ids.push(id);
            if seen.insert(id) {
                texts.ids.push(id);
                texts.short_grams.push(short_grams_text(&body));
                texts.bodies.push(body);
            }
        }
        (ids, texts)
    }

    /// Stores the texts, one already stored left as it is: a statement of its own,
    /// or a `WITH` before the alerts' upsert.
    pub fn push_insert<'a>(self, q: &mut QueryBuilder<'a, Postgres>) {
        q.push("INSERT INTO alert_texts (id, body, short_grams) SELECT id, body, g::integer[] FROM UNNEST(")
            .push_bind(self.ids)
            .push("::bigint[], ")
            .push_bind(self.bodies)
            .push("::text[], ")
            .push_bind(self.short_grams)
            .push("::text[]) AS t(id, body, g) ON CONFLICT (id) DO NOTHING");
    }
}

impl super::Backend {
    /// Gives their text id (and their text its row) to the alerts stored without
    /// one (before migration 0005, or copied by `db copy`), a batch per
    /// transaction, so a stopped fill resumes where it stopped. Returns how many
    /// were filled.
    pub(crate) async fn fill_text_ids(&self) -> Result<u64, StoreError> {
        let mut filled = 0;
        loop {
            let rows: Vec<Unfilled> = sqlx::query_as(
                "SELECT rowid, monitor_name, host_name, message, reason FROM alerts \
                 WHERE text_id IS NULL ORDER BY rowid LIMIT $1",
            )
            .bind(FILL_BATCH)
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                return Ok(filled);
            }
            let rowids: Vec<i64> = rows.iter().map(|r| r.rowid).collect();
            let (ids, texts) = NewTexts::of(rows.iter().map(|r| {
                let texts = [&r.monitor_name, &r.host_name, &r.message, &r.reason];
                body(texts.map(|t| t.as_deref()))
            }));
            let mut tx = self.begin().await?;
            let mut insert = QueryBuilder::new("");
            texts.push_insert(&mut insert);
            insert.build().execute(&mut *tx).await?;
            sqlx::query(
                "UPDATE alerts SET text_id = v.t \
                 FROM UNNEST($1::bigint[], $2::bigint[]) AS v(r, t) \
                 WHERE alerts.rowid = v.r AND alerts.text_id IS NULL",
            )
            .bind(&rowids)
            .bind(&ids)
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
    fn a_body_is_the_four_texts_parted_and_its_grams_are_theirs() {
        let texts = [Some("disk"), None, Some("Ab"), Some("")];
        let b = body(texts);
        assert_eq!(b, "disk\u{1}\u{1}Ab\u{1}");
        // The parts keep the grams apart, as the four texts apart do.
        let grams: Vec<String> = short_grams(texts).iter().map(i32::to_string).collect();
        assert_eq!(short_grams_text(&b), format!("{{{}}}", grams.join(",")));
        assert_eq!(short_grams_text(&body([None; 4])), "{}");
    }

    #[test]
    fn a_text_id_is_the_sha256_prefix_of_the_body_and_never_changes() {
        // Stored ids are made with it: this value must hold across versions.
        assert_eq!(text_id("abc"), 0xba78_16bf_8f01_cfea_u64 as i64);
        assert_eq!(text_id("disk\u{1}app01"), text_id("disk\u{1}app01"));
        assert_ne!(text_id("disk\u{1}app01"), text_id("disk\u{1}app02"));
    }

    #[test]
    fn new_texts_hold_each_body_once() {
        let (ids, texts) = NewTexts::of(["a", "b", "a"].map(String::from));
        assert_eq!(ids, [text_id("a"), text_id("b"), text_id("a")]);
        assert_eq!(texts.bodies, ["a", "b"]);
        assert_eq!(texts.ids, [text_id("a"), text_id("b")]);
        assert_eq!(texts.short_grams.len(), 2);
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
