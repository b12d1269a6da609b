//! RFC 9457 problem details for officer-facing errors (the shape is
//! `sigillum_credential::problem::Problem`); a schema violation lists every
//! offending field in `errors`. Server errors are logged, their bodies say little.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sigillum_credential::problem::{FieldProblem, MEDIA_TYPE, Problem};

use crate::error::IssueError;

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

impl From<IssueError> for ApiError {
    fn from(e: IssueError) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(error = %e, code = e.code(), "request failed");
        }
        let mut problem = ApiError::new(status, e.code(), e.to_string());
        if let IssueError::Schema(violations) = &e {
            problem.0.errors = violations
                .violations()
                .iter()
                .map(|v| FieldProblem {
                    pointer: v.path.clone(),
                    code: "schema_violation".into(),
                    detail: v.message.clone(),
                })
                .collect();
        }
        problem
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (
            status,
            [(header::CONTENT_TYPE, MEDIA_TYPE)],
            self.0.to_json(),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"sigillum-issuer\""),
            );
        }
        response
    }
}
