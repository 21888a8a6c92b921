-- The longest any closed alert stayed open, kept in one row by triggers instead of
-- read off an index of every alert's duration (migration 0010): the index cost a
-- backfill a tenth of its time, the row costs nothing. The bound only ever grows, so
-- it stays a safe bound when an alert's row is corrected to a shorter one.
CREATE TABLE alerts_longest (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    seconds  INTEGER NOT NULL
);
INSERT INTO alerts_longest (id, seconds)
    SELECT 1, coalesce(max(closed_at - opened_at), 0) FROM alerts WHERE closed_at IS NOT NULL;
DROP INDEX alerts_duration;

CREATE TRIGGER alerts_longest_ai AFTER INSERT ON alerts
WHEN new.closed_at - new.opened_at > (SELECT seconds FROM alerts_longest) BEGIN
    UPDATE alerts_longest SET seconds = new.closed_at - new.opened_at;
END;
CREATE TRIGGER alerts_longest_au AFTER UPDATE OF opened_at, closed_at ON alerts
WHEN new.closed_at - new.opened_at > (SELECT seconds FROM alerts_longest) BEGIN
    UPDATE alerts_longest SET seconds = new.closed_at - new.opened_at;
END;

-- The log backlog's index also holds the retry time, so counting what is left (every
-- pass's summary) reads the index alone: 2 s on a million-alert store before.
DROP INDEX alerts_logs_backlog;
CREATE INDEX alerts_logs_backlog ON alerts (closed_at, logs_retry_at)
    WHERE closed_at IS NOT NULL AND logs_read = 0 AND gone = 0;
