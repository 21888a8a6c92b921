-- The text index (alerts_text, FTS5) writes the entries of each statement's alerts as
-- a new segment, and merges segments of a level once it holds `automerge` of them:
-- four by default. On a million-alert backfill that merging was about a tenth of
-- the whole (perf: fts5IndexMerge under each statement's flush). Sixteen, the most
-- FTS5 takes, rewrites each entry fewer times; FTS5's crisis merge still bounds the
-- segments a search reads. The setting is kept in the index's own config table.
INSERT INTO alerts_text (alerts_text, rank) VALUES ('automerge', 16);
