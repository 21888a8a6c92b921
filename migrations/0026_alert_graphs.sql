-- Graphs of metric alerts (design §12): the series each metric monitor watches,
-- and the series around each alert, read from Mackerel after a pass's alert rows.

-- What a graph needs of a monitor, as last read from Mackerel's monitors list:
-- where its series lives and its thresholds. Kept when the monitor is deleted:
-- the series of its past alerts may still be there.
CREATE TABLE monitor_metrics (
    monitor_id  TEXT PRIMARY KEY NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('host', 'service')),
    service     TEXT,               -- the service of a 'service' series
    metric      TEXT NOT NULL,
    operator    TEXT,               -- '>' or '<'
    warning     REAL,
    critical    REAL,
    fetched_at  INTEGER NOT NULL
);

-- One row per alert of a host-metric, service-metric or external monitor: queued
-- ('wanted') when the alert is stored, then what its read found. `retry_at` is when
-- the next read is due (NULL: never again), so the queue is one partial index.
CREATE TABLE alert_graphs (
    alert_id   TEXT PRIMARY KEY NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    opened_at  INTEGER NOT NULL,    -- the alert's, copied: newest first without a join
    state      TEXT NOT NULL CHECK (state IN ('wanted', 'partial', 'kept', 'absent', 'failed')),
    retry_at   INTEGER,
    failures   INTEGER NOT NULL DEFAULT 0,  -- failed reads in a row: the back-off grows with them
    -- The monitor's series and thresholds as of the first good read, the nearest
    -- asakai gets to the thresholds at the alert's time.
    source     TEXT,
    service    TEXT,
    metric     TEXT,
    operator   TEXT,
    warning    REAL,
    critical   REAL,
    from_at    INTEGER,             -- the range read
    to_at      INTEGER,
    points     BLOB,                -- the series (src/graphs/series.rs); kept when a refresh fails
    read_at    INTEGER,             -- the last good read
    reason     TEXT,                -- 'absent': why there is no series (metric_gone, no_service, monitor_gone)
    error      TEXT                 -- the last failure, for the log and the page
);
CREATE INDEX alert_graphs_due ON alert_graphs (opened_at) WHERE retry_at IS NOT NULL;

-- The key of graph.png links (an HMAC of the alert id), made once per database
-- unless ASAKAI_GRAPH_SECRET is set.
CREATE TABLE graph_secret (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    secret  TEXT NOT NULL
);

-- The next pass reads the monitors list again, so that monitor_metrics is filled
-- for a database made before it existed.
DELETE FROM sync_state WHERE key = 'metadata_refreshed_at';
