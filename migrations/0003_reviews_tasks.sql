-- The meeting's memory: what the team decided about each alert, and the follow-up
-- tasks it opened. Times are Unix seconds (UTC).

-- Every review ever recorded: a changed outcome or note is a new row, so the
-- history stays (design §8); the row with the highest id is the alert's outcome.
CREATE TABLE reviews (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id     TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    outcome      TEXT NOT NULL CHECK (outcome IN ('fixed', 'follow_up', 'expected', 'noise', 'false_alarm')),
    note         TEXT,
    reviewer     TEXT,
    reviewed_at  INTEGER NOT NULL
);
CREATE INDEX reviews_by_alert ON reviews (alert_id, id);

-- Follow-up tasks: one per monitor and host ("key"); at most one open per key.
CREATE TABLE tasks (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    title              TEXT NOT NULL CHECK (trim(title) <> ''),
    body               TEXT NOT NULL DEFAULT '',
    state              TEXT NOT NULL CHECK (state IN ('open', 'done')),
    key                TEXT NOT NULL,            -- "monitor_id/host_id", or "monitor_id" for alerts without a host
    monitor_id         TEXT,
    host_id            TEXT,
    created_at         INTEGER NOT NULL,
    closed_at          INTEGER,
    github_wanted      INTEGER NOT NULL DEFAULT 0, -- someone asked for an issue: retried until GitHub answers 201
    github_number      INTEGER,                    -- set only once GitHub answered 201
    github_url         TEXT,
    github_error       TEXT,                       -- the last failure, cleared by a success
    github_claimed_at  INTEGER,                    -- a create in flight: no second create for the same task
    last_commented_at  INTEGER                     -- the last "fired again" comment: at most one a day, covering alerts since
);
CREATE UNIQUE INDEX tasks_one_open_per_key ON tasks (key) WHERE state = 'open';
CREATE INDEX tasks_by_state ON tasks (state, id);

-- Alerts attached to a task by hand (task new --alert). Alerts of the key that
-- open while the task is open belong to it too, without a row here.
CREATE TABLE task_alerts (
    task_id    INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    alert_id   TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (task_id, alert_id)
) WITHOUT ROWID;
CREATE INDEX task_alerts_by_alert ON task_alerts (alert_id);

-- The thresholds of threshold monitors (host metric, service metric, expression)
-- as last read from Mackerel, for the monitor report's what-if.
CREATE TABLE monitor_thresholds (
    monitor_id  TEXT PRIMARY KEY NOT NULL,
    operator    TEXT,   -- ">" or "<"
    warning     REAL,
    critical    REAL,
    fetched_at  INTEGER NOT NULL
);
