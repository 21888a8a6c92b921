//! `POST /webhooks/mackerel` (design §7): Basic auth whose password is
//! `ASAKAI_WEBHOOK_SECRET` (any user name), 1 MiB at most; an accepted alert event
//! updates the store at once and asks the worker for a reconciling pass.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::access::basic_credentials;
use super::api::ApiError;
use super::App;
use crate::webhook::{self, Received};

pub const MAX_BODY: usize = webhook::MAX_BODY;

pub async fn receive(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    // Without a secret the endpoint does not exist: nobody can push into the store.
    let Some(secret) = &app.settings.server.webhook_secret else {
        return ApiError::new(StatusCode::NOT_FOUND, "no such page").into_response();
    };
    let authorized =
        basic_credentials(&headers).is_some_and(|(_, password)| secret.matches(&password));
    if !authorized {
        app.metrics.webhook("unauthorized");
        let mut r =
            ApiError::new(StatusCode::UNAUTHORIZED, "webhook credentials required").into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"asakai webhook\""),
        );
        return r;
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        app.metrics.webhook("rejected");
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a webhook body is at most {MAX_BODY} bytes"),
        )
        .into_response();
    };
    let now = chrono::Utc::now().timestamp();
    match webhook::receive(&app.store, &bytes, now).await {
        Ok(received) => {
            app.metrics.webhook("accepted");
            // Mackerel's, not a person's: the alert shows with the next build.
            app.digests.synced();
            if matches!(received, Received::AlertUpdated { changed: true, .. }) {
                // Polling stays the source of truth: a pass soon confirms what the event said.
                app.reconcile.notify_one();
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) if e.is_bad_body() => {
            app.metrics.webhook("rejected");
            ApiError::new(StatusCode::BAD_REQUEST, e.to_string()).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not store a webhook event");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
        }
    }
}
