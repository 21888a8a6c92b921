//! An alert's graph as a file of its own (design §12): `GET /alerts/{id}/graph.svg`
//! behind the pages' access rules, and `GET /alerts/{id}/graph.png?t=TOKEN` for
//! Slack, which fetches images without a login: the token (an HMAC of the alert id
//! under the server's secret) is the permission, for that alert only.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::render::Page;
use crate::digest::Lang;
use crate::graphs::{self, png, token, AlertGraph, Style};
use crate::server::api::query_pairs;
use crate::server::App;

/// The SVG route, merged into the guarded pages.
pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/alerts/{id}/graph.svg", get(svg))
}

/// The PNG route: outside page auth, guarded by its token.
pub fn public_routes() -> Router<Arc<App>> {
    Router::new().route("/alerts/{id}/graph.png", get(png))
}

/// The full URL of an alert's graph.png, token included, for Slack's image blocks;
/// `None` without `[server] public_url` (Slack could not reach it) or when the
/// secret cannot be read.
pub async fn graph_png_url(app: &App, alert_id: &str) -> Option<String> {
    png_url(&app.store, &app.settings, alert_id).await
}

/// [`graph_png_url`] from the store and settings (a post made outside `serve`).
pub async fn png_url(
    store: &crate::store::Store,
    settings: &crate::config::Settings,
    alert_id: &str,
) -> Option<String> {
    let base = settings.server.public_url.as_deref()?;
    let secret = token::secret(store, settings.server.graph_secret.as_ref())
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "cannot read the graph secret"))
        .ok()?;
    Some(format!(
        "{}/alerts/{}/graph.png?t={}",
        base.trim_end_matches('/'),
        form_urlencoded::byte_serialize(alert_id.as_bytes()).collect::<String>(),
        token::token(&secret, alert_id)
    ))
}

async fn svg(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = Page::new(&app, &query_pairs(raw)).lang;
    match standalone(&app, &id, lang).await {
        Ok(svg) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            svg,
        )
            .into_response(),
        Err(r) => r,
    }
}

async fn png(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = query_pairs(raw);
    let given = q.get("t").and_then(|v| v.last()).map_or("", String::as_str);
    // The token is checked before anything is looked up: without it, nobody learns
    // whether an alert exists.
    let secret = match token::secret(&app.store, app.settings.server.graph_secret.as_ref()).await {
        Ok(s) => s,
        Err(e) => return text(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    if !token::verify(&secret, &id, given) {
        return text(
            StatusCode::FORBIDDEN,
            "this graph link is not valid: ask asakai for a new one",
        );
    }
    let lang = Page::new(&app, &q).lang;
    let svg = match standalone(&app, &id, lang).await {
        Ok(svg) => svg,
        Err(r) => return r,
    };
    match tokio::task::spawn_blocking(move || png::render(&svg)).await {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) => text(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// The alert's graph as a document of its own, or the answer that says why not.
async fn standalone(app: &App, id: &str, lang: Lang) -> Result<String, Response> {
    let found = app
        .store
        .graph_of(id)
        .await
        .map_err(|e| text(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
    let Some(g) = found else {
        let message = match lang {
            Lang::En => "No such alert.",
            Lang::Ja => "そのアラートはありません。",
        };
        return Err(text(StatusCode::NOT_FOUND, message));
    };
    let now = chrono::Utc::now().timestamp();
    match graphs::from_stored(&g, app.settings.timezone, lang, now, Style::Standalone) {
        AlertGraph::Svg(svg) => Ok(svg),
        AlertGraph::None(reason) => Err(text(StatusCode::NOT_FOUND, reason.text(lang))),
    }
}

fn text(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_owned(),
    )
        .into_response()
}
