//! `asakai serve` (design §7): the HTTP surface and the background worker that keeps
//! the store current. Launched like atuin's server: the listener and a shutdown
//! future are passed in, so tests start it on port 0 and stop it when they like.

mod access;
pub(crate) mod api;
mod connections;
mod csv_stream;
pub mod digests;
mod github_sync;
mod health;
pub mod leader;
pub mod metrics;
pub mod morning;
mod review_api;
mod webhook;
pub mod worker;

use std::future::Future;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::config::Settings;
use crate::mackerel::Client;
use crate::store::Store;

pub use access::{Access, AccessError, User};
pub use metrics::Metrics;

/// What every handler and the worker share.
pub struct App {
    pub store: Store,
    pub settings: Settings,
    /// `None` when no Mackerel key is set: the server then serves what is stored.
    pub client: Option<Client>,
    pub metrics: Arc<Metrics>,
    pub access: Access,
    /// Asks the worker for a reconciling pass (webhooks ring it; the worker debounces).
    pub reconcile: Notify,
    /// The digests built so far, shared by the API and the pages.
    pub digests: digests::Digests,
    /// When a post that failed may be tried again.
    pub post_backoff: morning::Backoff,
    /// How the last Slack posts went, for `/healthz`.
    pub slack_health: crate::slack::health::Health,
    /// Whether this process leads the background work (design §13).
    pub lead: leader::Lead,
}

impl App {
    /// The app; its Mackerel client (if any) reports every request to the metrics.
    pub fn new(store: Store, settings: Settings, client: Option<Client>, access: Access) -> App {
        let metrics = Arc::new(Metrics::default());
        let counted = metrics.clone();
        let client =
            client.map(|c| c.observed(Arc::new(move |status: &str| counted.request(status))));
        App {
            store,
            settings,
            client,
            metrics,
            access,
            reconcile: Notify::new(),
            digests: digests::Digests::default(),
            post_backoff: morning::Backoff::default(),
            slack_health: Default::default(),
            lead: leader::Lead::default(),
        }
    }
}

/// Every route. Pages and `/api/*` pass the access policy and the cross-site rule;
/// `/healthz` and `/metrics` are open; the webhook has its own secret.
pub fn router(app: Arc<App>) -> Router {
    let guarded = Router::new()
        .route("/api/alerts", get(api::alerts))
        .route("/api/alerts/{id}", get(api::alert))
        .route("/alerts.csv", get(api::alerts_csv))
        .route("/api/digest", get(api::digest))
        .route("/api/reviews", post(review_api::post_review))
        .route(
            "/api/tasks",
            get(review_api::list_tasks).post(review_api::post_task),
        )
        .route("/api/tasks/{id}/done", post(review_api::task_done))
        // The pages and their forms pass the same guard as the API.
        .merge(crate::web::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            access::guard,
        ));
    Router::new()
        .merge(guarded)
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/webhooks/mackerel", post(webhook::receive))
        // Slack's own signature is its credential; Slack is another site by nature.
        .route(
            "/slack/interactions",
            post(crate::slack::interactions::receive),
        )
        // graph.png: Slack fetches it without a login; its token is the permission.
        .merge(crate::web::public_routes())
        // The webhook reads its body itself, with its own limit and a 413 of its own.
        .layer(axum::extract::DefaultBodyLimit::max(webhook::MAX_BODY))
        .layer(axum::middleware::from_fn(access::security_headers))
        // A client that stalls between two parts of its body, or whose request
        // takes longer than a request should, is answered 408 (see `connections`).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            app.settings.server.limits.client_timeout,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            app.settings.server.limits.request_timeout,
        ))
        .layer(axum::middleware::from_fn(api::errors_as_json))
        // Pages, JSON and CSV compress well (a heavy day's page by ten times).
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(app)
}

/// Serves `app` on `listener` until `shutdown` completes, with its worker alongside,
/// today's digest built in the background meanwhile. On shutdown the lead (if this process has it) is given up at once, the listener
/// stops accepting, requests in flight get a few seconds
/// to finish (a client that stalls is cut off), and the worker lets its pass
/// checkpoint before this returns.
pub async fn launch_with_tcp_listener(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let spec = crate::digest::meeting::spec(&app.settings, app.settings.timezone);
    app.digests
        .warm_up(&app.store, &spec, chrono::Utc::now().timestamp());
    let worker = tokio::spawn(worker::run(app.clone(), stop_rx));
    let limits = app.settings.server.limits;
    let leaving = app.clone();
    connections::serve(listener, router(app), limits, async move {
        shutdown.await;
        // Another replica takes the lead now, not after this one's wind-down.
        leaving.lead.resign().await;
        let _ = stop_tx.send(true);
    })
    .await;
    if let Err(e) = worker.await {
        tracing::warn!(error = %e, "the worker stopped abnormally");
    }
    Ok(())
}
