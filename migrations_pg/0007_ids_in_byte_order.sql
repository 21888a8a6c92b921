-- Mackerel's ids, and the service names alerts are filed under, compare byte by
-- byte (COLLATE "C"), as on SQLite (BINARY) and in asakai's own sorting. Under the
-- database's collation (C.UTF-8, en_US.UTF-8, …) each comparison in an index went
-- through the locale's string comparison, and a backfill makes millions of them:
-- every alert is looked up by id, then inserted into the indexes on its id, its
-- monitor and host, its services and its graph. Comparing against a column or a
-- value of the default collation keeps working: an explicit column collation wins
-- over the default one.
ALTER TABLE alerts
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN monitor_id TYPE TEXT COLLATE "C",
    ALTER COLUMN host_id TYPE TEXT COLLATE "C";
ALTER TABLE alert_services
    ALTER COLUMN service TYPE TEXT COLLATE "C",
    ALTER COLUMN alert_id TYPE TEXT COLLATE "C";
ALTER TABLE alert_graphs ALTER COLUMN alert_id TYPE TEXT COLLATE "C";
ALTER TABLE alert_logs ALTER COLUMN alert_id TYPE TEXT COLLATE "C";
ALTER TABLE alert_thresholds ALTER COLUMN alert_id TYPE TEXT COLLATE "C";
ALTER TABLE reviews ALTER COLUMN alert_id TYPE TEXT COLLATE "C";
ALTER TABLE task_alerts ALTER COLUMN alert_id TYPE TEXT COLLATE "C";

-- One monitor on one host is looked up by `alerts_pair_nullsafe` (0002), and a
-- monitor alone (`alerts --monitor ID`) by its first column too (see
-- `dialect::id_is`): this index answered nothing the other does not.
DROP INDEX alerts_pair;

-- Together, on 1M alerts written 5,000 to a transaction: raw inserts took 19.6–19.9 s
-- instead of 23.5–25.0, and `poll` backfilling them from the simulator 50–52 s
-- instead of 57 (the upsert's time in the server: 28.8 s instead of 34.6).

-- A column's new type comes without its statistics: without them, a lookup by a
-- host was planned as a walk of every alert (435 ms instead of 20 on 1M alerts).
ANALYZE alerts;
ANALYZE alert_services;
ANALYZE alert_graphs;
ANALYZE alert_logs;
ANALYZE alert_thresholds;
ANALYZE reviews;
ANALYZE task_alerts;
