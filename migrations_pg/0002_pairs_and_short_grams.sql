-- Two lookups the baseline left to reading the table on a large store (measured by
-- the benchmark on 1,000,000 alerts: the digest took 0.4 s, a rare short search 1.7 s).

-- A (monitor, host) pair with either side possibly NULL, as `same()` in
-- postgres/dialect.rs compares it: the digest's "recurring" counts and a task's
-- alerts. `IS NOT DISTINCT FROM` is answered by no index; this expression is.
-- closed_at is included so the count reads the index alone.
CREATE INDEX alerts_pair_nullsafe ON alerts ((coalesce(monitor_id, '')), (coalesce(host_id, '')), opened_at)
    INCLUDE (closed_at);

-- Search terms of one or two characters, which pg_trgm cannot look up: each alert's
-- distinct one- and two-character pieces of its four texts, case folded, each as a
-- 32-bit hash (postgres/text_search.rs writes them with the alert). Integers, not
-- text: a GIN index of integers costs a backfill about half as much to keep. A rare
-- collision only adds an alert that ILIKE then rejects. Rows written before this
-- migration are filled by the store when it opens (NULL until then).
ALTER TABLE alerts ADD COLUMN short_grams INTEGER[];
CREATE INDEX alerts_short_grams ON alerts USING gin (short_grams);
-- The rows still to fill: empty once they are, so looking costs nothing at each open.
CREATE INDEX alerts_short_grams_missing ON alerts (rowid) WHERE short_grams IS NULL;
