//! The two endpoints a wallet calls (OpenID4VP 1.0): the request object behind
//! `request_uri` (§5.10; GET, or POST when the wallet sends metadata, which this
//! verifier does not use), and the `response_uri` of `direct_post` (§8.2).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sigillum_credential::oid4vp::REQUEST_OBJECT_MEDIA_TYPE;

use super::problem::oauth_error;
use crate::service::Verifier;

/// `GET /oid4vp/request/{id}`: the signed request object.
pub(super) async fn request_object(
    State(verifier): State<Arc<Verifier>>,
    Path(id): Path<String>,
) -> Response {
    match verifier.request_object(&id) {
        Ok(jwt) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, REQUEST_OBJECT_MEDIA_TYPE)],
            jwt,
        )
            .into_response(),
        Err(e) => oauth_error(&e),
    }
}

/// `POST /oid4vp/response/{id}`: the wallet's answer. §8.2: a processed answer
/// (presentations, or the wallet's own error) is `200` with a JSON object; the
/// outcome goes to the officer's screen, not to the wallet. A body that cannot be
/// taken (malformed, replayed, wrong `state`, unknown request) is `400`/`404`/`409`
/// with `error`.
pub(super) async fn response(
    State(verifier): State<Arc<Verifier>>,
    Path(id): Path<String>,
    body: String,
) -> Response {
    match verifier.answer(&id, &body).await {
        Ok(_) => ok(),
        Err(e) => oauth_error(&e),
    }
}

fn ok() -> Response {
    (StatusCode::OK, axum::Json(serde_json::json!({}))).into_response()
}
