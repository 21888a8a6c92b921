//! A graph for every metric alert (design §12): the series around the alert, read
//! from Mackerel by the sync pass (`sync::graphs`) and stored (`store::graphs`),
//! drawn here as SVG, and as PNG for Slack.
//!
//! For pages and digests: [`svg_for_alert`] gives the graph to put inline, or the
//! reason there is none ([`NoGraph::text`] in the page's language). For Slack:
//! `web::graph_png_url`.

pub mod draw;
pub mod png;
pub mod scale;
pub mod series;
pub mod target;
pub mod token;
mod words;

use chrono_tz::Tz;

pub use draw::{Chart, Style, Thresholds};
pub use target::MetricTarget;
pub use words::NoGraph;

use crate::digest::Lang;
use crate::store::{Store, StoreError, StoredGraph};

/// An alert's graph, or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertGraph {
    Svg(String),
    None(NoGraph),
}

/// The graph of `alert_id` to put inline in a page (it takes the page's colours,
/// light or dark), labelled in `lang` with times in `tz`; `None` when there is no
/// such alert. Reads the store only: a page never waits on Mackerel.
pub async fn svg_for_alert(
    store: &Store,
    alert_id: &str,
    tz: Tz,
    lang: Lang,
) -> Result<Option<AlertGraph>, StoreError> {
    let now = chrono::Utc::now().timestamp();
    Ok(store
        .graph_of(alert_id)
        .await?
        .map(|g| from_stored(&g, tz, lang, now, Style::Inline)))
}

/// The graph of a stored alert, drawn, or the reason there is none.
pub fn from_stored(g: &StoredGraph, tz: Tz, lang: Lang, now: i64, style: Style) -> AlertGraph {
    let points = match g.points.as_deref().map(series::decode) {
        Some(Ok(points)) => points,
        Some(Err(e)) => {
            tracing::warn!(alert = %g.alert_id, error = %e, "a stored series does not decode");
            return AlertGraph::None(NoGraph::ReadFailed);
        }
        None => return AlertGraph::None(missing(g)),
    };
    let (Some(from), Some(to)) = (g.from_at, g.to_at) else {
        return AlertGraph::None(NoGraph::ReadFailed);
    };
    if points.is_empty() {
        return AlertGraph::None(NoGraph::NoPoints);
    }
    let what = g
        .monitor_name
        .as_deref()
        .or(g.metric.as_deref())
        .unwrap_or("metric");
    let chart = Chart {
        points: &points,
        range: (from, to),
        thresholds: Thresholds::new(g.operator.as_deref(), g.warning, g.critical),
        span: (g.opened_at, g.closed_at),
        what,
        on: g.host_name.as_deref().or(g.service.as_deref()),
    };
    AlertGraph::Svg(draw::svg(&chart, tz, lang, now, style))
}

/// Why an alert without stored points has no graph.
fn missing(g: &StoredGraph) -> NoGraph {
    match g.state.as_deref() {
        None if is_metric_kind(&g.kind) => NoGraph::NotYetRead,
        None => NoGraph::for_kind(&g.kind),
        Some("absent") => NoGraph::for_stored_reason(g.reason.as_deref()),
        Some("failed") => NoGraph::ReadFailed,
        Some("wanted") => NoGraph::NotYetRead,
        Some(_) => NoGraph::NoPoints,
    }
}

/// The alert types whose monitors have a series Mackerel serves.
pub fn is_metric_kind(kind: &str) -> bool {
    matches!(kind, "host" | "service" | "external")
}

/// Most graphs one HTML digest carries inline: a heavy day stays a readable file.
pub const DIGEST_GRAPHS: usize = 30;

/// Alerts asked at once whether they have a series, for a digest's graphs.
const SERIES_ASKED: usize = 5_000;

/// The graphs an HTML digest carries inline, by alert id: its metric alerts with a
/// stored series, those to decide first (open, closed by a person, flapping),
/// then the rest in the digest's order, at most [`DIGEST_GRAPHS`].
pub async fn for_digest(
    store: &Store,
    digest: &crate::digest::Digest,
    tz: Tz,
    lang: Lang,
) -> Result<std::collections::HashMap<String, String>, StoreError> {
    use crate::digest::queue::needs_decision;
    let mut alerts: Vec<&crate::digest::DigestAlert> = digest
        .carried_over
        .iter()
        .chain(digest.services.iter().flat_map(|s| &s.alerts))
        .map(|a| a.as_ref())
        .filter(|a| is_metric_kind(&a.alert.kind))
        .collect();
    // Stable: the digest's order within each kind.
    alerts.sort_by_key(|a| !needs_decision(a.alert.state, a.flapping));
    // A heavy day has tens of thousands of metric alerts, and few or most of them
    // have a series: ask a chunk at a time which do, in order, until enough are drawn.
    let now = chrono::Utc::now().timestamp();
    let mut graphs = std::collections::HashMap::new();
    let mut asked = std::collections::HashSet::new();
    for chunk in alerts.chunks(SERIES_ASKED) {
        if graphs.len() == DIGEST_GRAPHS {
            break;
        }
        let ids: Vec<&str> = chunk.iter().map(|a| a.alert.id.as_str()).collect();
        let with_series = store.alerts_with_series(&ids).await?;
        // In the digest's order, each once (an alert may be listed twice).
        let drawable: Vec<&str> = ids
            .into_iter()
            .filter(|id| with_series.contains(*id) && asked.insert(*id))
            .collect();
        // As many as are still wanted, read at once; more only for those that
        // did not draw. One read, not a read per graph (30 of them on a heavy day).
        let mut rest = &drawable[..];
        while !rest.is_empty() && graphs.len() < DIGEST_GRAPHS {
            let wanted = DIGEST_GRAPHS - graphs.len();
            let (batch, after) = rest.split_at(wanted.min(rest.len()));
            rest = after;
            let stored: std::collections::HashMap<String, StoredGraph> = store
                .graphs_of(batch)
                .await?
                .into_iter()
                .map(|g| (g.alert_id.clone(), g))
                .collect();
            for id in batch {
                let Some(g) = stored.get(*id) else { continue };
                if let AlertGraph::Svg(svg) = from_stored(g, tz, lang, now, Style::Inline) {
                    graphs.insert((*id).to_owned(), svg);
                }
            }
        }
    }
    Ok(graphs)
}
