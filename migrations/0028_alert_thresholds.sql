-- The thresholds an alert fired against, as Mackerel's webhook for it says
-- (criticalThreshold, warningThreshold, monitorOperator): the monitor's at the
-- alert's time (design §12). A graph prefers them to the monitor's thresholds at
-- its first read, which may have been edited since. Polled alerts carry none.
CREATE TABLE alert_thresholds (
    alert_id  TEXT PRIMARY KEY NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    operator  TEXT,
    warning   REAL,
    critical  REAL,
    seen_at   INTEGER NOT NULL
);
