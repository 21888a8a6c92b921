-- `alerts --host ID`: one index range; a host name part goes through the text index.
CREATE INDEX alerts_host ON alerts (host_id, opened_at);
