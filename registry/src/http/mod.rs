//! The registry's HTTP API (specs/registry/DESIGN.md "Reads"): submit operations;
//! read objects with their proofs; checkpoints, consistency proofs, log entries;
//! health and metrics. Errors are RFC 9457 problem details ([`problem`]).
//!
//! | method and path | answer |
//! | --- | --- |
//! | `POST /v1/operations` | 201 `{leaf_index, leaf_hash}` |
//! | `GET /v1/dids/{did}` | a [`ReadProof`](sigillum_credential::ledger::read::ReadProof) |
//! | `GET /v1/accreditations/{issuer}/{type}` | a read proof |
//! | `GET /v1/status-lists/{issuer}/{n}` | a read proof (the signed list is in `object.token`) |
//! | `GET /v1/schemas/{type}` | a read proof |
//! | `GET /v1/checkpoint` | the signed checkpoint note, `text/plain` |
//! | `GET /v1/proofs/consistency?old=&new=` | `{"proof": [base64 hashes]}` |
//! | `GET /v1/proofs/inclusion?index=&size=` | `{"proof": [base64 hashes]}` |
//! | `GET /v1/log/entries?start=&end=` | `{"entries": [base64 leaves]}` (at most 1000) |
//! | `GET /v1/bundle` | the offline bundle: every object with its proofs, zlib JSON |
//! | `GET /healthz`, `GET /metrics` | liveness; Prometheus text |

pub mod problem;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;
use sigillum_web::metrics::{HttpMetrics, exposition, track};
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;

use self::problem::ApiError;
use crate::node::{Node, Receipt};
use crate::raft::{Replica, Written};

/// Largest request body accepted (an operation carrying a 4 MiB status list, in JSON).
pub const MAX_BODY_BYTES: usize = 9 * 1024 * 1024;

/// Shared by the handlers.
#[derive(Clone)]
pub struct AppState {
    node: Arc<Node>,
    /// Set on a replicated node: writes go through Raft.
    replica: Option<Arc<Replica>>,
    /// Forwards writes to the leader.
    client: reqwest::Client,
    metrics: Arc<Metrics>,
    http: Arc<HttpMetrics>,
}

#[derive(Default)]
struct Metrics {
    accepted: AtomicU64,
    refused: AtomicU64,
    reads: AtomicU64,
}

/// The router, testable without a socket.
pub fn app(node: Arc<Node>) -> Router {
    routes(node, None)
}

/// The router of one replica of a replicated registry: the same API (writes go
/// through Raft, and a follower forwards them to the leader), plus the Raft RPCs,
/// `/v1/status` and the fault endpoints ([`crate::raft::routes`]).
pub fn replica_app(replica: Arc<Replica>) -> Router {
    let cosigner = replica.cosigner();
    let app = routes(Arc::clone(replica.node()), Some(Arc::clone(&replica)))
        .merge(crate::raft::routes::router(replica));
    match cosigner {
        Some(c) => app.merge(crate::raft::cosign::router(c)),
        None => app,
    }
}

fn routes(node: Arc<Node>, replica: Option<Arc<Replica>>) -> Router {
    let http = HttpMetrics::new("registry");
    let state = AppState {
        node,
        replica,
        client: reqwest::Client::new(),
        metrics: Arc::new(Metrics::default()),
        http: Arc::clone(&http),
    };
    Router::new()
        .route("/v1/operations", post(submit))
        .route("/v1/dids/{did}", get(read_did))
        .route(
            "/v1/accreditations/{issuer}/{kind}",
            get(read_accreditation),
        )
        .route("/v1/status-lists/{issuer}/{n}", get(read_status_list))
        .route("/v1/schemas/{kind}", get(read_schema))
        .route("/v1/checkpoint", get(checkpoint))
        .route("/v1/proofs/consistency", get(consistency))
        .route("/v1/proofs/inclusion", get(inclusion))
        .route("/v1/log/entries", get(entries))
        .route("/v1/bundle", get(bundle))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .layer(axum::middleware::from_fn_with_state(http, track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(10),
        ))
        .with_state(state)
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such endpoint")
        })
}

/// Serves the API on `listener` until `shutdown` completes.
///
/// # Errors
/// The I/O error that stopped the server.
pub async fn run(
    listener: TcpListener,
    node: Arc<Node>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    sigillum_web::serve::run(listener, app(node), shutdown).await
}

fn receipt(status: StatusCode, receipt: &Receipt) -> Response {
    let hash = base64::engine::general_purpose::STANDARD.encode(receipt.leaf_hash.as_bytes());
    (
        status,
        Json(json!({"leaf_index": receipt.leaf_index, "leaf_hash": hash})),
    )
        .into_response()
}

