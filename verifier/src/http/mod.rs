//! The verifier's HTTP side.
//!
//! ```text
//!  wallet (OpenID4VP 1.0)
//!  GET|POST /oid4vp/request/{id}       the signed request object (§5.10)
//!  POST     /oid4vp/response/{id}      direct_post answer (§8.2) → 200 {} or 400 error
//!  API (the screen's, and a bank's back office)
//!  GET      /v1/profiles               the checkpoint profiles offered
//!  POST     /v1/requests               {"profile"} → id, link, offline request QR text
//!  GET      /v1/requests/{id}          waiting | verifying | answered (outcome) | refused
//!  DELETE   /v1/requests/{id}          forget it and its outcome now
//!  POST     /v1/requests/{id}/offline  an offline presentation QR: text, or a PNG/JPEG image
//!  GET      /v1/receipts/{jti}         a signed verification receipt
//!  GET      /healthz, /metrics (Prometheus text: requests by route, latency)
//!  the officer's screen (see `screen`)
//!  GET /, POST /checks, GET /checks/{id}, POST /checks/{id}/offline, POST /checks/{id}/close
//! ```
//! Every answer is `Cache-Control: no-store`. API errors are RFC 9457 problem
//! details; the wallet endpoints answer OAuth-style errors (`error`,
//! `error_description`) with our `code` beside them.

mod api;
mod oid4vp;
mod problem;
mod screen;
mod style;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::{get, post};
use sigillum_web::metrics::{HttpMetrics, instrument};
use tower::limit::ConcurrencyLimitLayer;
use tower_http::timeout::TimeoutLayer;

pub use problem::ApiError;

use crate::service::Verifier;

/// Largest request body: a `direct_post` answer (capped again by the parser) or a
/// photo of a QR code.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Requests served at once; more wait.
const MAX_CONCURRENT: usize = 1024;

/// The router.
pub fn app(verifier: Arc<Verifier>) -> Router {
    let routes = Router::new()
        .route(
            "/oid4vp/request/{id}",
            get(oid4vp::request_object).post(oid4vp::request_object),
        )
        .route("/oid4vp/response/{id}", post(oid4vp::response))
        .route("/v1/profiles", get(api::profiles))
        .route("/v1/requests", post(api::open))
        .route("/v1/requests/{id}", get(api::status).delete(api::close))
        .route("/v1/requests/{id}/offline", post(api::offline))
        .route("/v1/receipts/{jti}", get(api::receipt))
        .route("/healthz", get(|| async { "ok" }))
        .merge(screen::routes())
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such endpoint")
        });
    instrument(routes, &HttpMetrics::new("verifier"))
        .layer(axum::middleware::map_response(no_store))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(15),
        ))
        .layer(ConcurrencyLimitLayer::new(MAX_CONCURRENT))
        .with_state(verifier)
}

async fn no_store(mut response: axum::response::Response) -> axum::response::Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Serves `app(verifier)` on `listener` (refreshing the offline bundle when a
/// registry is configured) until `shutdown` resolves.
///
/// # Errors
/// The listener's I/O error.
pub async fn run(
    listener: tokio::net::TcpListener,
    verifier: Arc<Verifier>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let refresher = tokio::spawn(Arc::clone(&verifier).run_refresher({
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    }));
    let sweeper = tokio::spawn({
        let verifier = Arc::clone(&verifier);
        let mut rx = stop_rx;
        async move {
            loop {
                tokio::select! {
                    _ = rx.wait_for(|stop| *stop) => return,
                    () = tokio::time::sleep(Duration::from_secs(10)) => {
                        verifier.sessions().sweep(verifier.now().unix());
                    }
                }
            }
        }
    });
    let served = sigillum_web::serve::run(listener, app(verifier), async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    })
    .await;
    let _ = refresher.await;
    let _ = sweeper.await;
    served
}
