//! The JSON API behind the officer's screen (and a bank's back office).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use sigillum_credential::qr;

use super::ApiError;
use crate::service::Verifier;
use crate::session::Status;

/// `GET /v1/profiles`.
pub(super) async fn profiles(State(verifier): State<Arc<Verifier>>) -> Json<Value> {
    Json(Value::Array(
        verifier
            .profiles()
            .values()
            .map(|p| json!({"name": p.name, "description": p.description, "fail_closed": p.fail_closed}))
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OpenBody {
    profile: String,
}

/// `POST /v1/requests` `{"profile": "border"}`.
pub(super) async fn open(
    State(verifier): State<Arc<Verifier>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: OpenBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "request_body_invalid",
            format!("expected {{\"profile\": \"<name>\"}}: {e}"),
        )
    })?;
    let opened = verifier.open_request(&body.profile)?;
    let s = &opened.session;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": s.id,
            "profile": s.profile,
            "client_id": verifier.client_id(),
            "link": opened.link,
            "request_uri": verifier.request_uri(&s.id),
            "offline_request_qr": opened.offline_qr,
            "expires_at": s.expires,
        })),
    )
        .into_response())
}

/// The session as JSON: its state and, once answered, the outcome.
pub(super) fn session_json(verifier: &Verifier, id: &str) -> Result<Value, ApiError> {
    let s = verifier
        .sessions()
        .get(id, verifier.now().unix())
        .map_err(|e| ApiError::new(StatusCode::NOT_FOUND, e.code(), e.to_string()))?;
    Ok(match &s.status {
        Status::Waiting => json!({"id": s.id, "profile": s.profile, "status": "waiting"}),
        Status::Verifying => json!({"id": s.id, "profile": s.profile, "status": "verifying"}),
        Status::Answered(outcome) => {
            json!({"id": s.id, "profile": s.profile, "status": "answered", "outcome": outcome.as_ref()})
        }
        Status::Refused { error, description } => json!({
            "id": s.id, "profile": s.profile, "status": "refused",
            "error": error, "error_description": description,
        }),
    })
}

/// `GET /v1/requests/{id}`.
pub(super) async fn status(
    State(verifier): State<Arc<Verifier>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    session_json(&verifier, &id).map(Json)
}

/// `DELETE /v1/requests/{id}`.
pub(super) async fn close(
    State(verifier): State<Arc<Verifier>>,
    Path(id): Path<String>,
) -> StatusCode {
    verifier.sessions().close(&id);
    StatusCode::NO_CONTENT
}

/// The QR text of an offline presentation posted as text or as an image.
pub(super) fn qr_text(headers: &HeaderMap, body: &[u8]) -> Result<String, ApiError> {
    let image = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("image/"))
        || body.starts_with(b"\x89PNG")
        || body.starts_with(b"\xFF\xD8");
    if image {
        return qr::scan_image(body)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()));
    }
    String::from_utf8(body.to_vec()).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "qr_payload_invalid",
            "the body is neither QR text nor a PNG/JPEG image",
        )
    })
}

/// `POST /v1/requests/{id}/offline`: an offline presentation QR.
pub(super) async fn offline(
    State(verifier): State<Arc<Verifier>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let text = qr_text(&headers, &body)?;
    let outcome = verifier.offline_answer(&id, &text).await?;
    Ok(Json(json!(outcome.as_ref())))
}

/// `GET /v1/receipts/{jti}`.
pub(super) async fn receipt(
    State(verifier): State<Arc<Verifier>>,
    Path(jti): Path<String>,
) -> Result<Response, ApiError> {
    let jwt = verifier.receipt(&jti).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "receipt_unknown",
            "no receipt with this id",
        )
    })?;
    Ok(([(header::CONTENT_TYPE, "application/jwt")], jwt).into_response())
}
