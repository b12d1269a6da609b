//! Serving a router with the limits a public endpoint needs and hyper leaves off by
//! default: without a timer, hyper never times out a request head, so a client
//! that opens connections and sends its headers one byte a minute (slowloris) holds
//! each of them forever, and nothing bounds how many it holds.
//!
//! [`run`] accepts at most [`Limits::max_connections`] connections at once (past
//! that, new ones wait in the kernel's backlog), closes a connection whose request
//! head is not complete within [`Limits::header_read_timeout`] (counted from the
//! moment the server waits for a head, so an idle keep-alive connection is closed
//! too), and on shutdown stops accepting and lets requests in flight finish.
//! Request bodies and handlers are bounded by each service's own body limit and
//! `TimeoutLayer`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

/// The connection limits of one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time allowed for a whole request head, from when the server starts waiting.
    pub header_read_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

/// What every Sigillum service uses.
pub const LIMITS: Limits = Limits {
    header_read_timeout: Duration::from_secs(10),
    max_connections: 1024,
};

/// Serves `router` on `listener` with [`LIMITS`] until `shutdown` resolves, then
/// waits for the requests in flight.
///
/// # Errors
/// None today: a failed `accept` (a client gone, too many open files) is logged
/// and retried, never fatal; the `Result` keeps the signature of `axum::serve`.
pub async fn run(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with(listener, router, shutdown, LIMITS).await
}

/// [`run`] with other limits (tests use a short timeout).
///
/// # Errors
/// As [`run`].
pub async fn run_with(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (closing, closed) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break, // the semaphore is never closed
            },
            () = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // EMFILE and friends: wait for connections to close rather than spin.
                    tracing::warn!(target: "http", error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = accepted;
        // The peer's address, for handlers and `crate::attempts` (as `axum::serve` does).
        let service = TowerToHyperService::new(router.clone().map_request(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            },
        ));
        let mut closed = closed.clone();
        connections.spawn(async move {
            let _slot = slot;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(target: "http", error = %e, "connection ended");
                    }
                }
                () = async { drop(closed.wait_for(|closed| *closed).await) } => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}
