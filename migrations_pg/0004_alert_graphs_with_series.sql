-- The alerts whose graph has a series, answered from this index alone: an HTML
-- digest of a heavy day asks it of tens of thousands of alerts (see the SQLite
-- migration of the same name).
CREATE INDEX alert_graphs_with_series ON alert_graphs (alert_id) WHERE points IS NOT NULL;
