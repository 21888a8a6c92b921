//! The series around metric alerts (design §12): what each metric monitor watches,
//! the queue of alerts whose series is to be read, and the series once read.
//!
//! The queue is `alert_graphs` itself: a row per alert of a metric monitor, due
//! while `retry_at` is set and past. New alerts are queued by rowid (alerts are
//! only ever added, so rowids only grow), a few thousand rows per transaction, so
//! a backfill's million alerts cost the pass no scan and no long write.

use crate::graphs::MetricTarget;

use super::{Store, StoreError};

/// An alert whose series is due, with what reading it needs.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GraphJob {
    pub alert_id: String,
    pub failures: i64,
    pub kind: String,
    pub host_id: Option<String>,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    /// The monitor is in the store (its metadata has been read).
    pub monitor_known: bool,
    pub monitor_gone: bool,
    pub monitor_service: Option<String>,
    source: Option<String>,
    target_service: Option<String>,
    metric: Option<String>,
    operator: Option<String>,
    warning: Option<f64>,
    critical: Option<f64>,
    monitor_id: Option<String>,
}

impl GraphJob {
    /// The monitor's series, when its metadata named one.
    pub fn target(&self) -> Option<MetricTarget> {
        Some(MetricTarget {
            monitor_id: self.monitor_id.clone()?,
            source: self.source.clone()?,
            service: self.target_service.clone(),
            metric: self.metric.clone()?,
            operator: self.operator.clone(),
            warning: self.warning,
            critical: self.critical,
        })
    }
}

/// What a read of one alert's series came to.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphOutcome {
    /// Points over `range`, encoded; `retry_at` is set while the range is not complete.
    Read {
        points: Vec<u8>,
        range: (i64, i64),
        retry_at: Option<i64>,
        target: MetricTarget,
    },
    /// There is no series to read, for good (`reason`: metric_gone, no_service, monitor_gone).
    Absent { reason: &'static str },
    /// The read failed: tried again at `retry_at`; an earlier series is kept.
    Failed { error: String, retry_at: i64 },
    /// Nothing could be asked yet (the monitor's metric is not known): again at `retry_at`.
    Waiting { error: String, retry_at: i64 },
}

impl Store {
    /// Writes what the reads of a batch found, each `(alert id, outcome)`, in one transaction.
    pub async fn write_graphs(
        &self,
        outcomes: &[(String, GraphOutcome)],
        now: i64,
    ) -> Result<(), StoreError> {
        on_backend!(self, b => b.write_graphs(outcomes, now).await)
    }

    /// Queues every alert of a metric monitor stored since the last call; returns how many.
    pub async fn queue_graphs(&self) -> Result<u64, StoreError> {
        on_backend!(self, b => b.queue_graphs().await)
    }

    /// Up to `limit` alerts whose series is due at `now`: those whose open span meets
    /// `window` first (opened at most a week before it), then the newest opened.
    pub async fn graphs_due(
        &self,
        now: i64,
        window: Option<(i64, i64)>,
        limit: u32,
    ) -> Result<Vec<GraphJob>, StoreError> {
        on_backend!(self, b => b.graphs_due(now, window, limit).await)
    }

    /// How many alerts' series are due at `now` (as [`Store::graphs_due`] counts them).
    pub async fn count_graphs_due(&self, now: i64) -> Result<i64, StoreError> {
        on_backend!(self, b => b.count_graphs_due(now).await)
    }

    /// How many alerts have a series stored.
    pub async fn count_graphs_stored(&self) -> Result<i64, StoreError> {
        on_backend!(self, b => b.count_graphs_stored().await)
    }

    /// The secret of graph.png links: the stored one, or `fresh` stored now (once:
    /// two processes asking at once both get the first that was written).
    pub async fn graph_secret(&self, fresh: &str) -> Result<String, StoreError> {
        on_backend!(self, b => b.graph_secret(fresh).await)
    }
}
