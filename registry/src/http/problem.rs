//! RFC 9457 problem details: every error the API returns, in one shape, with the
//! stable code in `code` (and in `type` as `urn:sigillum:problem:<code>`). Server
//! errors reveal nothing and are logged.

use std::borrow::Cow;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sigillum_credential::ledger::operation::OperationError;
use sigillum_credential::problem::{MEDIA_TYPE, Problem};

use crate::node::NodeError;

/// An error as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable snake_case code.
    pub code: Cow<'static, str>,
    /// A sentence for a person.
    pub detail: String,
}

impl ApiError {
    /// A client error with `status`, `code` and `detail`.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code: Cow::Borrowed(code),
            detail: detail.into(),
        }
    }

    /// 404 for an object the ledger does not hold.
    pub fn not_found(what: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "object_not_found",
            format!("{what} is not on the ledger"),
        )
    }
}

/// The HTTP status a refused operation is answered with.
#[must_use]
pub fn refusal_status(e: &OperationError) -> StatusCode {
    match e {
        OperationError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        OperationError::Unauthorized(_) | OperationError::SignatureInvalid { .. } => {
            StatusCode::FORBIDDEN
        }
        OperationError::Stale { .. } => StatusCode::CONFLICT,
        OperationError::FieldForbidden { .. } | OperationError::Rejected(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        _ => StatusCode::BAD_REQUEST,
    }
}

impl From<OperationError> for ApiError {
    fn from(e: OperationError) -> Self {
        ApiError::new(refusal_status(&e), e.code(), e.to_string())
    }
}

impl From<crate::raft::Refusal> for ApiError {
    fn from(r: crate::raft::Refusal) -> Self {
        ApiError {
            status: StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
            code: Cow::Owned(r.code),
            detail: r.detail,
        }
    }
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        match e {
            NodeError::Proof(p) => ApiError::new(StatusCode::BAD_REQUEST, p.code(), p.to_string()),
            other => {
                tracing::error!(error = %other, "internal error");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    other.code(),
                    "the registry cannot serve this now",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem::new(
            self.status.as_u16(),
            self.status.canonical_reason().unwrap_or("Error"),
            &self.code,
            self.detail,
        );
        (
            self.status,
            [(header::CONTENT_TYPE, MEDIA_TYPE)],
            body.to_json(),
        )
            .into_response()
    }
}
