-- What only Mackerel's webhooks tell of an alert (design §2). Polling never writes
-- these columns, so a later sync pass keeps them.

-- Who closed the alert by hand: the acting user's screen name (or id) of the close event.
ALTER TABLE alerts ADD COLUMN closed_by TEXT;
-- Mackerel's time of the status this row holds, when a webhook told it: an event older
-- than this (redelivered late, or out of order) changes nothing.
ALTER TABLE alerts ADD COLUMN status_at INTEGER;
