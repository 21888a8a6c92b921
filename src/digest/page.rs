//! The digest as data for the web page: the same context the HTML digest renders
//! (times in the team's zone, labels in its language, the hourly chart), so the
//! page and the e-mailed HTML never disagree about what a morning held.

use super::context::context;
use super::labels::Lang;
use super::model::Digest;
use super::window::Window;

/// The HTML digest's template context as JSON, chart included, with every alert
/// kept (as the HTML page keeps them behind toggles).
pub fn page_context(digest: &Digest, window: &Window, lang: Lang) -> serde_json::Value {
    let labels = lang.labels();
    let chart = super::chart::svg(digest, window, labels);
    serde_json::to_value(context(digest, window, labels, chart, true))
        .expect("a digest context serializes")
}

/// The same context without the alert lists' every line (they are condensed, as
/// in the human formats): what the meeting screen reads around its queue, cheap
/// on a heavy day.
pub fn summary_context(digest: &Digest, window: &Window, lang: Lang) -> serde_json::Value {
    let labels = lang.labels();
    let chart = super::chart::svg(digest, window, labels);
    serde_json::to_value(context(digest, window, labels, chart, false))
        .expect("a digest context serializes")
}
