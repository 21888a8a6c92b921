-- The longest any closed alert stayed open, read off one index: it bounds how far
-- before a window an alert that meets the window can have opened, so a digest of
-- any date reads an index range instead of every alert closed since its start.
CREATE INDEX alerts_duration ON alerts (closed_at - opened_at) WHERE closed_at IS NOT NULL;