/// Marks a request already forwarded once, so two nodes that each think the other
/// leads never bounce it between them.
const FORWARDED: &str = "sigillum-forwarded";

/// Serves `app` (a witness's routes) on `listener` until `shutdown` completes.
///
/// # Errors
/// The I/O error that stopped the server.
pub async fn serve_router(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    sigillum_web::serve::run(listener, app, shutdown).await
}

/// Serves one replica's API and RPCs on `listener` until `shutdown` completes.
///
/// # Errors
/// The I/O error that stopped the server.
pub async fn run_replica(
    listener: TcpListener,
    replica: Arc<Replica>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    sigillum_web::serve::run(listener, replica_app(replica), shutdown).await
}

async fn submit(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let Some(replica) = &s.replica {
        return replicated_submit(&s, replica, &headers, body).await;
    }
    match s.node.submit(body.to_vec()).await? {
        Ok(accepted) => {
            s.metrics.accepted.fetch_add(1, Ordering::Relaxed);
            Ok(receipt(StatusCode::CREATED, &accepted))
        }
        Err(refusal) => {
            s.metrics.refused.fetch_add(1, Ordering::Relaxed);
            Err(refusal.into())
        }
    }
}

fn no_leader(detail: &str) -> Response {
    let mut response = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "no_leader",
        detail.to_owned(),
    )
    .into_response();
    response.headers_mut().insert(
        header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("1"),
    );
    response
}

/// A write on a replica (specs/registry/CONSORTIUM.md "Writes through any node"):
/// 201 once committed, 200 for a retry of an applied operation, the refusal's
/// problem, the leader's own answer when forwarded, 503 `no_leader` during an
/// election, 503 `write_outcome_unknown` when it may or may not have committed
/// (resubmitting the same bytes is safe).
async fn replicated_submit(
    s: &AppState,
    replica: &Replica,
    headers: &axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    match replica.write(body.to_vec()).await {
        Written::Created(accepted) => {
            s.metrics.accepted.fetch_add(1, Ordering::Relaxed);
            Ok(receipt(StatusCode::CREATED, &accepted))
        }
        Written::Existing(accepted) => Ok(receipt(StatusCode::OK, &accepted)),
        Written::Refused(refusal) => {
            s.metrics.refused.fetch_add(1, Ordering::Relaxed);
            Err(refusal.into())
        }
        Written::NoLeader => Ok(no_leader("no leader is elected yet; retry")),
        Written::Unknown(why) => {
            let mut response = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "write_outcome_unknown",
                format!("{why}; resubmit the same operation"),
            )
            .into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
            Ok(response)
        }
        Written::Forward(_) if headers.contains_key(FORWARDED) => Ok(no_leader(
            "the node this was forwarded to does not lead either; retry",
        )),
        Written::Forward(url) => {
            let answer = s
                .client
                .post(format!("{}/v1/operations", url.trim_end_matches('/')))
                .header(FORWARDED, "1")
                .timeout(Duration::from_secs(8))
                .body(body)
                .send()
                .await;
            let Ok(answer) = answer else {
                return Ok(no_leader("the leader could not be reached; retry"));
            };
            let status =
                StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let content_type = answer
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_owned();
            let retry_after = answer
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            // The leader answers a receipt or a problem document.
            let Ok(bytes) = crate::raft::read_capped(answer, 64 * 1024).await else {
                return Ok(no_leader("the leader's answer was cut off; retry"));
            };
            let mut response =
                (status, [(header::CONTENT_TYPE, content_type)], bytes).into_response();
            if let Some(value) =
                retry_after.and_then(|v| axum::http::HeaderValue::from_str(&v).ok())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
    }
}

fn read(s: &AppState, id: &str) -> Result<Response, ApiError> {
    s.metrics.reads.fetch_add(1, Ordering::Relaxed);
    if id.len() > 512 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "id_invalid",
            "object ids are at most 512 bytes",
        ));
    }
    let proof = s.node.read(id)?.ok_or_else(|| ApiError::not_found(id))?;
    Ok(Json(proof).into_response())
}

async fn read_did(
    State(s): State<AppState>,
    Path(did): Path<String>,
) -> Result<Response, ApiError> {
    read(&s, &did)
}

