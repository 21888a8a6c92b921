//! The one stylesheet and the one script, served from the binary: the pages work
//! on an isolated network and under `default-src 'self'` (no inline code).

use axum::http::header;
use axum::response::IntoResponse;

/// The pages' sheet, then the meeting screen's (its own file: it is most of it).
const CSS: &str = concat!(
    include_str!("../../templates/web/asakai.css"),
    include_str!("../../templates/web/meeting.css")
);
const JS: &str = include_str!("../../templates/web/asakai.js");

/// Cached for an hour: the files change only with the binary.
const CACHE: &str = "public, max-age=3600";

pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        CSS,
    )
}

pub async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        JS,
    )
}
