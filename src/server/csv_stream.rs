//! `GET /alerts.csv` streams: alerts are read a chunk at a time and each chunk is sent
//! as it is written, so memory stays flat for any number of rows.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures_util::stream;

use super::App;
use crate::lookup::{self, Format};
use crate::store::AlertFilter;

const CHUNK: u32 = 2_000;

struct Cursor {
    app: Arc<App>,
    filter: AlertFilter,
    /// Rows still wanted (`None`: all).
    left: Option<u64>,
    started: bool,
    done: bool,
}

pub fn response(app: Arc<App>, filter: AlertFilter) -> Response {
    let cursor = Cursor {
        app,
        left: filter.limit.map(u64::from),
        filter,
        started: false,
        done: false,
    };
    let body = Body::from_stream(stream::unfold(cursor, next_chunk));
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"asakai-alerts.csv\""),
    );
    r
}

/// The next part of the CSV: the header with the first rows, then rows until none are left.
async fn next_chunk(mut c: Cursor) -> Option<(Result<Bytes, std::io::Error>, Cursor)> {
    if c.done {
        return None;
    }
    let want = c.left.map_or(CHUNK as u64, |l| l.min(CHUNK as u64));
    c.filter.limit = Some(want as u32);
    let now = chrono::Utc::now().timestamp();
    let mut buf = Vec::new();
    if !c.started {
        c.started = true;
        let listing = lookup::Listing::start(&mut buf, Format::Csv, c.app.settings.timezone, now);
        if let Err(e) = listing.and_then(|l| l.finish()) {
            c.done = true;
            return Some((Err(e), c));
        }
    }
    let alerts = if want == 0 {
        Vec::new()
    } else {
        match c.app.store.find_alerts(&c.filter).await {
            Ok(a) => a,
            Err(e) => {
                c.done = true;
                return Some((Err(std::io::Error::other(e.to_string())), c));
            }
        }
    };
    if let Err(e) = lookup::write_csv(&mut buf, &alerts, now) {
        c.done = true;
        return Some((Err(e), c));
    }
    c.left = c.left.map(|l| l - alerts.len() as u64);
    match alerts.last() {
        Some(last) if alerts.len() as u64 == want => {
            c.filter.before = Some((last.opened_at, last.id.clone()));
        }
        _ => c.done = true,
    }
    Some((Ok(Bytes::from(buf)), c))
}
