//! `asakai serve` (design §7): the HTTP surface and the background worker that keeps
//! the store current. Launched like atuin's server: the listener and a shutdown
//! future are passed in, so tests start it on port 0 and stop it when they like.

mod access;
pub(crate) mod api;
mod csv_stream;
pub mod digests;
mod github_sync;
mod health;
pub mod metrics;
pub mod morning;
mod review_api;
mod webhook;
pub mod worker;

use std::future::Future;
use std::net::SocketAddr;
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
        // The webhook reads its body itself, with its own limit and a 413 of its own.
        .layer(axum::extract::DefaultBodyLimit::max(webhook::MAX_BODY))
        .layer(axum::middleware::from_fn(access::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            mark_writes,
        ))
        .with_state(app)
}

/// Every request that may write (anything but GET and HEAD) marks the store written
/// once it is answered, so the next digest is built from what it wrote. A webhook
/// is Mackerel's, not a person's: its alert shows with the next build.
async fn mark_writes(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let reads = matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let webhook = request.uri().path().starts_with("/webhooks/");
    let response = next.run(request).await;
    if webhook {
        app.digests.synced();
    } else if !reads {
        app.digests.wrote();
    }
    response
}

/// Serves `app` on `listener` until `shutdown` completes, with its worker alongside.
/// On shutdown the listener stops accepting, requests in flight finish, and the
/// worker lets its pass checkpoint (at most a few seconds) before this returns.
pub async fn launch_with_tcp_listener(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::memory::for_service();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(worker::run(app.clone(), stop_rx));
    let result = axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    })
    .await;
    if let Err(e) = worker.await {
        tracing::warn!(error = %e, "the worker stopped abnormally");
    }
    result
}
