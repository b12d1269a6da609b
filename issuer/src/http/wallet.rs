//! The OpenID4VCI endpoints a wallet calls. Errors are OAuth error responses
//! (`error`, `error_description`, RFC 6749 §5.2) with our specific `code` as an
//! extra member; an invalid access token also gets `WWW-Authenticate` (RFC 6750 §3).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::WalletError;
use crate::service::Issuer;

impl IntoResponse for WalletError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        if status.is_server_error() {
            tracing::error!(code = self.code, error = %self.description, "wallet request failed");
        }
        let body =
            json!({"error": self.error, "error_description": self.description, "code": self.code});
        let mut response = (status, no_store(), body.to_string()).into_response();
        if status == StatusCode::UNAUTHORIZED {
            let value = format!("Bearer error=\"{}\"", self.error);
            if let Ok(v) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        response
    }
}

/// `Content-Type: application/json` and `Cache-Control: no-store` (§6.2, §7.2).
fn no_store() -> [(header::HeaderName, &'static str); 2] {
    [
        (header::CONTENT_TYPE, "application/json"),
        (header::CACHE_CONTROL, "no-store"),
    ]
}

/// `GET /.well-known/openid-credential-issuer`.
pub(super) async fn metadata(State(issuer): State<Arc<Issuer>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        issuer.metadata().to_json(),
    )
        .into_response()
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414 §3): the issuer is its
/// own authorization server, for the pre-authorized code grant only, which needs
/// no client authentication (OpenID4VCI 1.0 §12.3).
pub(super) async fn authorization_server(State(issuer): State<Arc<Issuer>>) -> Response {
    let base = issuer.public_url();
    let body = json!({
        "issuer": base,
        "token_endpoint": format!("{base}/token"),
        "grant_types_supported": [sigillum_credential::oid4vci::PRE_AUTHORIZED_CODE_GRANT],
        "pre-authorized_grant_anonymous_access_supported": true,
        "response_types_supported": [],
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// `POST /token` (form-encoded).
pub(super) async fn token(State(issuer): State<Arc<Issuer>>, body: Bytes) -> Response {
    let Ok(form) = std::str::from_utf8(&body) else {
        return WalletError::new(
            400,
            "invalid_request",
            "form_invalid",
            "the body is not UTF-8",
        )
        .into_response();
    };
    let form = form.to_owned();
    match tokio::task::spawn_blocking(move || issuer.token(&form)).await {
        Ok(Ok(answer)) => (StatusCode::OK, no_store(), answer.to_json()).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(_) => {
            WalletError::new(500, "server_error", "internal", "the request failed").into_response()
        }
    }
}

/// What the Token Endpoint answers an address that failed too often (see
/// `sigillum_web::attempts`): an OAuth error body (RFC 6749 §5.2), status 429.
pub(super) fn too_many_failures(secs: u64) -> Response {
    WalletError::new(
        429,
        "invalid_request",
        "too_many_failures",
        format!("too many failed token requests from this address; retry in {secs} s"),
    )
    .into_response()
}

/// `POST /nonce`.
pub(super) async fn nonce(State(issuer): State<Arc<Issuer>>) -> Response {
    match issuer.nonce() {
        Ok(nonce) => (
            StatusCode::OK,
            no_store(),
            json!({"c_nonce": nonce}).to_string(),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /credential`.
pub(super) async fn credential(
    State(issuer): State<Arc<Issuer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let Ok(text) = std::str::from_utf8(&body) else {
        return WalletError::new(
            400,
            "invalid_credential_request",
            "json_invalid",
            "the body is not UTF-8",
        )
        .into_response();
    };
    let issuer2 = Arc::clone(&issuer);
    let auth = auth.map(str::to_owned);
    let text = text.to_owned();
    // Proof verification, the durable allocation and signing block: off the reactor.
    let result =
        tokio::task::spawn_blocking(move || issuer2.credential(auth.as_deref(), &text)).await;
    match result {
        Ok(Ok(answer)) => (StatusCode::OK, no_store(), answer.to_json()).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(_) => {
            WalletError::new(500, "server_error", "internal", "the request failed").into_response()
        }
    }
}
