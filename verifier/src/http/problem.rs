//! RFC 9457 problem details for the verifier's API (the shape is
//! `sigillum_credential::problem::Problem`), and the OAuth-style error body the
//! wallet endpoints answer with (RFC 6749 §5.2 names, our `code` beside).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sigillum_credential::problem::{MEDIA_TYPE, Problem};

use crate::service::AnswerError;
use crate::session::SessionError;

/// An error as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError(Box<Problem>);

impl ApiError {
    /// A problem with `status`, `code` and `detail`.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        ApiError(Box::new(Problem::new(
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error"),
            code,
            detail,
        )))
    }
}

/// The HTTP status for an answer's refusal.
pub(super) fn status_of(e: &AnswerError) -> StatusCode {
    match e {
        AnswerError::Session(SessionError::Unknown) | AnswerError::ProfileGone => {
            StatusCode::NOT_FOUND
        }
        AnswerError::Session(SessionError::Replayed) => StatusCode::CONFLICT,
        AnswerError::Session(SessionError::Full) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl From<AnswerError> for ApiError {
    fn from(e: AnswerError) -> Self {
        ApiError::new(status_of(&e), e.code(), e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::BAD_REQUEST);
        let body = serde_json::to_string(&self.0).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, MEDIA_TYPE)], body).into_response()
    }
}

/// An OAuth-style error for the wallet endpoints: `invalid_request` (§8.5 has no
/// finer code for a verifier refusing an answer) with our code and sentence.
pub(super) fn oauth_error(e: &AnswerError) -> Response {
    (
        status_of(e),
        axum::Json(json!({
            "error": "invalid_request",
            "error_description": e.to_string(),
            "code": e.code(),
        })),
    )
        .into_response()
}
