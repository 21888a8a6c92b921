//! `GET /metrics` (design §7): Prometheus text from the prometheus-client crate.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    pub outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Status {
    pub status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Result_ {
    pub result: String,
}

/// The server's counters and gauges, registered once.
pub struct Metrics {
    registry: Registry,
    pub passes: Family<Outcome, Counter>,
    pub mackerel_requests: Family<Status, Counter>,
    pub alerts_stored: Gauge,
    pub last_good_pass: Gauge<f64, AtomicU64>,
    pub webhook_events: Family<Result_, Counter>,
    pub digest_posts: Family<Result_, Counter>,
    pub slack_errors: Family<Result_, Counter>,
    pub slack_interactions: Family<Result_, Counter>,
    pub graph_reads: Family<Result_, Counter>,
    pub graphs_stored: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let m = Metrics {
            passes: Family::default(),
            mackerel_requests: Family::default(),
            alerts_stored: Gauge::default(),
            last_good_pass: Gauge::default(),
            webhook_events: Family::default(),
            digest_posts: Family::default(),
            slack_errors: Family::default(),
            slack_interactions: Family::default(),
            graph_reads: Family::default(),
            graphs_stored: Gauge::default(),
            registry: Registry::default(),
        };
        // Counter names get `_total` from the crate.
        registry.register(
            "asakai_sync_passes",
            "Sync passes, by outcome",
            m.passes.clone(),
        );
        registry.register(
            "asakai_mackerel_requests",
            "Requests to the Mackerel API, by HTTP status (error: no answer)",
            m.mackerel_requests.clone(),
        );
        registry.register(
            "asakai_alerts_stored",
            "Alerts in the store",
            m.alerts_stored.clone(),
        );
        registry.register(
            "asakai_last_successful_pass_timestamp_seconds",
            "When the last sync pass that succeeded ended (Unix seconds)",
            m.last_good_pass.clone(),
        );
        registry.register(
            "asakai_webhook_events",
            "Webhook events received, by result",
            m.webhook_events.clone(),
        );
        registry.register(
            "asakai_digest_posts",
            "Digest posts to Slack, by result",
            m.digest_posts.clone(),
        );
        registry.register(
            "asakai_slack_errors",
            "Slack Web API calls that failed, by Slack's error name",
            m.slack_errors.clone(),
        );
        registry.register(
            "asakai_slack_interactions",
            "Outcomes chosen in Slack, by result",
            m.slack_interactions.clone(),
        );
        registry.register(
            "asakai_graph_reads",
            "Reads of the metric series around alerts, by result (read, absent, failed)",
            m.graph_reads.clone(),
        );
        registry.register(
            "asakai_graphs_stored",
            "Alerts with a metric series stored",
            m.graphs_stored.clone(),
        );
        let m = Metrics { registry, ..m };
        // Known outcomes start at zero, so a dashboard sees the series before the first event.
        for result in ["accepted", "rejected", "unauthorized"] {
            let _ = m.webhook_events.get_or_create(&Result_ {
                result: result.into(),
            });
        }
        for result in ["read", "absent", "failed"] {
            let _ = m.graph_reads.get_or_create(&Result_ {
                result: result.into(),
            });
        }
        for result in ["sent", "failed", "unknown"] {
            let _ = m.digest_posts.get_or_create(&Result_ {
                result: result.into(),
            });
        }
        m
    }
}

impl Metrics {
    pub fn pass(&self, outcome: &str) {
        self.passes
            .get_or_create(&Outcome {
                outcome: outcome.into(),
            })
            .inc();
    }

    pub fn webhook(&self, result: &str) {
        self.webhook_events
            .get_or_create(&Result_ {
                result: result.into(),
            })
            .inc();
    }

    pub fn post(&self, result: &str) {
        self.digest_posts
            .get_or_create(&Result_ {
                result: result.into(),
            })
            .inc();
    }

    pub fn slack_error(&self, error: &str) {
        self.slack_errors
            .get_or_create(&Result_ {
                result: error.into(),
            })
            .inc();
    }

    pub fn slack_interaction(&self, result: &str) {
        self.slack_interactions
            .get_or_create(&Result_ {
                result: result.into(),
            })
            .inc();
    }

    /// What a pass's graph step did.
    pub fn graphs(&self, summary: &crate::sync::PassSummary) {
        for (result, n) in [
            ("read", summary.graphs_read),
            ("absent", summary.graphs_absent),
            ("failed", summary.graphs_failed),
        ] {
            self.graph_reads
                .get_or_create(&Result_ {
                    result: result.into(),
                })
                .inc_by(n as u64);
        }
    }

    pub fn request(&self, status: &str) {
        self.mackerel_requests
            .get_or_create(&Status {
                status: status.into(),
            })
            .inc();
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::warn!(error = %e, "could not encode the metrics");
        }
        out
    }
}
