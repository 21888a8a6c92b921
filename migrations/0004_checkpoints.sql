-- Checkpointed sync (design §4.6): what a pass still owes is kept in the store, so a pass
-- killed at any moment resumes where it stopped.

-- An alert whose service could not be attributed (a metadata endpoint was failing) is
-- attributed again once the metadata is back.
ALTER TABLE alerts ADD COLUMN attribution_pending INTEGER NOT NULL DEFAULT 0;
-- An alert whose log body did not parse is set aside until this time, not retried every pass.
ALTER TABLE alerts ADD COLUMN logs_retry_at INTEGER;
ALTER TABLE alerts ADD COLUMN logs_failures INTEGER NOT NULL DEFAULT 0;

-- The log backlog, read most recently closed first: those are the alerts of the current and
-- previous meetings' windows (an alert meets a window when it closed after the window began).
DROP INDEX alerts_logs_wanted;
CREATE INDEX alerts_logs_backlog ON alerts (closed_at)
    WHERE closed_at IS NOT NULL AND logs_read = 0 AND gone = 0;
CREATE INDEX alerts_attribution_pending ON alerts (opened_at) WHERE attribution_pending = 1;

-- What each pass left for the next ones.
ALTER TABLE sync_passes ADD COLUMN logs_left INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_passes ADD COLUMN backfill_left INTEGER;   -- the unfinished backfill's horizon, if any
ALTER TABLE sync_passes ADD COLUMN attribution_left INTEGER NOT NULL DEFAULT 0;

-- A Slack post is claimed before it is sent and marked sent after: a claim left as
-- 'claimed' has an unknown outcome and is not sent again without --force.
ALTER TABLE deliveries ADD COLUMN state TEXT NOT NULL DEFAULT 'sent';

-- The text index's bulk switch was never used: the triggers index row by row.
DROP TRIGGER alerts_text_ai;
DROP TRIGGER alerts_text_ad;
DROP TRIGGER alerts_text_au;
DROP TABLE text_index_mode;
CREATE TRIGGER alerts_text_ai AFTER INSERT ON alerts BEGIN
    INSERT INTO alerts_text (rowid, monitor_name, host_name, message, reason)
    VALUES (new.rowid, new.monitor_name, new.host_name, new.message, new.reason);
END;
CREATE TRIGGER alerts_text_ad AFTER DELETE ON alerts BEGIN
    INSERT INTO alerts_text (alerts_text, rowid, monitor_name, host_name, message, reason)
    VALUES ('delete', old.rowid, old.monitor_name, old.host_name, old.message, old.reason);
END;
CREATE TRIGGER alerts_text_au AFTER UPDATE OF monitor_name, host_name, message, reason ON alerts BEGIN
    INSERT INTO alerts_text (alerts_text, rowid, monitor_name, host_name, message, reason)
    VALUES ('delete', old.rowid, old.monitor_name, old.host_name, old.message, old.reason);
    INSERT INTO alerts_text (rowid, monitor_name, host_name, message, reason)
    VALUES (new.rowid, new.monitor_name, new.host_name, new.message, new.reason);
END;
