-- Slack app mode (design §11): every message asakai posted with chat.postMessage, so
-- an interaction on it finds its team and window, and chat.update can change it.
-- `rendered` is a hash of what the message last said: a review made anywhere
-- changes it, and the worker updates the message.
CREATE TABLE slack_posts (
    channel       TEXT NOT NULL,
    ts            TEXT NOT NULL,
    team          TEXT NOT NULL,
    window_start  INTEGER NOT NULL,
    window_end    INTEGER NOT NULL,
    meeting       TEXT,
    posted_at     INTEGER NOT NULL,
    rendered      TEXT NOT NULL,
    PRIMARY KEY (channel, ts)
) WITHOUT ROWID;
CREATE INDEX slack_posts_by_time ON slack_posts (posted_at);
