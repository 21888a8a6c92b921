-- Digests delivered, so that the same window is not posted twice.
CREATE TABLE deliveries (
    window_start  INTEGER NOT NULL,
    window_end    INTEGER NOT NULL,
    channel       TEXT NOT NULL,   -- "slack"
    delivered_at  INTEGER NOT NULL,
    PRIMARY KEY (window_start, window_end, channel)
) WITHOUT ROWID;
