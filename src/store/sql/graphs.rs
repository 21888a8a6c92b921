//! The SQL of `store::graphs`, compiled for each backend (see `store`).

use crate::graphs::MetricTarget;
use crate::store::{GraphJob, GraphOutcome, StateKey, StoreError};

use super::state::set_state;
use super::{Backend, Conn};

/// Alerts queued per transaction.
const QUEUE_CHUNK: i64 = 5_000;

/// Alerts opened this long before a window's start may still be open in it.
const WINDOW_LOOKBACK: i64 = 7 * 86_400;

const SELECT_JOBS: &str =
    "SELECT g.alert_id, g.failures, a.type AS kind, a.host_id, a.opened_at, a.closed_at, \
     a.monitor_id, m.id IS NOT NULL AS monitor_known, coalesce(m.gone, 0) <> 0 AS monitor_gone, \
     m.service AS monitor_service, t.source, t.service AS target_service, t.metric, t.operator, \
     t.warning, t.critical \
     FROM alert_graphs g JOIN alerts a ON a.id = g.alert_id \
     LEFT JOIN monitor_metrics t ON t.monitor_id = a.monitor_id \
     LEFT JOIN monitors m ON m.id = a.monitor_id ";

/// Keeps what a graph needs of each of these monitors (inside the caller's transaction).
pub(super) async fn save_monitor_metrics(
    conn: &mut Conn,
    targets: &[MetricTarget],
    now: i64,
) -> Result<(), StoreError> {
    for t in targets {
        sqlx::query(
            "INSERT INTO monitor_metrics (monitor_id, source, service, metric, operator, warning, critical, fetched_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (monitor_id) DO UPDATE SET source = excluded.source, \
             service = excluded.service, metric = excluded.metric, operator = excluded.operator, \
             warning = excluded.warning, critical = excluded.critical, fetched_at = excluded.fetched_at",
        )
        .bind(&t.monitor_id)
        .bind(&t.source)
        .bind(&t.service)
        .bind(&t.metric)
        .bind(&t.operator)
        .bind(t.warning)
        .bind(t.critical)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Writes what a read found for one alert (inside the caller's transaction).
async fn write_graph(
    conn: &mut Conn,
    alert_id: &str,
    outcome: &GraphOutcome,
    now: i64,
) -> Result<(), StoreError> {
    let q = match outcome {
        // The monitor's thresholds are kept as of the first good read: nearest the alert's time.
        GraphOutcome::Read {
            points,
            range,
            retry_at,
            target,
        } => sqlx::query(
            "UPDATE alert_graphs SET state = CASE WHEN $1 IS NULL THEN 'kept' ELSE 'partial' END, \
             retry_at = $1, failures = 0, points = $2, from_at = $3, to_at = $4, read_at = $5, error = NULL, \
             source = CASE WHEN read_at IS NULL THEN $6 ELSE source END, \
             service = CASE WHEN read_at IS NULL THEN $7 ELSE service END, \
             metric = CASE WHEN read_at IS NULL THEN $8 ELSE metric END, \
             operator = CASE WHEN read_at IS NULL THEN $9 ELSE operator END, \
             warning = CASE WHEN read_at IS NULL THEN $10 ELSE warning END, \
             critical = CASE WHEN read_at IS NULL THEN $11 ELSE critical END \
             WHERE alert_id = $12",
        )
        .bind(*retry_at)
        .bind(points.as_slice())
        .bind(range.0)
        .bind(range.1)
        .bind(now)
        .bind(&target.source)
        .bind(&target.service)
        .bind(&target.metric)
        .bind(&target.operator)
        .bind(target.warning)
        .bind(target.critical),
        GraphOutcome::Absent { reason } => sqlx::query(
            "UPDATE alert_graphs SET state = 'absent', retry_at = NULL, reason = $1, error = NULL WHERE alert_id = $2",
        )
        .bind(*reason),
        GraphOutcome::Failed { error, retry_at } => sqlx::query(
            "UPDATE alert_graphs SET state = 'failed', retry_at = $1, failures = failures + 1, error = $2 WHERE alert_id = $3",
        )
        .bind(*retry_at)
        .bind(error),
        GraphOutcome::Waiting { error, retry_at } => sqlx::query(
            "UPDATE alert_graphs SET retry_at = $1, failures = failures + 1, error = $2 WHERE alert_id = $3",
        )
        .bind(*retry_at)
        .bind(error),
    };
    q.bind(alert_id).execute(conn).await?;
    Ok(())
}

impl Backend {
    pub async fn write_graphs(
        &self,
        outcomes: &[(String, GraphOutcome)],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for (id, outcome) in outcomes {
            write_graph(&mut tx, id, outcome, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn queue_graphs(&self) -> Result<u64, StoreError> {
        let mut queued = 0;
        loop {
            let mut tx = self.begin().await?;
            let from: i64 = sqlx::query_scalar(
                "SELECT coalesce(CAST(value AS BIGINT), 0) FROM sync_state WHERE key = $1",
            )
            .bind(StateKey::GraphsQueuedTo.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or(0);
            let newest: i64 = sqlx::query_scalar("SELECT coalesce(max(rowid), 0) FROM alerts")
                .fetch_one(&mut *tx)
                .await?;
            if newest <= from {
                return Ok(queued);
            }
            let to = newest.min(from + QUEUE_CHUNK);
            let done = sqlx::query(
                "INSERT INTO alert_graphs (alert_id, opened_at, state, retry_at) \
                 SELECT id, opened_at, 'wanted', 0 FROM alerts WHERE rowid > $1 AND rowid <= $2 \
                 AND (type IN ('service', 'external') OR (type = 'host' AND host_id IS NOT NULL)) \
                 ON CONFLICT (alert_id) DO NOTHING",
            )
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
            set_state(&mut tx, StateKey::GraphsQueuedTo, &to.to_string()).await?;
            tx.commit().await?;
            queued += done.rows_affected();
        }
    }

    pub async fn graphs_due(
        &self,
        now: i64,
        window: Option<(i64, i64)>,
        limit: u32,
    ) -> Result<Vec<GraphJob>, StoreError> {
        let mut jobs: Vec<GraphJob> = match window {
            Some((start, end)) => {
                sqlx::query_as(&format!(
                "{SELECT_JOBS} WHERE g.retry_at <= $1 AND g.opened_at >= $2 AND g.opened_at < $3 \
                 AND (a.closed_at IS NULL OR a.closed_at > $4) ORDER BY g.opened_at DESC LIMIT $5"
            ))
                .bind(now)
                .bind(start - WINDOW_LOOKBACK)
                .bind(end)
                .bind(start)
                .bind(i64::from(limit))
                .fetch_all(self.pool())
                .await?
            }
            None => Vec::new(),
        };
        let rest = limit as usize - jobs.len().min(limit as usize);
        if rest > 0 {
            let newest: Vec<GraphJob> = sqlx::query_as(&format!(
                "{SELECT_JOBS} WHERE g.retry_at <= $1 ORDER BY g.opened_at DESC LIMIT $2"
            ))
            .bind(now)
            .bind((rest + jobs.len()) as i64)
            .fetch_all(self.pool())
            .await?;
            for job in newest {
                if jobs.len() < limit as usize && !jobs.iter().any(|j| j.alert_id == job.alert_id) {
                    jobs.push(job);
                }
            }
        }
        Ok(jobs)
    }

    pub async fn count_graphs_due(&self, now: i64) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT count(*) FROM alert_graphs WHERE retry_at <= $1")
                .bind(now)
                .fetch_one(self.pool())
                .await?,
        )
    }

    pub async fn count_graphs_stored(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT count(*) FROM alert_graphs WHERE points IS NOT NULL")
                .fetch_one(self.pool())
                .await?,
        )
    }

    pub async fn graph_secret(&self, fresh: &str) -> Result<String, StoreError> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT secret FROM graph_secret WHERE id = 1")
                .fetch_optional(self.pool())
                .await?;
        if let Some(s) = stored {
            return Ok(s);
        }
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO graph_secret (id, secret) VALUES (1, $1) ON CONFLICT DO NOTHING")
            .bind(fresh)
            .execute(&mut *tx)
            .await?;
        let secret = sqlx::query_scalar("SELECT secret FROM graph_secret WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(secret)
    }
}
