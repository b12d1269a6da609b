//! The issuer's HTTP API.
//!
//! ```text
//!  GET  /.well-known/openid-credential-issuer   metadata (OpenID4VCI 1.0 §12.2)
//!  GET  /.well-known/oauth-authorization-server   token endpoint (RFC 8414)
//!  POST /token                                  pre-authorized code + tx_code → access token (§6)
//!  POST /nonce                                  a fresh c_nonce (§7)
//!  POST /credential                             proofs → credentials, batch (§8)
//!  POST /v1/credentials/{type}                  officer: applicant data → credential offer
//!  GET  /v1/credentials?reference=PREFIX        officer: search
//!  GET  /v1/credentials/{id}                    officer: one credential
//!  POST /v1/credentials/{id}/revoke|suspend|reinstate   officer, with {"reason"}
//!  GET  /v1/audit?from=N&limit=M                admin: the audit chain, verified
//!  GET  /healthz, GET /metrics (Prometheus text: requests by route, latency)
//!  GET|POST /officer/…                          the officers' web page (see `pages`)
//! ```
//! Officer errors are RFC 9457 problem details; OpenID4VCI errors are OAuth error
//! responses (`error`, `error_description`) with our `code` beside them.

mod officer;
mod pages;
mod problem;
mod wallet;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use sigillum_web::attempts::{AttemptLimit, Attempts, Refusal};
use sigillum_web::metrics::{HttpMetrics, instrument};
use tower::limit::ConcurrencyLimitLayer;
use tower_http::timeout::TimeoutLayer;

pub use problem::ApiError;

use crate::service::Issuer;

/// Largest request body (a subject with a portrait digest is a few KiB; a batch
/// credential request with ten proofs under 64 KiB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Requests served at once; more wait.
const MAX_CONCURRENT: usize = 1024;

/// The router.
pub fn app(issuer: Arc<Issuer>) -> Router {
    let routes = Router::new()
        .route(
            "/.well-known/openid-credential-issuer",
            get(wallet::metadata),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(wallet::authorization_server),
        )
        .route(
            "/token",
            post(wallet::token).layer(axum::middleware::from_fn_with_state(
                (
                    Attempts::new(AttemptLimit::TOKEN),
                    wallet::too_many_failures as Refusal,
                ),
                sigillum_web::attempts::limit,
            )),
        )
        .route("/nonce", post(wallet::nonce))
        .route("/credential", post(wallet::credential))
        .route("/v1/credentials", get(officer::search))
        .route(
            "/v1/credentials/{segment}",
            post(officer::apply).get(officer::show),
        )
        .route(
            "/v1/credentials/{id}/{action}",
            post(officer::change_status),
        )
        .route("/v1/audit", get(officer::audit))
        .route("/healthz", get(|| async { "ok" }))
        .merge(pages::routes())
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such endpoint")
        });
    instrument(routes, &HttpMetrics::new("issuer"))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(10),
        ))
        .layer(ConcurrencyLimitLayer::new(MAX_CONCURRENT))
        .with_state(issuer)
}

/// Serves the API and the status publisher on `listener` until `shutdown` resolves.
///
/// # Errors
/// The listener's I/O error.
pub async fn run(
    listener: tokio::net::TcpListener,
    issuer: Arc<Issuer>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let publisher = tokio::spawn(Arc::clone(&issuer).run_publisher({
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    }));
    let served = sigillum_web::serve::run(listener, app(issuer), async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    })
    .await;
    let _ = publisher.await;
    served
}
