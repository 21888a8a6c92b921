//! How `serve` holds its clients' connections. axum's own `serve` never times a
//! client out, so a socket that trickles its headers, holds a half-sent body or sits
//! idle stays open for good, and one of them keeps a graceful shutdown waiting. Here
//! hyper's HTTP/1 connection gets a timer (headers, and the wait for the next request
//! on a kept-alive connection, must come within `client_timeout`), tower-http's
//! layers time out a stalled body and a whole request (see [`super::router`]), a
//! semaphore caps the connections, and a shutdown waits for the requests in flight
//! only [`SHUTDOWN_GRACE`], then closes what is left.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::config::ClientLimits;

/// How long a shutdown waits for requests in flight before it closes their connections.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting,
/// lets each connection finish the request it is in for at most [`SHUTDOWN_GRACE`],
/// and closes the rest.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ClientLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // At the cap, wait for a slot before accepting: the next client waits in
        // the kernel's queue instead of taking memory here.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.client_timeout)
            .serve_connection(
                TokioIo::new(stream),
                TowerToHyperService::new(router.clone()),
            );
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "a connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            connections = connections.len(),
            "closing connections whose requests did not finish in time"
        );
    }
    connections.shutdown().await;
}

/// An accept that failed: a connection reset before it was taken is the client's
/// business; running out of file descriptors passes, so wait a moment and go on.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused
    ) {
        return;
    }
    tracing::warn!(error = %e, "could not accept a connection; trying again in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
