//! What a pass did and what it left for the next ones: the summary line and the
//! `sync_passes` record.

use crate::store::PassRecord;

/// What a pass did; also recorded in `sync_passes`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PassSummary {
    pub requests: u64,
    pub new_alerts: usize,
    pub changed: usize,
    pub skipped: usize,
    pub logs_read: usize,
    /// Closed alerts whose logs are still to be read in later passes.
    pub logs_left: u64,
    /// The horizon of a backfill not finished yet (later passes finish it first).
    pub backfill_left: Option<i64>,
    /// Alerts still waiting for metadata that could not be read.
    pub attribution_left: u64,
    /// Metadata that could not be read in this pass.
    pub metadata_failures: Vec<String>,
    /// Metric series read around alerts (design §12)...
    pub graphs_read: usize,
    /// ...found absent in Mackerel (remembered: never asked again)...
    pub graphs_absent: usize,
    /// ...and reads that failed (tried again on a later pass).
    pub graphs_failed: usize,
    /// Series due but left for the next passes.
    pub graphs_left: u64,
}

impl PassSummary {
    /// Whether later passes have work left.
    pub fn work_left(&self) -> bool {
        self.logs_left > 0
            || self.backfill_left.is_some()
            || self.attribution_left > 0
            || self.graphs_left > 0
    }

    /// The line `sync_passes` keeps of a pass that started at `started_at`.
    pub(super) fn record(
        &self,
        started_at: i64,
        outcome: &str,
        message: Option<String>,
    ) -> PassRecord {
        let message = match (message, self.metadata_failures.is_empty()) {
            (Some(m), _) => Some(m),
            (None, false) => Some(format!(
                "could not read metadata: {}",
                self.metadata_failures.join("; ")
            )),
            (None, true) => None,
        };
        PassRecord {
            started_at,
            finished_at: chrono::Utc::now().timestamp(),
            requests: self.requests as i64,
            new_alerts: self.new_alerts as i64,
            changed: self.changed as i64,
            skipped: self.skipped as i64,
            logs_read: self.logs_read as i64,
            outcome: outcome.to_owned(),
            message,
            logs_left: self.logs_left as i64,
            backfill_left: self.backfill_left,
            attribution_left: self.attribution_left as i64,
        }
    }
}

impl std::fmt::Display for PassSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} new, {} changed, {} skipped, {} alert logs read, {} requests",
            self.new_alerts, self.changed, self.skipped, self.logs_read, self.requests
        )?;
        if self.graphs_read + self.graphs_absent + self.graphs_failed > 0 {
            write!(
                f,
                "; graphs: {} read, {} absent in Mackerel, {} failed",
                self.graphs_read, self.graphs_absent, self.graphs_failed
            )?;
        }
        let mut left = Vec::new();
        if let Some(h) = self.backfill_left {
            left.push(format!("the backfill back to {}", crate::alert::rfc3339(h)));
        }
        if self.logs_left > 0 {
            left.push(format!("{} alert logs", self.logs_left));
        }
        if self.attribution_left > 0 {
            left.push(format!(
                "{} alerts to attribute once Mackerel's metadata can be read",
                self.attribution_left
            ));
        }
        if !left.is_empty() {
            write!(f, "; left for the next passes: {}", left.join(", "))?;
        }
        // Said apart: graphs never hold back an alert row, so the alerts are complete
        // whatever is said here.
        if self.graphs_left > 0 {
            write!(f, "; {} graphs to read in later passes", self.graphs_left)?;
        }
        if !self.metadata_failures.is_empty() {
            write!(
                f,
                "; metadata could not be read ({}), alerts were stored without it",
                self.metadata_failures.len()
            )?;
        }
        Ok(())
    }
}
