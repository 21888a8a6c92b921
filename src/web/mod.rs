//! The web pages of `asakai serve` (design §7): the digest to review, alert search
//! and history, tasks and the monitor report. Rendered on the server with
//! handlebars (strict, HTML-escaped); every form works without JavaScript (POST,
//! then 303 back), and one static script adds keys and in-page updates.

mod alert_page;
mod alert_rows;
mod alerts_page;
mod assets;
mod clock;
mod digest_page;
mod forms;
mod graph;
mod lists;
mod meeting;
mod meeting_detail;
mod meeting_words;
mod render;
mod team_choice;
mod words;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::server::App;

pub use graph::{graph_png_url, png_url};
pub use render::{Page, PageError};

/// The pages' routes, to be merged into the server's guarded router.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(digest_page::today))
        .route("/digests/{date}", get(digest_page::on_date))
        .route("/digests/{date}/items/{key}", get(digest_page::item_detail))
        .route("/alerts", get(alerts_page::search))
        .route("/alerts/{id}", get(alert_page::show))
        .route("/tasks", get(lists::tasks))
        .route("/monitors", get(lists::monitors))
        .route("/review", post(forms::review))
        .route("/task", post(forms::task))
        .route("/tasks/{id}/done", post(forms::task_done))
        .route("/static/asakai.css", get(assets::css))
        .route("/static/asakai.js", get(assets::js))
        .merge(graph::routes())
}

/// Routes outside page auth: an alert's graph.png, which its link's token guards
/// (Slack fetches it without a login).
pub fn public_routes() -> Router<Arc<App>> {
    graph::public_routes()
}
