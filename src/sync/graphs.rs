//! The last step of a pass: the metric series around alerts of host-metric,
//! service-metric and external monitors (design §12), after every alert row of the
//! pass is written, so that no row ever waits for a graph.
//!
//! Bounded by `[graphs] per_pass` reads and the pass budget; the current meeting's
//! alerts first, then the newest. A closed alert's series, once complete, is kept
//! for good; an open one's is read again at most every 10 minutes; a failed read
//! waits longer after each failure; a series Mackerel does not have (404) is
//! remembered as absent and never asked for again.

use std::time::Instant;

use chrono::TimeZone;

use super::checkpoint::Pass;
use super::{elapsed_past, SyncError};
use crate::digest::WindowSpec;
use crate::graphs::series::{self, Point};
use crate::graphs::target::{self, MetricTarget};
use crate::mackerel::{Client, MackerelError};
use crate::store::{GraphJob, GraphOutcome};

/// Alerts considered before their outcomes are written.
const BATCH: u32 = 20;
/// The most points kept of one read (six hours of one-minute points is 360).
const MAX_POINTS: usize = 1_440;
/// How often an open alert's series is read again.
pub const REFRESH: i64 = 600;
/// The wait after the first failed read, doubled after each further one up to [`MAX_WAIT`].
const FIRST_WAIT: i64 = 300;
const MAX_WAIT: i64 = 6 * 3600;

/// Reads due series until `[graphs] per_pass` reads or the deadline.
pub(super) async fn read_graphs(pass: &mut Pass<'_>, deadline: Instant) -> Result<(), SyncError> {
    pass.store.queue_graphs().await?;
    let budget = u64::from(pass.opts.graphs_per_pass);
    let window = pass
        .opts
        .meeting
        .as_ref()
        .map(|s| meeting_window(s, pass.now));
    let mut reads = 0u64;
    while reads < budget && !elapsed_past(deadline) {
        let jobs = pass.store.graphs_due(pass.now, window, BATCH).await?;
        if jobs.is_empty() {
            break;
        }
        let mut outcomes = Vec::with_capacity(jobs.len());
        let mut stop = false;
        for job in jobs {
            let read = read_one(pass.client, &job, pass.now).await;
            reads += u64::from(read.asked);
            outcomes.push((job.alert_id, read.outcome));
            if read.struggling || reads >= budget || elapsed_past(deadline) {
                stop = true;
                break;
            }
        }
        write(pass, outcomes).await?;
        if stop {
            break;
        }
    }
    Ok(())
}

/// The window of the meeting of `now`'s day in the team's zone.
fn meeting_window(spec: &WindowSpec, now: i64) -> (i64, i64) {
    let today = spec
        .tz
        .timestamp_opt(now, 0)
        .single()
        .map_or_else(|| chrono::Utc::now().date_naive(), |t| t.date_naive());
    let w = spec.for_meeting(today);
    (w.start, w.end)
}

struct Read {
    outcome: GraphOutcome,
    /// A request was sent to Mackerel.
    asked: bool,
    /// Mackerel is failing (or refusing the key): no more reads this pass.
    struggling: bool,
}

async fn read_one(client: &Client, job: &GraphJob, now: i64) -> Read {
    let Some(target) = job.target() else {
        return Read {
            outcome: without_target(job, now),
            asked: false,
            struggling: false,
        };
    };
    let range = target::range(job.opened_at, job.closed_at, now);
    let result = match (target.source.as_str(), &job.host_id, &target.service) {
        ("host", Some(host), _) => {
            client
                .host_metrics(host, &target.metric, range.0, range.1)
                .await
        }
        ("service", _, Some(service)) => {
            client
                .service_metrics(service, &target.metric, range.0, range.1)
                .await
        }
        _ => {
            return Read {
                outcome: GraphOutcome::Absent {
                    reason: "metric_gone",
                },
                asked: false,
                struggling: false,
            }
        }
    };
    let struggling = result
        .as_ref()
        .is_err_and(|e| e.is_transient() || matches!(e, MackerelError::KeyRejected { .. }));
    let outcome = match result {
        Ok(raw) => read_outcome(job, target, range, raw, now),
        Err(MackerelError::Api { status: 404, .. }) => GraphOutcome::Absent {
            reason: "metric_gone",
        },
        Err(e) => {
            tracing::warn!(alert = %job.alert_id, error = %e, "could not read the alert's metric; trying again later");
            GraphOutcome::Failed {
                error: e.to_string(),
                retry_at: now + wait_after(job.failures + 1),
            }
        }
    };
    Read {
        outcome,
        asked: true,
        struggling,
    }
}

fn read_outcome(
    job: &GraphJob,
    target: MetricTarget,
    range: (i64, i64),
    raw: Vec<crate::mackerel::MetricPoint>,
    now: i64,
) -> GraphOutcome {
    let points: Vec<Point> = raw
        .into_iter()
        .filter_map(|p| p.value.map(|v| Point { t: p.time, v }))
        .collect();
    let retry_at = if target::complete(range, job.closed_at, job.opened_at, now) {
        None
    } else if job.closed_at.is_none() {
        Some(now + REFRESH)
    } else {
        // Closed, but its hour after is still to come: once more when it has.
        Some((range_end(job) + target::SETTLE).max(now + REFRESH))
    };
    GraphOutcome::Read {
        points: series::encode(&series::tidy(points, MAX_POINTS)),
        range,
        retry_at,
        target,
    }
}

/// Where a closed alert's range ends once complete.
fn range_end(job: &GraphJob) -> i64 {
    target::range(job.opened_at, job.closed_at, i64::MAX).1
}

/// An alert whose monitor names no series: none for good, or not known yet.
fn without_target(job: &GraphJob, now: i64) -> GraphOutcome {
    let settled = job.monitor_known && !job.monitor_gone;
    if job.kind == "external" && settled && job.monitor_service.is_none() {
        return GraphOutcome::Absent {
            reason: "no_service",
        };
    }
    if job.monitor_gone {
        return GraphOutcome::Absent {
            reason: "monitor_gone",
        };
    }
    GraphOutcome::Waiting {
        error: "the monitor's metric is not known yet: its metadata has not been read".to_owned(),
        retry_at: now + wait_after(job.failures + 1),
    }
}

/// How long to wait after the `failures`th failure in a row.
fn wait_after(failures: i64) -> i64 {
    let doublings = (failures - 1).clamp(0, 10) as u32;
    (FIRST_WAIT << doublings).min(MAX_WAIT)
}

/// Writes a batch's outcomes in one transaction, and counts them for the summary.
async fn write(
    pass: &mut Pass<'_>,
    outcomes: Vec<(String, GraphOutcome)>,
) -> Result<(), SyncError> {
    pass.store.write_graphs(&outcomes, pass.now).await?;
    for (_, outcome) in &outcomes {
        match outcome {
            GraphOutcome::Read { .. } => pass.summary.graphs_read += 1,
            GraphOutcome::Absent { .. } => pass.summary.graphs_absent += 1,
            GraphOutcome::Failed { .. } => pass.summary.graphs_failed += 1,
            GraphOutcome::Waiting { .. } => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_five_minutes_to_six_hours() {
        let waits: Vec<i64> = (1..=9).map(wait_after).collect();
        assert_eq!(
            waits,
            [300, 600, 1200, 2400, 4800, 9600, 19_200, 21_600, 21_600]
        );
    }
}
