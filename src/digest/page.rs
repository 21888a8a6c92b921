//! The digest as data for the web page: the same context the HTML digest renders
//! (times in the team's zone, labels in its language, the hourly chart), so the
//! page and the e-mailed HTML never disagree about what a morning held.

use super::context::context;
use super::labels::Lang;
use super::model::Digest;
use super::window::Window;

/// The HTML digest's template context as JSON, its alert lists condensed as in the
/// human formats: what the meeting screen reads around its queue (totals and their
/// change, the chart, notes, tasks, maintenance), cheap on a heavy day.
pub fn summary_context(digest: &Digest, window: &Window, lang: Lang) -> serde_json::Value {
    let labels = lang.labels();
    let chart = super::chart::svg(digest, window, labels);
    serde_json::to_value(context(digest, window, labels, chart, false))
        .expect("a digest context serializes")
}