async fn read_accreditation(
    State(s): State<AppState>,
    Path((issuer, kind)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    read(&s, &format!("accreditation:{issuer}:{kind}"))
}

/// A status list with its proofs; or, when the client asks for the list itself
/// (`Accept: application/statuslist+jwt`, draft-ietf-oauth-status-list §8.1, or
/// `application/vc+jwt` for a Bitstring Status List credential), the signed token
/// alone, so the list's `uri` works for any conforming verifier.
async fn read_status_list(
    State(s): State<AppState>,
    Path((issuer, n)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let id = format!("status-list:{issuer}:{n}");
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let wanted = ["application/statuslist+jwt", "application/vc+jwt"]
        .into_iter()
        .find(|media| accept.split(',').any(|a| a.trim().starts_with(media)));
    let Some(media) = wanted else {
        return read(&s, &id);
    };
    s.metrics.reads.fetch_add(1, Ordering::Relaxed);
    let proof = s.node.read(&id)?.ok_or_else(|| ApiError::not_found(&id))?;
    let format = if media == "application/statuslist+jwt" {
        "token"
    } else {
        "bitstring"
    };
    match (
        proof.object["format"].as_str(),
        proof.object["token"].as_str(),
    ) {
        (Some(f), Some(token)) if f == format => Ok((
            [(axum::http::header::CONTENT_TYPE, media)],
            token.to_owned(),
        )
            .into_response()),
        _ => Err(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "status_list_format_mismatch",
            format!("{id} is not published as {media}"),
        )),
    }
}

async fn read_schema(
    State(s): State<AppState>,
    Path(kind): Path<String>,
) -> Result<Response, ApiError> {
    read(&s, &format!("schema:{kind}"))
}

async fn checkpoint(State(s): State<AppState>) -> Result<Response, ApiError> {
    let note = s.node.checkpoint()?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response())
}

#[derive(Deserialize)]
struct ConsistencyQuery {
    old: u64,
    new: u64,
}

async fn consistency(
    State(s): State<AppState>,
    q: Result<Query<ConsistencyQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "query_invalid", e.body_text()))?;
    if q.new > s.node.size() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "proof_size_invalid",
            format!("the log has {} entries", s.node.size()),
        ));
    }
    let proof = s.node.consistency(q.old, q.new)?;
    let b64 = |h: &sigillum_credential::ledger::Hash| {
        base64::engine::general_purpose::STANDARD.encode(h.as_bytes())
    };
    Ok(Json(
        json!({"old": q.old, "new": q.new, "proof": proof.iter().map(b64).collect::<Vec<_>>()}),
    )
    .into_response())
}

#[derive(Deserialize)]
struct InclusionQuery {
    index: u64,
    size: u64,
}

async fn inclusion(
    State(s): State<AppState>,
    q: Result<Query<InclusionQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "query_invalid", e.body_text()))?;
    if q.size > s.node.size() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "proof_size_invalid",
            format!("the log has {} entries", s.node.size()),
        ));
    }
    let proof = s.node.inclusion(q.index, q.size)?;
    let b64 = |h: &sigillum_credential::ledger::Hash| {
        base64::engine::general_purpose::STANDARD.encode(h.as_bytes())
    };
    Ok(Json(json!({"index": q.index, "size": q.size, "proof": proof.iter().map(b64).collect::<Vec<_>>()})).into_response())
}

#[derive(Deserialize)]
struct EntriesQuery {
    start: u64,
    end: u64,
}

async fn entries(
    State(s): State<AppState>,
    q: Result<Query<EntriesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "query_invalid", e.body_text()))?;
    if q.end < q.start {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "query_invalid",
            "end is before start",
        ));
    }
    let list = s.node.entries(q.start, q.end)?;
    let b64: Vec<String> = list
        .iter()
        .map(|e| base64::engine::general_purpose::STANDARD.encode(e))
        .collect();
    Ok(Json(json!({"start": q.start, "entries": b64})).into_response())
}

async fn bundle(State(s): State<AppState>) -> Result<Response, ApiError> {
    let node = Arc::clone(&s.node);
    // Building and compressing a bundle is CPU work; keep it off the async workers.
    let bytes = tokio::task::spawn_blocking(move || {
        node.bundle().and_then(|b| {
            b.encode()
                .map_err(|e| crate::node::NodeError::Checkpoint(e.to_string()))
        })
    })
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "bundle_unavailable",
            "the bundle could not be built",
        )
    })??;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

async fn metrics(State(s): State<AppState>) -> Response {
    let ledger = format!(
        "# HELP registry_log_size Durable log entries.\n# TYPE registry_log_size gauge\nregistry_log_size {}\n\
         # HELP registry_operations_accepted_total Operations appended.\n# TYPE registry_operations_accepted_total counter\nregistry_operations_accepted_total {}\n\
         # HELP registry_operations_refused_total Operations refused.\n# TYPE registry_operations_refused_total counter\nregistry_operations_refused_total {}\n\
         # HELP registry_reads_total Object reads served.\n# TYPE registry_reads_total counter\nregistry_reads_total {}\n",
        s.node.size(),
        s.metrics.accepted.load(Ordering::Relaxed),
        s.metrics.refused.load(Ordering::Relaxed),
        s.metrics.reads.load(Ordering::Relaxed),
    );
    exposition(ledger + &s.http.render())
}
