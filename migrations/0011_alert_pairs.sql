-- One monitor on one host over time: "did this pair have an alert open in the
-- week before?" (the digest's recurring label) is one short index range per pair
-- instead of a read of a week of alerts, and `alerts --monitor ID` is a range too.
CREATE INDEX alerts_pair ON alerts (monitor_id, host_id, opened_at);
