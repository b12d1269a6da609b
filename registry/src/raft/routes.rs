//! The replica's own endpoints, beside the registry API (CONSORTIUM.md "Transport",
//! "Operations").
//!
//! | method and path | answer |
//! | --- | --- |
//! | `POST /raft/v1/append`, `/raft/v1/vote`, `/raft/v1/snapshot` | Raft RPCs (signed envelope, [`super::network`]) |
//! | `GET /v1/status` | leader, term, log and ledger sizes, membership |
//! | `POST`/`DELETE /debug/v1/isolate` | partition fault, only with `SIGILLUM_FAULTS=1` |

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use openraft::raft::{AppendEntriesRequest, VoteRequest};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::network::{AUTH_HEADER, Envelope, SnapshotRequest};
use super::{RegistryRaft, Replica};
use crate::http::problem::ApiError;

/// Largest RPC body: 64 entries of up to 1 MiB each, in JSON with base64.
pub const MAX_RPC_BYTES: usize = 96 * 1024 * 1024;

/// The Raft RPC, status and fault routes of `replica`.
pub fn router(replica: Arc<Replica>) -> Router {
    Router::new()
        .route("/raft/v1/append", post(append))
        .route("/raft/v1/vote", post(vote))
        .route("/raft/v1/snapshot", post(snapshot))
        .route("/v1/status", get(status))
        .route("/debug/v1/isolate", post(isolate).delete(heal))
        .layer(DefaultBodyLimit::max(MAX_RPC_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .with_state(replica)
}

/// Checks the envelope from the headers (a stranger is refused before its body is
/// read), then reads the body (at most [`MAX_RPC_BYTES`]), checks it is the one
/// signed, and decodes it.
async fn admit<T: DeserializeOwned>(
    replica: &Replica,
    path: &str,
    request: Request,
) -> Result<T, ApiError> {
    let header = request
        .headers()
        .get(AUTH_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "raft_auth_missing",
                "Raft RPCs must carry a Sigillum-Raft-Auth envelope",
            )
        })?;
    let unauthorized = |why| ApiError::new(StatusCode::UNAUTHORIZED, "raft_auth_invalid", why);
    let envelope = Envelope::open(
        header,
        replica.voter_keys(),
        replica.id(),
        path,
        replica.now(),
    )
    .map_err(unauthorized)?;
    if replica.is_isolated_from(envelope.from) {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "peer_isolated",
            format!(
                "node {} is isolated from this node (fault injection)",
                envelope.from
            ),
        ));
    }
    let body = axum::body::to_bytes(request.into_body(), MAX_RPC_BYTES)
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "raft_request_too_large",
                format!("the body could not be read within {MAX_RPC_BYTES} bytes: {e}"),
            )
        })?;
    envelope.admits(&body).map_err(unauthorized)?;
    serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "raft_request_invalid",
            format!("not a {path} request: {e}"),
        )
    })
}

async fn append(State(r): State<Arc<Replica>>, request: Request) -> Response {
    let request: AppendEntriesRequest<RegistryRaft> =
        match admit(&r, "/raft/v1/append", request).await {
            Ok(request) => request,
            Err(refused) => return refused.into_response(),
        };
    Json(r.raft().append_entries(request).await).into_response()
}

async fn vote(State(r): State<Arc<Replica>>, request: Request) -> Response {
    let request: VoteRequest<u64> = match admit(&r, "/raft/v1/vote", request).await {
        Ok(request) => request,
        Err(refused) => return refused.into_response(),
    };
    Json(r.raft().vote(request).await).into_response()
}

async fn snapshot(State(r): State<Arc<Replica>>, request: Request) -> Response {
    let request: SnapshotRequest = match admit(&r, "/raft/v1/snapshot", request).await {
        Ok(request) => request,
        Err(refused) => return refused.into_response(),
    };
    let data = match serde_json::to_vec(&request.manifest) {
        Ok(data) => data,
        Err(e) => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "raft_request_invalid",
                e.to_string(),
            )
            .into_response();
        }
    };
    let snapshot = openraft::Snapshot {
        meta: request.meta,
        snapshot: Box::new(std::io::Cursor::new(data)),
    };
    let answer = r
        .raft()
        .install_full_snapshot(request.vote, snapshot)
        .await
        .map_err(openraft::error::RaftError::<u64>::Fatal);
    Json(answer).into_response()
}

async fn status(State(r): State<Arc<Replica>>) -> Response {
    Json(r.status()).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Isolate {
    peers: Vec<u64>,
}

fn faults_off() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "route_not_found",
        "fault injection is off (start the node with SIGILLUM_FAULTS=1)",
    )
    .into_response()
}

async fn isolate(State(r): State<Arc<Replica>>, body: Bytes) -> Response {
    if !r.faults() {
        return faults_off();
    }
    match serde_json::from_slice::<Isolate>(&body) {
        Ok(req) => {
            r.isolate(&req.peers);
            Json(json!({"isolated_from": req.peers})).into_response()
        }
        Err(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "request_invalid",
            format!("expected {{\"peers\": [ids]}}: {e}"),
        )
        .into_response(),
    }
}

async fn heal(State(r): State<Arc<Replica>>) -> Response {
    if !r.faults() {
        return faults_off();
    }
    r.heal();
    Json(json!({"isolated_from": []})).into_response()
}
