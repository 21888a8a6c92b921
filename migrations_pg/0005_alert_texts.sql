-- Free text indexed once per distinct text, not once per alert. The trigram and
-- short-gram GIN indexes on alerts were 60% of writing an alert (measured on 100k
-- alerts in 5,000-row transactions: 4.1 s with them, 1.9 s with a text id
-- instead), and an organisation's alerts repeat their texts: the same monitor on
-- the same host, with the same check message (the simulator's 100k alerts hold 611
-- distinct texts). Each alert now names its text by a hash (`text_id`), and the
-- texts, with their two indexes, live in `alert_texts`, written with the alerts
-- that bring a new one (postgres/text_search.rs).

CREATE TABLE alert_texts (
    id           BIGINT PRIMARY KEY,  -- the first 8 bytes of the body's SHA-256
    body         TEXT NOT NULL,       -- the four texts, parted by U+0001, as alerts_text_trgm read them
    short_grams  INTEGER[] NOT NULL   -- as alerts.short_grams were (migration 0002)
);
CREATE INDEX alert_texts_trgm ON alert_texts USING gin (body gin_trgm_ops);
CREATE INDEX alert_texts_short_grams ON alert_texts USING gin (short_grams);

DROP INDEX alerts_text_trgm;
DROP INDEX alerts_short_grams;
DROP INDEX alerts_short_grams_missing;
ALTER TABLE alerts DROP COLUMN short_grams;

-- A rare term's few texts, then their alerts, by time.
ALTER TABLE alerts ADD COLUMN text_id BIGINT;
CREATE INDEX alerts_text_id ON alerts (text_id, opened_at);
-- The rows still to fill (stored before this migration, or copied by `db copy`):
-- filled by the store when it opens, and empty once they are.
CREATE INDEX alerts_text_missing ON alerts (rowid) WHERE text_id IS NULL;
