-- asakai's store. Times are Unix seconds (UTC), as Mackerel gives them.

-- One row per Mackerel alert, with what was known of its monitor and host
-- when it was ingested (monitors get deleted and hosts retire; the history stays).
CREATE TABLE alerts (
    id            TEXT PRIMARY KEY NOT NULL,
    type          TEXT NOT NULL,
    status        TEXT NOT NULL,              -- Mackerel's current status: OK, CRITICAL, WARNING, UNKNOWN
    severity      TEXT,                       -- highest status ever known; NULL when never seen open and logs unread
    monitor_id    TEXT,
    monitor_name  TEXT,
    host_id       TEXT,
    host_name     TEXT,
    opened_at     INTEGER NOT NULL,
    closed_at     INTEGER,
    close_cause   TEXT,                       -- trigger of the closing log entry (monitoring, manual, hostRetire, ...)
    reason        TEXT,
    message       TEXT,
    value         REAL,
    memo          TEXT,
    series        TEXT,                       -- JSON of a query alert's series
    roles         TEXT NOT NULL DEFAULT '[]', -- JSON array of "service:role"
    url           TEXT,
    image_url     TEXT,
    gone          INTEGER NOT NULL DEFAULT 0, -- Mackerel answered 404 for it
    logs_read     INTEGER NOT NULL DEFAULT 0,
    ingested_at   INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX alerts_opened_at ON alerts (opened_at);
CREATE INDEX alerts_closed_at ON alerts (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX alerts_still_open ON alerts (opened_at) WHERE closed_at IS NULL;
CREATE INDEX alerts_logs_wanted ON alerts (opened_at) WHERE closed_at IS NOT NULL AND logs_read = 0;

-- Each alert under every service it belongs to.
CREATE TABLE alert_services (
    alert_id   TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    service    TEXT NOT NULL,
    opened_at  INTEGER NOT NULL,  -- copied from the alert so that service + time range is one index range
    PRIMARY KEY (alert_id, service)
) WITHOUT ROWID;
CREATE INDEX alert_services_service ON alert_services (service, opened_at);

-- Free-text search over monitor, host, message and reason (trigram: substring match).
-- Triggers keep it current row by row; a pass that writes most of the table (a
-- backfill) switches them off with text_index_mode and rebuilds the index once,
-- which costs a third of indexing row by row.
CREATE VIRTUAL TABLE alerts_text USING fts5 (
    monitor_name, host_name, message, reason,
    content = 'alerts', content_rowid = 'rowid', tokenize = 'trigram'
);
CREATE TABLE text_index_mode (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    bulk  INTEGER NOT NULL
);
INSERT INTO text_index_mode (id, bulk) VALUES (1, 0);
CREATE TRIGGER alerts_text_ai AFTER INSERT ON alerts WHEN (SELECT bulk FROM text_index_mode) = 0 BEGIN
    INSERT INTO alerts_text (rowid, monitor_name, host_name, message, reason)
    VALUES (new.rowid, new.monitor_name, new.host_name, new.message, new.reason);
END;
CREATE TRIGGER alerts_text_ad AFTER DELETE ON alerts WHEN (SELECT bulk FROM text_index_mode) = 0 BEGIN
    INSERT INTO alerts_text (alerts_text, rowid, monitor_name, host_name, message, reason)
    VALUES ('delete', old.rowid, old.monitor_name, old.host_name, old.message, old.reason);
END;
CREATE TRIGGER alerts_text_au AFTER UPDATE OF monitor_name, host_name, message, reason ON alerts
WHEN (SELECT bulk FROM text_index_mode) = 0 BEGIN
    INSERT INTO alerts_text (alerts_text, rowid, monitor_name, host_name, message, reason)
    VALUES ('delete', old.rowid, old.monitor_name, old.host_name, old.message, old.reason);
    INSERT INTO alerts_text (rowid, monitor_name, host_name, message, reason)
    VALUES (new.rowid, new.monitor_name, new.host_name, new.message, new.reason);
END;

-- The status history of one alert, from /api/v0/alerts/<id>/logs.
CREATE TABLE alert_logs (
    alert_id      TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    log_id        TEXT,
    created_at    INTEGER NOT NULL,
    status        TEXT NOT NULL,
    trigger       TEXT NOT NULL,
    monitor_id    TEXT,
    target_value  REAL,
    detail        TEXT,
    PRIMARY KEY (alert_id, seq)
) WITHOUT ROWID;

-- Monitors, including check monitors (known only by id and name).
CREATE TABLE monitors (
    id          TEXT PRIMARY KEY NOT NULL,
    type        TEXT NOT NULL,
    name        TEXT,
    service     TEXT,
    gone        INTEGER NOT NULL DEFAULT 0,
    fetched_at  INTEGER NOT NULL
);

CREATE TABLE hosts (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT,
    display_name  TEXT,
    status        TEXT,
    roles         TEXT NOT NULL DEFAULT '{}', -- JSON object: service -> [role]
    is_retired    INTEGER NOT NULL DEFAULT 0,
    retired_at    INTEGER,
    gone          INTEGER NOT NULL DEFAULT 0, -- 404 from Mackerel
    fetched_at    INTEGER NOT NULL
);

-- Every observed change of a host's status, so the digest can say since when a host sits in maintenance.
CREATE TABLE host_status_changes (
    host_id      TEXT NOT NULL,
    status       TEXT NOT NULL,
    observed_at  INTEGER NOT NULL,
    PRIMARY KEY (host_id, observed_at, status)
) WITHOUT ROWID;

CREATE TABLE services (
    name        TEXT PRIMARY KEY NOT NULL,
    memo        TEXT,
    roles       TEXT NOT NULL DEFAULT '[]',
    fetched_at  INTEGER NOT NULL
);

-- Small facts the sync keeps between passes: high-water mark, org name, metadata age.
CREATE TABLE sync_state (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
);

CREATE TABLE sync_passes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER NOT NULL,
    requests     INTEGER NOT NULL,
    new_alerts   INTEGER NOT NULL,
    changed      INTEGER NOT NULL,
    skipped      INTEGER NOT NULL,
    logs_read    INTEGER NOT NULL,
    outcome      TEXT NOT NULL,   -- ok or failed
    message      TEXT
);
