-- Searches of one or two characters (design §9: free text on a million alerts in
-- under 50 ms). The trigram index holds every three-character substring, so it could
-- not answer a shorter term, and a rare one ("zq") read the whole table: 0.43 s.
--
-- Each text is now indexed with two U+0001 characters after it, so that every
-- character of it begins a trigram. The alerts holding a short term are then those of
-- the trigrams that begin with it: one range of the index's vocabulary, read through
-- alerts_text_terms. Rebuilding the index takes about 7 s on a million alerts, once.
DROP TRIGGER alerts_text_ai;
DROP TRIGGER alerts_text_ad;
DROP TRIGGER alerts_text_au;
DROP TABLE alerts_text;

-- What the index reads when it is rebuilt; the triggers write the same expressions.
CREATE VIEW alerts_text_source AS
SELECT rowid AS alert_rowid,
       monitor_name || char(1, 1) AS monitor_name,
       host_name || char(1, 1) AS host_name,
       message || char(1, 1) AS message,
       reason || char(1, 1) AS reason
FROM alerts;

CREATE VIRTUAL TABLE alerts_text USING fts5 (
    monitor_name, host_name, message, reason,
    content = 'alerts_text_source', content_rowid = 'alert_rowid', tokenize = 'trigram'
);
-- One row per trigram occurrence (term, doc = the alert's rowid, col, offset), read by
-- term range and lazily: counting a short term's matches stops at a threshold.
CREATE VIRTUAL TABLE alerts_text_terms USING fts5vocab (alerts_text, instance);

CREATE TRIGGER alerts_text_ai AFTER INSERT ON alerts BEGIN
    INSERT INTO alerts_text (rowid, monitor_name, host_name, message, reason)
    VALUES (new.rowid, new.monitor_name || char(1, 1), new.host_name || char(1, 1),
            new.message || char(1, 1), new.reason || char(1, 1));
END;
CREATE TRIGGER alerts_text_ad AFTER DELETE ON alerts BEGIN
    INSERT INTO alerts_text (alerts_text, rowid, monitor_name, host_name, message, reason)
    VALUES ('delete', old.rowid, old.monitor_name || char(1, 1), old.host_name || char(1, 1),
            old.message || char(1, 1), old.reason || char(1, 1));
END;
-- The text is indexed again only when it changed: a pass that updates an alert (it
-- closed, its severity rose) writes every field of its row.
CREATE TRIGGER alerts_text_au AFTER UPDATE OF monitor_name, host_name, message, reason ON alerts
WHEN old.monitor_name IS NOT new.monitor_name OR old.host_name IS NOT new.host_name
  OR old.message IS NOT new.message OR old.reason IS NOT new.reason
BEGIN
    INSERT INTO alerts_text (alerts_text, rowid, monitor_name, host_name, message, reason)
    VALUES ('delete', old.rowid, old.monitor_name || char(1, 1), old.host_name || char(1, 1),
            old.message || char(1, 1), old.reason || char(1, 1));
    INSERT INTO alerts_text (rowid, monitor_name, host_name, message, reason)
    VALUES (new.rowid, new.monitor_name || char(1, 1), new.host_name || char(1, 1),
            new.message || char(1, 1), new.reason || char(1, 1));
END;

INSERT INTO alerts_text (alerts_text) VALUES ('rebuild');
